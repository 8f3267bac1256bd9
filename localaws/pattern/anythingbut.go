package pattern

import (
	"encoding/json"
)

// anythingBut reads the operand of anything-but: a string, a number, a list
// of strings or of numbers, or {"prefix"|"suffix"|"equals-ignore-case"|
// "wildcard": a string or a list of strings}.
func (c *compiler) anythingBut() (matcher, error) {
	tok, err := c.next()
	if err != nil {
		return nil, err
	}
	inner := ""
	if tok == json.Delim('{') {
		tok, err = c.next()
		if err != nil {
			return nil, err
		}
		if tok == json.Delim('}') {
			return nil, c.fail("Anything-But expression name not found")
		}
		inner = tok.(string)
		switch inner {
		case "prefix", "suffix", "equals-ignore-case", "wildcard":
		default:
			return nil, c.fail("Unsupported anything-but pattern: %s", inner)
		}
		if tok, err = c.next(); err != nil {
			return nil, err
		}
	}
	switch tok.(type) {
	case string, json.Number:
	default:
		if tok != json.Delim('[') {
			return nil, c.fail("Value of anything-but must be an array or single string/number value.")
		}
	}
	if inner == "" {
		return c.anythingButValues(tok)
	}
	m, err := c.anythingButTests(inner, tok)
	if err != nil {
		return nil, err
	}
	return m, c.end()
}

// anythingButValues reads plain anything-but: one value or a list, all
// strings or all numbers.
func (c *compiler) anythingButValues(tok json.Token) (matcher, error) {
	m := &anythingBut{}
	add := func(tok json.Token) error {
		switch t := tok.(type) {
		case string:
			if m.strs == nil {
				m.strs = map[string]struct{}{}
			}
			m.strs[t] = struct{}{}
		case json.Number:
			d, err := c.patternNumber(string(t))
			if err != nil {
				return err
			}
			if m.nums == nil {
				m.nums = map[int64]struct{}{}
			}
			m.nums[d.micros] = struct{}{}
		default:
			return c.fail("Inside anything but list, start|null|boolean is not supported.")
		}
		return nil
	}
	if tok != json.Delim('[') {
		return m, add(tok)
	}
	if err := c.until(']', add); err != nil {
		return nil, err
	}
	if (m.strs == nil) == (m.nums == nil) {
		return nil, c.fail("Inside anything but list, either all values are number or string, mixed type is not supported")
	}
	return m, nil
}

// anythingButTests reads the string (or list of strings) of anything-but
// prefix, suffix, equals-ignore-case or wildcard. An empty list excludes
// nothing.
func (c *compiler) anythingButTests(inner string, tok json.Token) (matcher, error) {
	m := &anythingButTest{}
	add := func(tok json.Token) error {
		s, ok := tok.(string)
		if !ok {
			switch inner {
			case "equals-ignore-case":
				return c.fail("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
			case "wildcard":
				return c.fail("wildcard match pattern must be a string")
			default:
				return c.fail("prefix/suffix match pattern must be a string")
			}
		}
		switch inner {
		case "prefix", "suffix":
			if s == "" {
				return c.fail("Null prefix/suffix not allowed")
			}
			if inner == "prefix" {
				m.tests = append(m.tests, prefixTest(s))
			} else {
				m.tests = append(m.tests, suffixTest(s))
			}
		case "equals-ignore-case":
			m.tests = append(m.tests, equalFoldTest(s))
		case "wildcard":
			w, err := parseWildcard(s)
			if err != nil {
				return c.fail("%v", err)
			}
			m.tests = append(m.tests, wildcardTest(w))
		}
		return nil
	}
	if tok != json.Delim('[') {
		return m, add(tok)
	}
	if err := c.until(']', add); err != nil {
		return nil, err
	}
	return m, nil
}
