package eventbridge

import (
	"encoding/json"
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

// eval returns the JSON text at the path in a JSON document, as it is
// there (member order kept), and whether the path exists.
func (p jsonPath) eval(doc []byte) (json.RawMessage, bool) {
	v := json.RawMessage(doc)
	for _, st := range p {
		if st.isIdx {
			var arr []json.RawMessage
			if len(v) == 0 || v[0] != '[' || json.Unmarshal(v, &arr) != nil || st.index >= len(arr) {
				return nil, false
			}
			v = arr[st.index]
			continue
		}
		var obj map[string]json.RawMessage
		if len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &obj) != nil {
			return nil, false
		}
		var ok bool
		if v, ok = obj[st.key]; !ok {
			return nil, false
		}
	}
	return v, true
}
