package eventbridge

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// Reserved InputTemplate variables AWS defines.
const (
	varRuleARN       = "aws.events.rule-arn"
	varRuleName      = "aws.events.rule-name"
	varIngestionTime = "aws.events.event.ingestion-time"
	varEvent         = "aws.events.event"
	varEventJSON     = "aws.events.event.json"
)

var placeholderRE = regexp.MustCompile(`<([A-Za-z0-9_.\-]+)>`)

// template is a parsed InputTemplate: literal text and placeholders. In a
// JSON template a placeholder inside a string literal ("quoted") receives
// the value's text, and one outside a string receives the value as JSON;
// in a text template strings are inserted as they are.
type template struct {
	json  bool
	segs  []segment
	paths map[string]jsonPath
}

type segment struct {
	text   string
	key    string // placeholder when not ""
	quoted bool
}

// templateVars are the values a template is rendered with.
type templateVars struct {
	event     any    // the decoded event
	eventJSON []byte // the event as delivered
	ruleARN   string
	ruleName  string
	ingested  time.Time
}

func parseTemplate(src string, paths map[string]jsonPath) *template {
	t := &template{paths: paths}
	trimmed := strings.TrimSpace(src)
	t.json = trimmed != "" && strings.ContainsRune("{[\"", rune(trimmed[0]))
	known := func(k string) bool {
		if _, ok := paths[k]; ok {
			return true
		}
		switch k {
		case varRuleARN, varRuleName, varIngestionTime, varEvent, varEventJSON:
			return true
		}
		return false
	}
	inString, last := false, 0
	stringState := func(upto int) { // advance the string state over src[last:upto]
		for i := last; i < upto; i++ {
			switch src[i] {
			case '\\':
				if inString {
					i++
				}
			case '"':
				inString = !inString
			}
		}
	}
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(src, -1) {
		key := src[m[2]:m[3]]
		if !known(key) {
			continue
		}
		if t.json {
			stringState(m[0])
		}
		t.segs = append(t.segs, segment{text: src[last:m[0]]}, segment{key: key, quoted: t.json && inString})
		last = m[1]
	}
	t.segs = append(t.segs, segment{text: src[last:]})
	return t
}

// valid reports whether a JSON template renders to valid JSON whatever
// the values are.
func (t *template) valid() bool {
	if !t.json {
		return true
	}
	var b bytes.Buffer
	for _, sg := range t.segs {
		switch {
		case sg.key == "":
			b.WriteString(sg.text)
		case sg.quoted:
			b.WriteString("x")
		default:
			b.WriteString("null")
		}
	}
	return json.Valid(b.Bytes())
}

func (t *template) render(v templateVars) string {
	var b bytes.Buffer
	for _, sg := range t.segs {
		if sg.key == "" {
			b.WriteString(sg.text)
			continue
		}
		val, found := t.value(sg.key, v)
		if raw, ok := val.(json.RawMessage); ok && !sg.quoted {
			b.Write(raw)
			continue
		}
		switch {
		case !found && sg.quoted, !found && !t.json:
			// nothing: an empty string
		case !found:
			b.WriteString("null")
		case sg.quoted:
			s, isString := val.(string)
			if !isString {
				s = string(marshalJSON(val))
			}
			q := marshalJSON(s)
			b.Write(q[1 : len(q)-1])
		case !t.json:
			if s, isString := val.(string); isString {
				b.WriteString(s)
			} else {
				b.Write(marshalJSON(val))
			}
		default:
			b.Write(marshalJSON(val))
		}
	}
	return b.String()
}

func (t *template) value(key string, v templateVars) (any, bool) {
	switch key {
	case varRuleARN:
		return v.ruleARN, true
	case varRuleName:
		return v.ruleName, true
	case varIngestionTime:
		return v.ingested.UTC().Format(time.RFC3339), true
	case varEvent, varEventJSON:
		return json.RawMessage(v.eventJSON), true
	}
	return t.paths[key].eval(v.event)
}

// marshalJSON encodes v as compact JSON without HTML escaping, as AWS
// writes event text.
func marshalJSON(v any) []byte {
	if raw, ok := v.(json.RawMessage); ok {
		return raw
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte("null")
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
