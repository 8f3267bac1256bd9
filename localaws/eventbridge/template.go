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
	event    []byte // the event as delivered
	ruleARN  string
	ruleName string
	ingested time.Time
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
		switch {
		case !found && (sg.quoted || !t.json):
			// nothing: an empty string
		case !found:
			b.WriteString("null")
		case sg.quoted:
			// The value's text, escaped to sit inside the string literal.
			q := marshalJSON(textOf(val))
			b.Write(q[1 : len(q)-1])
		case !t.json:
			b.WriteString(textOf(val))
		default:
			b.Write(val)
		}
	}
	return b.String()
}

// value returns a placeholder's value as JSON text.
func (t *template) value(key string, v templateVars) (json.RawMessage, bool) {
	switch key {
	case varRuleARN:
		return marshalJSON(v.ruleARN), true
	case varRuleName:
		return marshalJSON(v.ruleName), true
	case varIngestionTime:
		return marshalJSON(v.ingested.UTC().Format(time.RFC3339)), true
	case varEvent, varEventJSON:
		return v.event, true
	}
	return t.paths[key].eval(v.event)
}

// textOf is a JSON value as text: a string's contents, else its JSON.
func textOf(val json.RawMessage) string {
	var s string
	if len(val) > 0 && val[0] == '"' && json.Unmarshal(val, &s) == nil {
		return s
	}
	return string(val)
}

// marshalJSON encodes v as compact JSON without HTML escaping, as AWS
// writes event text.
func marshalJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte("null")
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
