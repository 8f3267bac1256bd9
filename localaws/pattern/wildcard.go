package pattern

import (
	"fmt"
	"strings"
)

// wildcard is a compiled wildcard operand: the literal parts between the
// '*' characters, escapes resolved. n wildcards give n+1 parts.
type wildcard struct{ parts []string }

// parseWildcard validates a wildcard operand as AWS does: '*' matches any
// run of characters, `\*` is a literal asterisk, `\\` a literal backslash;
// any other escape and two consecutive wildcards are errors. Positions in
// messages count the opening quote, as AWS's do.
func parseWildcard(s string) (wildcard, error) {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*':
			if i+1 < len(s) && s[i+1] == '*' {
				return wildcard{}, fmt.Errorf("Consecutive wildcard characters at pos %d", i+1)
			}
			parts = append(parts, cur.String())
			cur.Reset()
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '\\') {
				cur.WriteByte(s[i+1])
				i++
				continue
			}
			return wildcard{}, fmt.Errorf("Invalid escape character at pos %d", i+1)
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	return wildcard{parts: parts}, nil
}

// match reports whether s matches the whole wildcard.
func (w wildcard) match(s string) bool {
	n := len(w.parts) - 1
	if n == 0 {
		return s == w.parts[0]
	}
	first, last := w.parts[0], w.parts[n]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	// The leftmost placement of each middle part leaves the most room for
	// the rest, so a greedy scan decides the match.
	mid := s[len(first) : len(s)-len(last)]
	for _, p := range w.parts[1:n] {
		k := strings.Index(mid, p)
		if k < 0 {
			return false
		}
		mid = mid[k+len(p):]
	}
	return true
}
