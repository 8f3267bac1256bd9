package awsjson

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// FastDecoder is an input that reads the usual shape of its JSON itself,
// without reflection: the hot operations' inputs, which profiles showed
// spending a quarter of a request's CPU in encoding/json. DecodeFast
// returns false at anything it does not read exactly as encoding/json
// would (a member it does not know, one given twice, a null, an escape it
// leaves alone, invalid UTF-8, a number that is not a plain int32...);
// Decode then zeroes the input and decodes the body with encoding/json, so
// the fast path never changes what a request means or which error it gets.
type FastDecoder interface {
	DecodeFast(r *Reader) bool
}

// Reader reads one JSON value from a body for a FastDecoder. Its methods
// read the next value of their kind and report whether they could; after
// a false the Reader is of no further use.
type Reader struct {
	b []byte
	i int
}

// NewReader reads b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// ws skips JSON whitespace and returns the next byte, 0 at the end.
func (r *Reader) ws() byte {
	for r.i < len(r.b) {
		switch c := r.b[r.i]; c {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return c
		}
	}
	return 0
}

// eat consumes c, the next byte after whitespace, if it is there.
func (r *Reader) eat(c byte) bool {
	if r.ws() == c {
		r.i++
		return true
	}
	return false
}

// Object reads an object, calling member for each member's key with the
// Reader at its value, which member must read. member's key is only valid
// during the call.
func (r *Reader) Object(member func(key []byte) bool) bool {
	return r.seq('{', '}', func() bool {
		key, ok := r.key()
		return ok && r.eat(':') && member(key)
	})
}

// Array reads an array, calling elem with the Reader at each element,
// which elem must read.
func (r *Reader) Array(elem func() bool) bool {
	return r.seq('[', ']', elem)
}

// seq reads open, items separated by commas, and end.
func (r *Reader) seq(open, end byte, item func() bool) bool {
	if !r.eat(open) {
		return false
	}
	if r.eat(end) {
		return true
	}
	for {
		if !item() {
			return false
		}
		if r.eat(end) {
			return true
		}
		if !r.eat(',') {
			return false
		}
	}
}

// key reads a member name: a string without escapes or non-ASCII bytes
// (the names encoding/json would match against a struct's fields).
func (r *Reader) key() ([]byte, bool) {
	if !r.eat('"') {
		return nil, false
	}
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		if c == '"' {
			r.i++
			return r.b[start : r.i-1], true
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return nil, false
		}
		r.i++
	}
	return nil, false
}

// Strings reads an array of strings; [] is an empty, non-nil slice, as
// encoding/json makes it.
func (r *Reader) Strings() ([]string, bool) {
	out := []string{}
	ok := r.Array(func() bool {
		s, ok := r.String()
		out = append(out, s)
		return ok
	})
	return out, ok
}

// String reads a string. It handles every escape but a UTF-16 surrogate
// that is not half of a valid pair, and refuses invalid UTF-8, both of
// which encoding/json replaces with U+FFFD.
func (r *Reader) String() (string, bool) {
	if !r.eat('"') {
		return "", false
	}
	start := r.i
	for r.i < len(r.b) {
		switch c := r.b[r.i]; {
		case c == '"':
			r.i++
			return string(r.b[start : r.i-1]), true
		case c == '\\':
			return r.escaped(start)
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			r.i++
		default:
			ru, size := utf8.DecodeRune(r.b[r.i:])
			if ru == utf8.RuneError && size == 1 {
				return "", false
			}
			r.i += size
		}
	}
	return "", false
}

// escaped reads the rest of a string that started at start and has an
// escape at r.i.
func (r *Reader) escaped(start int) (string, bool) {
	out := append(make([]byte, 0, r.i-start+64), r.b[start:r.i]...)
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return string(out), true
		case c < 0x20:
			return "", false
		case c == '\\':
			if r.i+1 >= len(r.b) {
				return "", false
			}
			e := r.b[r.i+1]
			r.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				ru, ok := r.hex4()
				if !ok {
					return "", false
				}
				if utf16.IsSurrogate(ru) {
					if r.i+1 >= len(r.b) || r.b[r.i] != '\\' || r.b[r.i+1] != 'u' {
						return "", false
					}
					r.i += 2
					lo, ok := r.hex4()
					if ru = utf16.DecodeRune(ru, lo); !ok || ru == utf8.RuneError {
						return "", false
					}
				}
				out = utf8.AppendRune(out, ru)
			default:
				return "", false
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			r.i++
		default:
			ru, size := utf8.DecodeRune(r.b[r.i:])
			if ru == utf8.RuneError && size == 1 {
				return "", false
			}
			out = append(out, r.b[r.i:r.i+size]...)
			r.i += size
		}
	}
	return "", false
}

// hex4 reads the four hex digits of a \u escape.
func (r *Reader) hex4() (rune, bool) {
	if r.i+4 > len(r.b) {
		return 0, false
	}
	var v rune
	for _, c := range r.b[r.i : r.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | rune(c)
	}
	r.i += 4
	return v, true
}

// Int32 reads an integer without fraction or exponent that fits an int32.
func (r *Reader) Int32() (int32, bool) {
	r.ws()
	start := r.i
	if r.i < len(r.b) && r.b[r.i] == '-' {
		r.i++
	}
	digits := r.i
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		r.i++
	}
	n := r.i - digits
	if n == 0 || n > 1 && r.b[digits] == '0' {
		return 0, false
	}
	if r.i < len(r.b) {
		switch r.b[r.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	v, err := strconv.ParseInt(string(r.b[start:r.i]), 10, 32)
	return int32(v), err == nil
}

// Raw returns the next value's bytes unread, for encoding/json to decode:
// a member of an unusual shape, such as message attributes. It finds the
// value's end only; json.Unmarshal of the bytes checks them.
func (r *Reader) Raw() ([]byte, bool) {
	r.ws()
	start, depth := r.i, 0
	for r.i < len(r.b) {
		switch c := r.b[r.i]; c {
		case '"':
			r.i++
			for r.i < len(r.b) && r.b[r.i] != '"' {
				if r.b[r.i] == '\\' {
					r.i++
				}
				r.i++
			}
			if r.i >= len(r.b) {
				return nil, false
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return r.b[start:r.i], r.i > start
			}
			depth--
		case ',':
			if depth == 0 {
				return r.b[start:r.i], r.i > start
			}
		}
		r.i++
		if depth == 0 && r.i > start && (r.b[r.i-1] == '}' || r.b[r.i-1] == ']' || r.b[r.i-1] == '"') {
			return r.b[start:r.i], true
		}
	}
	return r.b[start:r.i], depth == 0 && r.i > start
}

// End reports whether only whitespace is left.
func (r *Reader) End() bool {
	return r.ws() == 0 && r.i == len(r.b)
}
