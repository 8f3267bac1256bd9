package pattern

import (
	"encoding/json"
)

// numeric reads {"numeric": [op, n]} or [">"|">=", lo, "<"|"<=", hi].
func (c *compiler) numeric() (matcher, error) {
	if err := c.expect('[', "Value of numeric must be an array."); err != nil {
		return nil, err
	}
	tok, err := c.next()
	if err != nil {
		return nil, err
	}
	op, ok := tok.(string)
	if !ok {
		return nil, c.fail("Invalid member in numeric match: %s", tokenText(tok))
	}
	var r numRange
	switch op {
	case "=", ">", ">=", "<", "<=":
	default:
		return nil, c.fail("Unrecognized numeric range operator: %s", op)
	}
	n, err := c.numberOperand(op)
	if err != nil {
		return nil, err
	}
	switch op {
	case "=":
		r = numRange{lo: n.micros, hi: n.micros, hasLo: true, hasHi: true}
	case "<", "<=":
		r = numRange{hi: n.micros, hasHi: true, hiOpen: op == "<"}
	case ">", ">=":
		r = numRange{lo: n.micros, hasLo: true, loOpen: op == ">"}
		tok, err := c.next()
		if err != nil {
			return nil, err
		}
		if tok == json.Delim(']') {
			return &numeric{r: r}, nil
		}
		top, ok := tok.(string)
		if !ok {
			return nil, c.fail("Bad value in numeric range: %s", tokenText(tok))
		}
		if top != "<" && top != "<=" {
			return nil, c.fail("Bad numeric range operator: %s", top)
		}
		hi, err := c.numberOperand(top)
		if err != nil {
			return nil, err
		}
		r.hi, r.hasHi, r.hiOpen = hi.micros, true, top == "<"
		if r.lo >= r.hi {
			return nil, c.fail("Bottom must be less than top")
		}
		if err := c.expect(']', "Too many terms in numeric range expression"); err != nil {
			return nil, err
		}
		return &numeric{r: r}, nil
	}
	if err := c.expect(']', "Too many elements in numeric expression"); err != nil {
		return nil, err
	}
	return &numeric{r: r}, nil
}

// numberOperand reads the number after a numeric operator.
func (c *compiler) numberOperand(op string) (decimal, error) {
	tok, err := c.next()
	if err != nil {
		return decimal{}, err
	}
	num, ok := tok.(json.Number)
	if !ok {
		if op == "=" {
			op = "equals"
		}
		return decimal{}, c.fail("Value of %s must be numeric", op)
	}
	return c.patternNumber(string(num))
}
