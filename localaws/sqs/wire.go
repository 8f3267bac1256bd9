package sqs

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// jsonBuf builds JSON responses by appending: the hot paths (send,
// receive, delete) avoid reflection.
type jsonBuf []byte

const hexDigits = "0123456789abcdef"

// str appends s as a JSON string.
func (b *jsonBuf) str(s string) {
	out := append(*b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			out = append(out, s[start:i]...)
			switch c {
			case '"':
				out = append(out, '\\', '"')
			case '\\':
				out = append(out, '\\', '\\')
			case '\n':
				out = append(out, '\\', 'n')
			case '\r':
				out = append(out, '\\', 'r')
			case '\t':
				out = append(out, '\\', 't')
			default:
				out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = append(out, s[start:i]...)
			out = append(out, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			out = append(out, s[start:i]...)
			out = append(out, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	out = append(out, s[start:]...)
	*b = append(out, '"')
}

// key appends "k": (with a leading comma unless first).
func (b *jsonBuf) key(k string, first bool) {
	if !first {
		*b = append(*b, ',')
	}
	b.str(k)
	*b = append(*b, ':')
}

func (b *jsonBuf) field(k, v string, first bool) {
	b.key(k, first)
	b.str(v)
}

func (b *jsonBuf) raw(s string) { *b = append(*b, s...) }

func (b *jsonBuf) blob(v []byte) {
	*b = append(*b, '"')
	*b = base64.StdEncoding.AppendEncode(*b, v)
	*b = append(*b, '"')
}

func (b *jsonBuf) integer(n int64) { *b = strconv.AppendInt(*b, n, 10) }

// strMap appends a JSON object of strings.
func (b *jsonBuf) strMap(m map[string]string) {
	*b = append(*b, '{')
	first := true
	for k, v := range m {
		b.field(k, v, first)
		first = false
	}
	*b = append(*b, '}')
}

const contentType = "application/x-amz-json-1.0"

func writeBody(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h["Content-Type"] = []string{contentType}
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	_, _ = w.Write(b)
}
