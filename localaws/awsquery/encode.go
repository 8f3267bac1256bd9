package awsquery

import (
	"encoding/base64"
	"reflect"
	"sort"
	"strconv"
	"unicode/utf8"
)

// encoder writes typed outputs as XML members.
type encoder struct{ action string }

// members appends the members of out, a struct or a pointer to one.
func (e encoder) members(b []byte, out any) []byte {
	v := reflect.ValueOf(out)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return b
		}
		v = v.Elem()
	}
	return e.structure(b, v)
}

func (e encoder) structure(b []byte, v reflect.Value) []byte {
	for _, f := range fields(v.Type()) {
		b = e.member(b, wireName(e.action, f.name), v.FieldByIndex(f.index), f, false)
	}
	return b
}

// member appends v as the element name: lists and maps flattened, empty
// strings and nil pointers left out unless set is true (a pointer's value).
func (e encoder) member(b []byte, name string, v reflect.Value, f field, set bool) []byte {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return b
		}
		return e.member(b, name, v.Elem(), f, true)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if v.Len() == 0 && !set {
				return b
			}
			return AppendElement(b, name, base64.StdEncoding.EncodeToString(v.Bytes()))
		}
		for i := 0; i < v.Len(); i++ {
			b = e.member(b, name, v.Index(i), field{key: "Name", value: "Value"}, true)
		}
		return b
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			b = startTag(b, name)
			b = AppendElement(b, f.key, k.String())
			b = e.member(b, f.value, v.MapIndex(k), field{key: "Name", value: "Value"}, true)
			b = endTag(b, name)
		}
		return b
	case reflect.Struct:
		b = startTag(b, name)
		b = e.structure(b, v)
		return endTag(b, name)
	case reflect.String:
		if v.Len() == 0 && !set {
			return b
		}
		return AppendElement(b, name, v.String())
	case reflect.Bool:
		return AppendElement(b, name, strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return AppendElement(b, name, strconv.FormatInt(v.Int(), 10))
	}
	return b
}

func startTag(b []byte, name string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	return append(b, '>')
}

func endTag(b []byte, name string) []byte {
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

// AppendElement appends <name>text</name>, text escaped.
func AppendElement(b []byte, name, text string) []byte {
	b = startTag(b, name)
	b = AppendText(b, text)
	return endTag(b, name)
}

// AppendText appends s escaped as XML character data. Carriage returns
// are written as references, so a parser's end-of-line handling keeps
// them; what XML cannot carry (control characters other than tab, line
// feed and carriage return, invalid UTF-8) becomes U+FFFD.
func AppendText(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		size := 1
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '\r':
				esc = "&#xD;"
			case c < 0x20 && c != '\t' && c != '\n':
				esc = "\uFFFD"
			}
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			b = append(b, s[start:i]...)
			b = append(b, esc...)
			start = i + size
		}
		i += size
	}
	return append(b, s[start:]...)
}
