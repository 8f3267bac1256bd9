package sqs

import (
	"encoding/base64"
	"slices"
	"strconv"
	"unicode/utf8"
)

// jsonBuf builds JSON responses by appending: the hot paths (send,
// receive, delete) avoid reflection. The outputs that use it implement
// awsjson.Appender.
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

// jsonObject is an output part that writes itself as a JSON object.
type jsonObject interface {
	appendJSON(b *jsonBuf)
}

// AppendJSON implements awsjson.Appender.
func (o *sendMessageOutput) AppendJSON(dst []byte) []byte {
	b := jsonBuf(slices.Grow(dst, 256))
	o.appendJSON(&b)
	return b
}

func (o sendMessageOutput) appendJSON(b *jsonBuf) {
	b.raw("{")
	first := true
	if o.ID != "" {
		b.field("Id", o.ID, true)
		first = false
	}
	b.field("MessageId", o.MessageID, first)
	b.field("MD5OfMessageBody", o.MD5OfMessageBody, false)
	if o.MD5OfMessageAttributes != "" {
		b.field("MD5OfMessageAttributes", o.MD5OfMessageAttributes, false)
	}
	if o.MD5OfMessageSystemAttributes != "" {
		b.field("MD5OfMessageSystemAttributes", o.MD5OfMessageSystemAttributes, false)
	}
	if o.SequenceNumber != "" {
		b.field("SequenceNumber", o.SequenceNumber, false)
	}
	b.raw("}")
}

func (o batchEntryID) appendJSON(b *jsonBuf) {
	b.raw("{")
	b.field("Id", o.ID, true)
	b.raw("}")
}

// AppendJSON implements awsjson.Appender.
func (o *batchResult[T]) AppendJSON(dst []byte) []byte {
	b := jsonBuf(slices.Grow(dst, 160*(len(o.Successful)+len(o.Failed))))
	b.raw(`{"Successful":[`)
	for i := range o.Successful {
		if i > 0 {
			b.raw(",")
		}
		o.Successful[i].appendJSON(&b)
	}
	b.raw(`],"Failed":[`)
	for i, f := range o.Failed {
		if i > 0 {
			b.raw(",")
		}
		b.raw("{")
		b.field("Id", f.ID, true)
		b.key("SenderFault", false)
		b.raw(strconv.FormatBool(f.SenderFault))
		b.field("Code", f.Code, false)
		b.field("Message", f.Message, false)
		b.raw("}")
	}
	b.raw("]}")
	return b
}

// AppendJSON implements awsjson.Appender.
func (o *receiveOutput) AppendJSON(dst []byte) []byte {
	size := 16
	for i := range o.Messages {
		size += 512 + len(o.Messages[i].Body)
	}
	b := jsonBuf(slices.Grow(dst, size))
	b.raw("{")
	if len(o.Messages) > 0 {
		b.raw(`"Messages":[`)
		for i := range o.Messages {
			if i > 0 {
				b.raw(",")
			}
			o.Messages[i].appendJSON(&b)
		}
		b.raw("]")
	}
	b.raw("}")
	return b
}

func (m *receivedMessage) appendJSON(b *jsonBuf) {
	b.raw("{")
	b.field("MessageId", m.MessageID, true)
	b.field("ReceiptHandle", m.ReceiptHandle, false)
	b.field("MD5OfBody", m.MD5OfBody, false)
	b.field("Body", m.Body, false)
	if m.Attributes != nil {
		b.key("Attributes", false)
		b.raw("{")
		for i, a := range m.Attributes {
			b.field(a.Name, a.Value, i == 0)
		}
		b.raw("}")
	}
	if len(m.MessageAttributes) > 0 {
		b.field("MD5OfMessageAttributes", m.MD5OfMessageAttributes, false)
		b.key("MessageAttributes", false)
		b.raw("{")
		for i, a := range m.MessageAttributes {
			b.key(a.name, i == 0)
			b.raw("{")
			b.field("DataType", a.dataType, true)
			if a.isBinary() {
				b.key("BinaryValue", false)
				b.blob(a.bin)
			} else {
				b.field("StringValue", a.str, false)
			}
			b.raw("}")
		}
		b.raw("}")
	}
	b.raw("}")
}
