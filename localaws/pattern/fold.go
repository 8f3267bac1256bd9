package pattern

import (
	"unicode"
	"unicode/utf8"
)

// Case-insensitive comparison, rune by rune, for equals-ignore-case and the
// prefix/suffix forms of it. Two runes are equal ignoring case when they are
// equal, or their lower-case or upper-case mappings are, which covers
// non-ASCII letters ("É" and "é") without locale rules (so "ß" does not equal
// "SS", as in event-ruler).

func runeEqualFold(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		return lowerASCII(a) == lowerASCII(b)
	}
	return unicode.ToLower(a) == unicode.ToLower(b) || unicode.ToUpper(a) == unicode.ToUpper(b)
}

func lowerASCII(r rune) rune {
	if 'A' <= r && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// hasPrefixFold reports whether s begins with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	for prefix != "" {
		if s == "" {
			return false
		}
		pr, pn := utf8.DecodeRuneInString(prefix)
		sr, sn := utf8.DecodeRuneInString(s)
		if !runeEqualFold(pr, sr) {
			return false
		}
		prefix, s = prefix[pn:], s[sn:]
	}
	return true
}

// hasSuffixFold reports whether s ends with suffix, ignoring case.
func hasSuffixFold(s, suffix string) bool {
	for suffix != "" {
		if s == "" {
			return false
		}
		pr, pn := utf8.DecodeLastRuneInString(suffix)
		sr, sn := utf8.DecodeLastRuneInString(s)
		if !runeEqualFold(pr, sr) {
			return false
		}
		suffix, s = suffix[:len(suffix)-pn], s[:len(s)-sn]
	}
	return true
}

// equalFold reports whether a and b are equal, ignoring case.
func equalFold(a, b string) bool {
	return hasPrefixFold(a, b) && utf8.RuneCountInString(a) == utf8.RuneCountInString(b)
}
