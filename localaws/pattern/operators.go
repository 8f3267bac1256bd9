package pattern

import (
	"encoding/json"
	"fmt"
)

// expression reads one match expression ({"prefix": "x"}, ...), whose '{'
// was consumed, into f.
func (c *compiler) expression(f *field) error {
	tok, err := c.next()
	if err != nil {
		return err
	}
	if tok == json.Delim('}') {
		return c.fail("Match expression name not found")
	}
	op := tok.(string)
	var m matcher
	switch op {
	case "equals", "equals-ignore-case", "wildcard", "cidr":
		m, err = c.stringOperator(op)
	case "prefix", "suffix":
		m, err = c.affix(op)
	case "numeric":
		m, err = c.numeric()
	case "anything-but":
		m, err = c.anythingBut()
	case "exists":
		tok, err := c.next()
		if err != nil {
			return err
		}
		b, ok := tok.(bool)
		if !ok {
			return c.fail("exists match pattern must be either true or false.")
		}
		if b {
			m = existsMatcher{}
		} else {
			f.absent = true
		}
	default:
		return c.fail("Unrecognized match type %s", op)
	}
	if err != nil {
		return err
	}
	if err := c.end(); err != nil {
		return err
	}
	if m != nil {
		f.matchers = append(f.matchers, m)
	}
	return nil
}

// end consumes the '}' closing a one-key expression object.
func (c *compiler) end() error {
	return c.expect('}', "Only one key allowed in match expression")
}

// str reads a string operand.
func (c *compiler) str(msg string) (string, error) {
	tok, err := c.next()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", c.fail("%s", msg)
	}
	return s, nil
}

// stringOperator reads the string operand of equals, equals-ignore-case,
// wildcard or cidr.
func (c *compiler) stringOperator(op string) (matcher, error) {
	name := op
	if op == "equals" {
		name = "exact"
	}
	s, err := c.str(name + " match pattern must be a string")
	if err != nil {
		return nil, err
	}
	switch op {
	case "equals":
		return &exactString{s: s}, nil
	case "equals-ignore-case":
		return &stringTest{test: equalFoldTest(s)}, nil
	case "wildcard":
		w, err := parseWildcard(s)
		if err != nil {
			return nil, c.fail("%v", err)
		}
		return &stringTest{test: wildcardTest(w)}, nil
	default:
		r, err := parseCIDR(s)
		if err != nil {
			return nil, c.fail("%v", err)
		}
		return &cidr{r: r}, nil
	}
}

// affix reads the operand of prefix or suffix: a string, or
// {"equals-ignore-case": string}.
func (c *compiler) affix(op string) (matcher, error) {
	tok, err := c.next()
	if err != nil {
		return nil, err
	}
	if s, ok := tok.(string); ok {
		if op == "prefix" {
			return &stringTest{test: prefixTest(s)}, nil
		}
		return &stringTest{test: suffixTest(s)}, nil
	}
	if tok != json.Delim('{') {
		return nil, c.fail("%s match pattern must be a string", op)
	}
	tok, err = c.next()
	if err != nil {
		return nil, err
	}
	if tok == json.Delim('}') {
		return nil, c.fail("%s expression name not found", title(op))
	}
	if inner := tok.(string); inner != "equals-ignore-case" {
		return nil, c.fail("Unsupported %s pattern: %s", op, inner)
	}
	s, err := c.str("equals-ignore-case match pattern must be a string")
	if err != nil {
		return nil, err
	}
	if err := c.end(); err != nil {
		return nil, err
	}
	if op == "prefix" {
		return &stringTest{test: prefixFoldTest(s)}, nil
	}
	return &stringTest{test: suffixFoldTest(s)}, nil
}

func title(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// tokenText renders a token for an error message.
func tokenText(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return string(t)
	case string:
		return t
	case nil:
		return "null"
	default:
		return fmt.Sprint(t)
	}
}

// patternNumber reads a number operand of a numeric or anything-but
// expression, which must fit event-ruler's numeric range.
func (c *compiler) patternNumber(text string) (decimal, error) {
	d := parseDecimal(text)
	if !d.ok {
		return decimal{}, c.fail("Value must be between -5.0E9 and 5.0E9, inclusive")
	}
	if d.frac {
		return decimal{}, c.fail("Only values upto 6 decimals are supported")
	}
	return d, nil
}
