package pattern

import (
	"net/netip"
	"strings"
)

// A matcher is one element of a field's value list; the list matches when
// any element does. Only leaf values reach a matcher.
type matcher interface {
	match(v *value) bool
}

// exactString matches an equal string. An operand that is an IP address
// matches any spelling of that address ("::1" and "0:0:0:0:0:0:0:1").
type exactString struct {
	s    string
	ip   netip.Addr
	isIP bool
}

func (m *exactString) match(v *value) bool {
	if v.kind != kindString {
		return false
	}
	if !m.isIP {
		return v.s == m.s
	}
	if v.s == m.s {
		return true
	}
	a, ok := parseIP(v.s)
	return ok && a == m.ip
}

// exactNumber matches a number with the same literal, or the same value
// when both are within the numeric range (300 matches 3.0e2).
type exactNumber struct {
	text string
	num  decimal
}

func (m *exactNumber) match(v *value) bool {
	if v.kind != kindNumber {
		return false
	}
	if v.s == m.text {
		return true
	}
	return m.num.ok && v.num.ok && !v.num.frac && v.num.micros == m.num.micros
}

// literal matches true, false or null.
type literal struct{ kind kind }

func (m *literal) match(v *value) bool { return v.kind == m.kind }

// existsMatcher matches any leaf value: {"exists": true}.
type existsMatcher struct{}

func (existsMatcher) match(*value) bool { return true }

// stringTest is a test on string values only; non-strings never match.
type stringTest struct{ test func(string) bool }

func (m *stringTest) match(v *value) bool { return v.kind == kindString && m.test(v.s) }

// numeric matches a number within the range.
type numeric struct{ r numRange }

func (m *numeric) match(v *value) bool {
	return v.kind == kindNumber && v.num.ok && m.r.contains(v.num)
}

// cidr matches a string that is an address within the range.
type cidr struct{ r ipRange }

func (m *cidr) match(v *value) bool {
	if v.kind != kindString {
		return false
	}
	a, ok := parseIP(v.s)
	return ok && m.r.contains(a)
}

// anythingBut matches every leaf value except the strings (or the numbers)
// it lists. A value of the other type always matches, as in event-ruler.
type anythingBut struct {
	strs map[string]struct{}
	nums map[int64]struct{}
}

func (m *anythingBut) match(v *value) bool {
	switch v.kind {
	case kindString:
		_, hit := m.strs[v.s]
		return !hit
	case kindNumber:
		if m.nums == nil || !v.num.ok || v.num.frac {
			return true
		}
		_, hit := m.nums[v.num.micros]
		return !hit
	}
	return true
}

// anythingButTest matches every leaf value except strings passing any of
// the tests (anything-but prefix, suffix, equals-ignore-case, wildcard).
type anythingButTest struct{ tests []func(string) bool }

func (m *anythingButTest) match(v *value) bool {
	if v.kind != kindString {
		return true
	}
	for _, t := range m.tests {
		if t(v.s) {
			return false
		}
	}
	return true
}

func prefixTest(p string) func(string) bool {
	return func(s string) bool { return strings.HasPrefix(s, p) }
}

func suffixTest(p string) func(string) bool {
	return func(s string) bool { return strings.HasSuffix(s, p) }
}

func prefixFoldTest(p string) func(string) bool {
	return func(s string) bool { return hasPrefixFold(s, p) }
}

func suffixFoldTest(p string) func(string) bool {
	return func(s string) bool { return hasSuffixFold(s, p) }
}

func equalFoldTest(p string) func(string) bool {
	return func(s string) bool { return equalFold(s, p) }
}

func wildcardTest(w wildcard) func(string) bool { return w.match }
