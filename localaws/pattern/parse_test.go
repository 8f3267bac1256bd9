package pattern

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The tests of the package's two parsers of outside bytes: Compile (event
// patterns, with AWS's error reasons) and ParseEvent (events).

// compileErrorCases are patterns Compile refuses, each with the reason
// AWS gives (or the start of it), grouped by the part of the grammar
// they break.
var compileErrorCases = []struct {
	name, pattern, reason string
}{
	{"not JSON", `{"a":`, "Invalid JSON"},
	{"trailing comma", `{"a":["x"],}`, "Invalid JSON"},
	{"empty input", ``, "Invalid JSON"},
	{"array", `["a"]`, "Filter is not an object"},
	{"string", `"a"`, "Filter is not an object"},
	{"null", `null`, "Filter is not an object"},
	{"trailing data", `{"a":["x"]} {}`, "Unexpected content after the pattern object"},
	{"empty object", `{}`, "Empty objects are not allowed"},
	{"empty nested object", `{"detail":{}}`, "Empty objects are not allowed"},
	{"scalar field", `{"source":"aws.ec2"}`, `"source" must be an object or an array`},
	{"number field", `{"n":5}`, `"n" must be an object or an array`},
	{"empty array", `{"source":[]}`, "Empty arrays are not allowed"},
	{"nested array value", `{"a":[["x"]]}`, "Match value must be String, number, true, false, or null"},
	{"empty match expression", `{"a":[{}]}`, "Match expression name not found"},
	{"unknown operator", `{"a":[{"contains":"x"}]}`, "Unrecognized match type contains"},
	{"two keys", `{"a":[{"prefix":"x","suffix":"y"}]}`, "Only one key allowed in match expression"},
	{"prefix number", `{"a":[{"prefix":5}]}`, "prefix match pattern must be a string"},
	{"prefix unknown inner", `{"a":[{"prefix":{"wildcard":"x"}}]}`, "Unsupported prefix pattern: wildcard"},
	{"prefix empty inner", `{"a":[{"prefix":{}}]}`, "Prefix expression name not found"},
	{"prefix ignore case number", `{"a":[{"prefix":{"equals-ignore-case":1}}]}`, "equals-ignore-case match pattern must be a string"},
	{"suffix array", `{"a":[{"suffix":["x"]}]}`, "suffix match pattern must be a string"},
	{"suffix unknown inner", `{"a":[{"suffix":{"prefix":"x"}}]}`, "Unsupported suffix pattern: prefix"},
	{"equals-ignore-case number", `{"a":[{"equals-ignore-case":1}]}`, "equals-ignore-case match pattern must be a string"},
	{"equals number", `{"a":[{"equals":1}]}`, "exact match pattern must be a string"},
	{"wildcard number", `{"a":[{"wildcard":1}]}`, "wildcard match pattern must be a string"},
	{"wildcard consecutive", `{"key":[{"wildcard":"abc**def"}]}`, "Consecutive wildcard characters at pos 4"},
	{"wildcard bad escape", `{"key":[{"wildcard":"a*c\\def"}]}`, "Invalid escape character at pos 4"},
	{"wildcard trailing backslash", `{"key":[{"wildcard":"abc\\"}]}`, "Invalid escape character at pos 4"},
	{"wildcard escaped backslash then stars", `{"key":[{"wildcard":"a\\\\**"}]}`, "Consecutive wildcard characters at pos 4"},
	{"exists string", `{"a":[{"exists":"true"}]}`, "exists match pattern must be either true or false."},
	{"exists extra key", `{"a":[{"exists":true,"prefix":"x"}]}`, "Only one key allowed in match expression"},
	{"numeric not array", `{"a":[{"numeric":5}]}`, "Value of numeric must be an array."},
	{"numeric empty", `{"a":[{"numeric":[]}]}`, "Invalid member in numeric match: ]"},
	{"numeric number first", `{"a":[{"numeric":[5,">"]}]}`, "Invalid member in numeric match: 5"},
	{"numeric bad operator", `{"a":[{"numeric":["!=",5]}]}`, "Unrecognized numeric range operator: !="},
	{"numeric value string", `{"a":[{"numeric":[">","5"]}]}`, "Value of > must be numeric"},
	{"numeric equals value string", `{"a":[{"numeric":["=","5"]}]}`, "Value of equals must be numeric"},
	{"numeric missing value", `{"a":[{"numeric":["<"]}]}`, "Value of < must be numeric"},
	{"numeric too many after eq", `{"a":[{"numeric":["=",5,"<",6]}]}`, "Too many elements in numeric expression"},
	{"numeric too many after lt", `{"a":[{"numeric":["<",5,">",1]}]}`, "Too many elements in numeric expression"},
	{"numeric range bad second op", `{"a":[{"numeric":[">",1,">",6]}]}`, "Bad numeric range operator: >"},
	{"numeric range bad second value", `{"a":[{"numeric":[">",1,6]}]}`, "Bad value in numeric range: 6"},
	{"numeric range top string", `{"a":[{"numeric":[">",1,"<","6"]}]}`, "Value of < must be numeric"},
	{"numeric range too many", `{"a":[{"numeric":[">",1,"<",6,7]}]}`, "Too many terms in numeric range expression"},
	{"numeric range inverted", `{"a":[{"numeric":[">",5,"<",3]}]}`, "Bottom must be less than top"},
	{"numeric range empty", `{"a":[{"numeric":[">=",5,"<=",5]}]}`, "Bottom must be less than top"},
	{"numeric out of range", `{"a":[{"numeric":[">",5000000001]}]}`, "Value must be between -5.0E9 and 5.0E9, inclusive"},
	{"numeric out of range negative", `{"a":[{"numeric":["<",-5.1e9]}]}`, "Value must be between -5.0E9 and 5.0E9, inclusive"},
	{"numeric seven decimals", `{"a":[{"numeric":["=",1.0000001]}]}`, "Only values upto 6 decimals are supported"},
	{"numeric extra key", `{"a":[{"numeric":[">",1],"x":1}]}`, "Only one key allowed in match expression"},
	{"anything-but bool", `{"a":[{"anything-but":true}]}`, "Value of anything-but must be an array or single string/number value."},
	{"anything-but null", `{"a":[{"anything-but":null}]}`, "Value of anything-but must be an array or single string/number value."},
	{"anything-but mixed list", `{"a":[{"anything-but":["a",1]}]}`, "either all values are number or string, mixed type is not supported"},
	{"anything-but empty list", `{"a":[{"anything-but":[]}]}`, "either all values are number or string"},
	{"anything-but null in list", `{"a":[{"anything-but":["a",null]}]}`, "Inside anything but list, start|null|boolean is not supported."},
	{"anything-but number out of range", `{"a":[{"anything-but":[1e10]}]}`, "Value must be between -5.0E9 and 5.0E9, inclusive"},
	{"anything-but empty object", `{"a":[{"anything-but":{}}]}`, "Anything-But expression name not found"},
	{"anything-but unsupported", `{"a":[{"anything-but":{"numeric":[">",1]}}]}`, "Unsupported anything-but pattern: numeric"},
	{"anything-but prefix empty", `{"a":[{"anything-but":{"prefix":""}}]}`, "Null prefix/suffix not allowed"},
	{"anything-but suffix empty in list", `{"a":[{"anything-but":{"suffix":["x",""]}}]}`, "Null prefix/suffix not allowed"},
	{"anything-but prefix number", `{"a":[{"anything-but":{"prefix":5}}]}`, "prefix/suffix match pattern must be a string"},
	{"anything-but prefix bool", `{"a":[{"anything-but":{"prefix":true}}]}`, "Value of anything-but must be an array or single string/number value."},
	{"anything-but ignore case number", `{"a":[{"anything-but":{"equals-ignore-case":[1]}}]}`, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."},
	{"anything-but wildcard number", `{"a":[{"anything-but":{"wildcard":1}}]}`, "wildcard match pattern must be a string"},
	{"anything-but wildcard consecutive", `{"a":[{"anything-but":{"wildcard":["ok","x**"]}}]}`, "Consecutive wildcard characters at pos 2"},
	{"anything-but inner two keys", `{"a":[{"anything-but":{"prefix":"x","suffix":"y"}}]}`, "Only one key allowed in match expression"},
	{"cidr number", `{"a":[{"cidr":10}]}`, "cidr match pattern must be a string"},
	{"cidr no slash", `{"a":[{"cidr":"10.0.0.0"}]}`, "Malformed CIDR, one '/' required"},
	{"cidr two slashes", `{"a":[{"cidr":"10.0.0.0/8/8"}]}`, "Malformed CIDR, one '/' required"},
	{"cidr trailing slash", `{"a":[{"cidr":"10.0.0.0/"}]}`, "Malformed CIDR, one '/' required"},
	{"cidr mask text", `{"a":[{"cidr":"10.0.0.0/x"}]}`, "Malformed CIDR, mask bits must be an integer"},
	{"cidr mask negative", `{"a":[{"cidr":"10.0.0.0/-1"}]}`, "Malformed CIDR, mask bits must not be negative"},
	{"cidr hostname", `{"a":[{"cidr":"example.com/8"}]}`, "Nonstandard IP address: example.com"},
	{"cidr bad octet", `{"a":[{"cidr":"10.0.0.300/8"}]}`, "Invalid IP address: 10.0.0.300"},
	{"cidr dotted IPv6", `{"a":[{"cidr":"::ffff:10.0.0.0/104"}]}`, "Nonstandard IP address: ::ffff:10.0.0.0"},
	{"cidr IPv4 mask", `{"a":[{"cidr":"10.0.0.0/33"}]}`, "IPv4 mask bits must be < 32"},
	{"cidr IPv6 mask", `{"a":[{"cidr":"::/129"}]}`, "IPv6 mask bits must be < 128"},
	{"or not array", `{"$or":{"a":["x"]}}`, "It must be an Array followed with $or."},
	{"or one item", `{"$or":[{"a":["x"]}]}`, "There must have at least 2 Objects in $or relationship."},
	{"or empty", `{"$or":[]}`, "There must have at least 2 Objects in $or relationship."},
	{"or non-object item", `{"$or":[{"a":["x"]},"b"]}`, "Only JSON object is allowed in array of $or relationship."},
	{"or empty item", `{"$or":[{"a":["x"]},{}]}`, "Empty objects are not allowed"},
	{"or reserved name", `{"$or":[{"numeric":[123]},{"prefix":["abc"]}]}`, "numeric is Ruler reserved fieldName which cannot be used inside $or."},
	{"or reserved nested name", `{"$or":[{"a":{"exists":[true]}},{"b":["x"]}]}`, "exists is Ruler reserved fieldName which cannot be used inside $or."},
	{"or nested error", `{"a":{"$or":[{"b":[]},{"c":["x"]}]}}`, "Empty arrays are not allowed"},
	{"or too many alternatives", strings.Repeat(`{"$or":[{"a":["x"]},{"b":["y"]},{"c":["z"]},{"d":["w"]}],"n":`, 6) + `["v"]` + strings.Repeat(`}`, 6), "Event pattern is too complex"},
}

// TestCompileErrors holds Compile to a *SyntaxError for each of
// compileErrorCases: the reason, a position, and the reason in the text.
func TestCompileErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range compileErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile([]byte(tc.pattern))
			if err == nil {
				t.Fatalf("Compile(%s) = %v, want error %q", tc.pattern, p, tc.reason)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SyntaxError", err, err)
			}
			if !strings.Contains(se.Reason, tc.reason) {
				t.Errorf("Compile(%s) reason = %q, want it to contain %q", tc.pattern, se.Reason, tc.reason)
			}
			if se.Line < 1 || se.Column < 1 || !strings.Contains(err.Error(), se.Reason) {
				t.Errorf("error %q: bad position or text", err)
			}
		})
	}
}

func TestCompileValid(t *testing.T) {
	t.Parallel()
	valid := []string{
		`{"source":["aws.ec2"]}`,
		`{"a":[null,true,false,1,-2.5e3,"x"]}`,
		`{"a":[{"prefix":""}]}`,
		`{"a":[{"anything-but":{"prefix":[]}}]}`,
		`{"a":[{"anything-but":{"wildcard":"a\\*b\\\\c*"}}]}`,
		`{"a":[{"numeric":[">=",-5e9,"<=",5e9]}]}`,
		`{"a":[{"numeric":["=",0.000001]}]}`,
		`{"a":[{"cidr":"10.0.0.0/31"}]}`,
		`{"a":[{"cidr":"2001:db8::/32"}]}`,
		`{"a":[{"exists":false},{"exists":true}]}`,
		`{"$or":[{"a":["x"]},{"b":["y"]}],"c":{"$or":[{"d":[1]},{"e":[2]}]}}`,
		`{"a":[12345678901234567890123]}`,
		"  {\n \"a\" : [ \"x\" ] }\n",
	}
	for _, src := range valid {
		if _, err := Compile([]byte(src)); err != nil {
			t.Errorf("Compile(%s): %v", src, err)
		}
	}
}

func TestCompileErrorPosition(t *testing.T) {
	t.Parallel()
	_, err := Compile([]byte("{\n  \"a\": [],\n  \"b\": [\"x\"]\n}"))
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	if se.Line != 2 {
		t.Errorf("line = %d, want 2 (%v)", se.Line, err)
	}
}

func TestPatternString(t *testing.T) {
	t.Parallel()
	src := `{"source":["aws.ec2"]}`
	p, err := Compile([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if p.String() != src {
		t.Errorf("String() = %q", p.String())
	}
}

func TestParseEventRejectsNonObjects(t *testing.T) {
	t.Parallel()
	bad := []string{
		``, ` `, `[]`, `[{"a":1}]`, `"x"`, `1`, `null`, `true`,
		`{`, `{"a":}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1} x`, `{"a":1}{}`,
		`{"a":[1,]}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":tru}`,
		`{"a":"\x"}`, "{\"a\":\"\x01\"}", `{"a":"\u12"}`, `{"a":"unterminated}`,
		strings.Repeat(`{"a":`, maxDepth+1) + `1` + strings.Repeat(`}`, maxDepth+1),
	}
	p, err := Compile([]byte(`{"a":[{"exists":false}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range bad {
		if _, err := ParseEvent([]byte(ev)); !errors.Is(err, ErrNotObject) {
			t.Errorf("ParseEvent(%.40q) error = %v, want ErrNotObject", ev, err)
		}
		if ok, err := p.Match([]byte(ev)); err == nil || ok {
			t.Errorf("Match(%.40q) = %v, %v; want an error", ev, ok, err)
		}
	}
}

func TestParseEventStrings(t *testing.T) {
	t.Parallel()
	// Every string must reach the matcher exactly as encoding/json decodes it.
	texts := []string{
		`plain`, `a\"b`, `\\`, `\/`, `\b\f\n\r\t`, `\u00e9\u4e2d`, `\ud83d\ude00`,
		`\ud83d`, `\ude00x`, `\ud83dx`, `\ud83d\u0041`, `caf\u00C9`, `ünïcødé`,
	}
	for _, raw := range texts {
		src := `{"s":"` + raw + `"}`
		var want struct{ S string }
		if err := json.Unmarshal([]byte(src), &want); err != nil {
			t.Fatalf("encoding/json rejects %s: %v", src, err)
		}
		ev, err := ParseEvent([]byte(src))
		if err != nil {
			t.Fatalf("ParseEvent(%s): %v", src, err)
		}
		if got := ev.leaves[0].v.s; got != want.S {
			t.Errorf("ParseEvent(%s) string = %q, want %q", src, got, want.S)
		}
	}
}

func TestParseEventAcceptsValidJSON(t *testing.T) {
	t.Parallel()
	good := []string{
		`{}`, ` { } `, `{"a":{}}`, `{"a":[]}`, `{"a":[[],[[]]]}`, `{"a":-0.5e-3}`, `{"a":0}`,
		`{"a":1E+2}`, `{"a":null,"b":true,"c":false}`, "{\n\t\"a\" :\r\n [ 1 , 2 ] }",
		`{"a":1,"a":2}`,
	}
	for _, src := range good {
		if _, err := ParseEvent([]byte(src)); err != nil {
			t.Errorf("ParseEvent(%s): %v", src, err)
		}
	}
}
