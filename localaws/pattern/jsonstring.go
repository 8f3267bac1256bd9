package pattern

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// str scans a JSON string starting at its opening quote and returns its
// unescaped text. Invalid \u surrogates become U+FFFD, as in encoding/json.
func (p *eventParser) str() (string, error) {
	b := p.b
	p.i++ // opening quote
	start := p.i
	for p.i < len(b) {
		c := b[p.i]
		if c == '"' {
			s := string(b[start:p.i])
			p.i++
			return validUTF8(s), nil
		}
		if c == '\\' {
			return p.strEscaped(start)
		}
		if c < 0x20 {
			return "", errSyntax
		}
		p.i++
	}
	return "", errSyntax
}

func (p *eventParser) strEscaped(start int) (string, error) {
	b := p.b
	var sb strings.Builder
	sb.Write(b[start:p.i])
	for p.i < len(b) {
		c := b[p.i]
		switch {
		case c == '"':
			p.i++
			return validUTF8(sb.String()), nil
		case c < 0x20:
			return "", errSyntax
		case c != '\\':
			sb.WriteByte(c)
			p.i++
			continue
		}
		p.i++ // backslash
		if p.i >= len(b) {
			return "", errSyntax
		}
		e := b[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			sb.WriteByte(e)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", errSyntax
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if save := p.i; p.i+1 < len(b) && b[p.i] == '\\' && b[p.i+1] == 'u' {
					p.i += 2
					if lo, ok := p.hex4(); ok && utf16.DecodeRune(r, lo) != utf8.RuneError {
						r2 = utf16.DecodeRune(r, lo)
					} else {
						p.i = save
					}
				}
				r = r2
			}
			sb.WriteRune(r)
		default:
			return "", errSyntax
		}
	}
	return "", errSyntax
}

func (p *eventParser) hex4() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	p.i += 4
	return r, true
}

// validUTF8 replaces each byte of an invalid UTF-8 sequence with U+FFFD, as
// encoding/json does, so an event string and a pattern string holding the
// same bytes compare equal.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			sb.WriteRune(utf8.RuneError)
		} else {
			sb.WriteString(s[i : i+n])
		}
		i += n
	}
	return sb.String()
}
