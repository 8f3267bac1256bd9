package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// fuzzEvents are matched against every pattern FuzzCompile accepts.
var fuzzEvents = []string{
	ec2Event,
	`{}`,
	`{"a":[],"b":{},"c":null,"d":[[1,"x"],[{"e":true}]],"f":"10.0.0.1","g":-1.5e3}`,
	`{"a":{"b":[{"c":"x","d":1},{"c":"y","e":[2,3]}]},"$or":"literal"}`,
}

// FuzzCompile: Compile never panics, rejects what is not JSON with a
// *SyntaxError, and whatever it accepts matches events without panicking.
func FuzzCompile(f *testing.F) {
	f.Add([]byte(`{"source":["aws.ec2"],"detail":{"state":[{"anything-but":["stopped"]}]}}`))
	f.Add([]byte(`{"$or":[{"a":[{"numeric":[">",0,"<=",5]}]},{"b":[{"wildcard":"x*y"}]}]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := Compile(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile error %T %v is not a *SyntaxError", err, err)
			}
			return
		}
		if !json.Valid(src) {
			t.Fatalf("Compile accepted invalid JSON %q", src)
		}
		for _, ev := range fuzzEvents {
			a, err := p.Match([]byte(ev))
			if err != nil {
				t.Fatalf("Match(%s): %v", ev, err)
			}
			pe, err := ParseEvent([]byte(ev))
			if err != nil {
				t.Fatal(err)
			}
			if b := p.MatchEvent(pe); a != b {
				t.Fatalf("Match = %v but MatchEvent = %v", a, b)
			}
		}
	})
}

// FuzzMatch: Match never panics; it fails exactly for events that are not
// JSON objects; Match and MatchEvent agree; and a pattern built from an
// event's own leaf values matches that event.
func FuzzMatch(f *testing.F) {
	f.Add([]byte(`{"source":["aws.ec2"]}`), []byte(ec2Event))
	f.Add([]byte(`{"a":{"b":[{"exists":false}]}}`), []byte(`{"a":[{"c":1},{"b":2}]}`))
	f.Fuzz(func(t *testing.T, pattern, event []byte) {
		trimmed := bytes.TrimLeft(event, " \t\r\n")
		isObject := json.Valid(event) && len(trimmed) > 0 && trimmed[0] == '{'
		var obj map[string]any
		if isObject {
			dec := json.NewDecoder(bytes.NewReader(event))
			dec.UseNumber()
			if err := dec.Decode(&obj); err != nil {
				t.Fatal(err)
			}
		}
		ev, evErr := ParseEvent(event)
		if len(event) < maxDepth && (evErr == nil) != isObject { // deeper events may exceed maxDepth
			t.Fatalf("ParseEvent(%q) error = %v, but encoding/json says object = %v", event, evErr, isObject)
		}
		if p, err := Compile(pattern); err == nil {
			got, err := p.Match(event)
			if (err == nil) != (evErr == nil) {
				t.Fatalf("Match error %v, ParseEvent error %v", err, evErr)
			}
			if err == nil && got != p.MatchEvent(ev) {
				t.Fatal("Match and MatchEvent disagree")
			}
		}
		if evErr != nil || obj == nil {
			return
		}
		own, ok := patternFromValues(obj)
		if !ok {
			return
		}
		src, err := json.Marshal(own)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compile(src)
		if err != nil {
			t.Fatalf("pattern %s built from event %s does not compile: %v", src, event, err)
		}
		if !p.MatchEvent(ev) {
			t.Fatalf("pattern %s built from event %s does not match it", src, event)
		}
	})
}

// patternFromValues builds a pattern requiring every scalar leaf of obj
// (arrays contribute their scalar elements; nested arrays and objects
// inside arrays are left out). ok is false when nothing is left.
func patternFromValues(obj map[string]any) (map[string]any, bool) {
	out := map[string]any{}
	for k, v := range obj {
		if k == orKeyword {
			continue // "$or" in a pattern is the operator, not a field
		}
		switch t := v.(type) {
		case map[string]any:
			if sub, ok := patternFromValues(t); ok {
				out[k] = sub
			}
		case []any:
			var vals []any
			for _, e := range t {
				switch e.(type) {
				case map[string]any, []any:
				default:
					vals = append(vals, e)
				}
			}
			if len(vals) > 0 {
				out[k] = vals
			}
		default:
			out[k] = []any{v}
		}
	}
	return out, len(out) > 0
}
