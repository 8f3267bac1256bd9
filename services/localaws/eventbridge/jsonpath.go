package eventbridge

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// jsonPath is the subset of JSONPath EventBridge accepts in InputPath and
// InputPathsMap: "$", then member names (".name" or "['name']") and array
// indexes ("[0]").
type jsonPath []pathStep

type pathStep struct {
	key   string
	index int // when key == "" and isIndex
	isIdx bool
}

func parseJSONPath(p string) (jsonPath, error) {
	if !strings.HasPrefix(p, "$") {
		return nil, errors.New("must start with $")
	}
	rest := p[1:]
	path := jsonPath{}
	for rest != "" {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			if end == 0 {
				return nil, fmt.Errorf("empty member name in %q", p)
			}
			path = append(path, pathStep{key: rest[:end]})
			rest = rest[end:]
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", p)
			}
			inner := rest[1:end]
			rest = rest[end+1:]
			if len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0] {
				path = append(path, pathStep{key: inner[1 : len(inner)-1]})
				continue
			}
			n, err := strconv.Atoi(inner)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad index [%s] in %q", inner, p)
			}
			path = append(path, pathStep{index: n, isIdx: true})
		default:
			return nil, fmt.Errorf("unexpected %q in %q", rest[0], p)
		}
	}
	return path, nil
}

// eval returns the value at the path in a decoded JSON document.
func (p jsonPath) eval(doc any) (any, bool) {
	v := doc
	for _, st := range p {
		if st.isIdx {
			arr, ok := v.([]any)
			if !ok || st.index >= len(arr) {
				return nil, false
			}
			v = arr[st.index]
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[st.key]; !ok {
			return nil, false
		}
	}
	return v, true
}
