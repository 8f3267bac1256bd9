package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
)

// orKeyword introduces an array of alternative sub-patterns.
const orKeyword = "$or"

// maxBranches bounds how many alternatives the $or operators of one pattern
// may expand to; each is matched separately.
const maxBranches = 1024

// reservedInOr are the names that may not be field names inside $or, so
// that a misplaced operator is reported instead of silently matching
// nothing.
var reservedInOr = map[string]bool{
	"equals": true, "equals-ignore-case": true, "prefix": true, "suffix": true,
	"anything-but": true, "exists": true, "wildcard": true, "numeric": true, "cidr": true,
	"=": true, "<": true, "<=": true, ">": true, ">=": true,
	"regex": true, "not-wildcard": true, "not-equals-ignore-case": true,
	"date-after": true, "date-on-or-after": true, "date-before": true, "date-on-or-before": true,
	"in-date-range": true, "ip-address-in-range": true, "ip-address-not-in-range": true,
}

// rule is one alternative under construction: path → its condition.
type rule map[string]*field

// compiler reads a pattern token by token, as AWS's compiler does, so that
// errors name the first offending token.
type compiler struct {
	src []byte
	dec *json.Decoder
}

func (c *compiler) fail(format string, args ...any) error {
	line, col := position(c.src, c.dec.InputOffset())
	return &SyntaxError{Reason: fmt.Sprintf(format, args...), Line: line, Column: col}
}

// expect reads the next token, which must be d; any other fails the
// pattern with the reason format gives.
func (c *compiler) expect(d json.Delim, format string, args ...any) error {
	tok, err := c.next()
	if err != nil {
		return err
	}
	if tok != d {
		return c.fail(format, args...)
	}
	return nil
}

func (c *compiler) next() (json.Token, error) {
	tok, err := c.dec.Token()
	if err == nil {
		return tok, nil
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(c.src, se.Offset)
		return nil, &SyntaxError{Reason: "Invalid JSON: " + se.Error(), Line: line, Column: col}
	}
	return nil, c.fail("Invalid JSON: %v", err)
}

// compile turns pattern source into its alternatives, each sorted by path.
func compile(src []byte) ([][]*field, error) {
	c := &compiler{src: src, dec: json.NewDecoder(bytes.NewReader(src))}
	c.dec.UseNumber()
	if err := c.expect('{', "Filter is not an object"); err != nil {
		return nil, err
	}
	var rules []rule
	if err := c.object(&rules, "", false); err != nil {
		return nil, err
	}
	if _, err := c.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, c.fail("Unexpected content after the pattern object")
	}
	out := make([][]*field, len(rules))
	for i, r := range rules {
		fs := make([]*field, 0, len(r))
		for _, f := range r {
			fs = append(fs, f)
		}
		sort.Slice(fs, func(a, b int) bool { return fs[a].path < fs[b].path })
		out[i] = fs
	}
	return out, nil
}

// until reads tokens up to the end delimiter of the object or array whose
// opening was consumed, and calls fn with each (a nested object or array
// is fn's to read).
func (c *compiler) until(end json.Delim, fn func(tok json.Token) error) error {
	for {
		tok, err := c.next()
		if err != nil {
			return err
		}
		if tok == end {
			return nil
		}
		if err := fn(tok); err != nil {
			return err
		}
	}
}

// object reads the members of an object whose '{' was consumed.
func (c *compiler) object(rules *[]rule, path string, inOr bool) error {
	empty := true
	err := c.until('}', func(tok json.Token) error {
		empty = false
		return c.member(rules, path, tok.(string), inOr) // object keys are always strings
	})
	if err != nil {
		return err
	}
	if empty {
		return c.fail("Empty objects are not allowed")
	}
	return nil
}

// member reads the value of the object member name.
func (c *compiler) member(rules *[]rule, path, name string, inOr bool) error {
	if name == orKeyword {
		return c.or(rules, path)
	}
	if inOr && reservedInOr[name] {
		return c.fail("%s is Ruler reserved fieldName which cannot be used inside %s.", name, orKeyword)
	}
	child := name
	if path != "" {
		child = path + "." + name
	}
	tok, err := c.next()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return c.object(rules, child, inOr)
	case json.Delim('['):
		return c.values(rules, child)
	default:
		return c.fail("%q must be an object or an array", name)
	}
}

// or reads the array after "$or": every alternative so far is forked once
// per object in the array.
func (c *compiler) or(rules *[]rule, path string) error {
	current := *rules
	*rules = nil
	if err := c.expect('[', "It must be an Array followed with %s.", orKeyword); err != nil {
		return err
	}
	n := 0
	err := c.until(']', func(tok json.Token) error {
		n++
		if tok != json.Delim('{') {
			return c.fail("Only JSON object is allowed in array of %s relationship.", orKeyword)
		}
		forked := copyRules(current)
		if len(forked) == 0 {
			forked = []rule{{}}
		}
		if err := c.object(&forked, path, true); err != nil {
			return err
		}
		*rules = append(*rules, forked...)
		if len(*rules) > maxBranches {
			return c.fail("Event pattern is too complex: %s expands to more than %d alternatives", orKeyword, maxBranches)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n < 2 {
		return c.fail("There must have at least 2 Objects in %s relationship.", orKeyword)
	}
	return nil
}

// value reads one element of a field's value list: a literal or an
// expression object.
func (c *compiler) value(f *field, tok json.Token) error {
	switch t := tok.(type) {
	case json.Delim:
		if t != '{' {
			return c.fail("Match value must be String, number, true, false, or null")
		}
		return c.expression(f)
	case string:
		m := &exactString{s: t}
		m.ip, m.isIP = parseIP(t)
		f.matchers = append(f.matchers, m)
	case json.Number:
		n := parseDecimal(string(t))
		n.ok = n.ok && !n.frac // more than 6 decimals: literal match only
		f.matchers = append(f.matchers, &exactNumber{text: string(t), num: n})
	case bool:
		k := kindFalse
		if t {
			k = kindTrue
		}
		f.matchers = append(f.matchers, &literal{kind: k})
	case nil:
		f.matchers = append(f.matchers, &literal{kind: kindNull})
	}
	return nil
}

func copyRules(rs []rule) []rule {
	out := make([]rule, len(rs))
	for i, r := range rs {
		out[i] = make(rule, len(r))
		for k, v := range r {
			out[i][k] = v
		}
	}
	return out
}

// values reads a field's value list, whose '[' was consumed, and sets it on
// every alternative (a repeated path keeps its last list).
func (c *compiler) values(rules *[]rule, path string) error {
	f := &field{path: path}
	if err := c.until(']', func(tok json.Token) error { return c.value(f, tok) }); err != nil {
		return err
	}
	if len(f.matchers) == 0 && !f.absent {
		return c.fail("Empty arrays are not allowed")
	}
	if len(*rules) == 0 {
		*rules = []rule{{}}
	}
	for _, r := range *rules {
		r[path] = f
	}
	return nil
}
