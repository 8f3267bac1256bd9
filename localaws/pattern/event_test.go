package pattern

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
)

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

func TestMatchConcurrent(t *testing.T) {
	t.Parallel()
	p, err := Compile([]byte(`{"detail":{"state":[{"anything-but":"stopped"}],"c-count":[{"numeric":[">",1]}]},"$or":[{"source":["aws.ec2"]},{"region":["eu-west-1"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := ParseEvent([]byte(ec2Event))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				ok, err := p.Match([]byte(ec2Event))
				if err != nil || !ok || !p.MatchEvent(ev) {
					errs <- "concurrent match failed"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestMatchWideArraysStaysBounded(t *testing.T) {
	t.Parallel()
	// Three independent arrays of 300 elements each: a naive search over
	// every combination would take 27 million steps before failing on "c".
	var b strings.Builder
	b.WriteString(`{"a":[`)
	for i := 0; i < 300; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"x":1}`)
	}
	b.WriteString(`],"b":[`)
	for i := 0; i < 300; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"y":2}`)
	}
	b.WriteString(`],"c":[`)
	for i := 0; i < 300; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"z":3}`)
	}
	b.WriteString(`]}`)
	ev, err := ParseEvent([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{`{"a":{"x":[1]},"b":{"y":[2]},"c":{"z":[4]}}`, false},
		{`{"a":{"x":[1]},"b":{"y":[2]},"c":{"z":[3]}}`, true},
		{`{"a":{"x":[1]},"b":{"y":[2]},"c":{"w":[{"exists":true}]}}`, false},
	} {
		p, err := Compile([]byte(tc.pattern))
		if err != nil {
			t.Fatal(err)
		}
		if got := p.MatchEvent(ev); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.pattern, got, tc.want)
		}
	}
}
