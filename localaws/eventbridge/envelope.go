package eventbridge

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// maxEntrySize is the PutEvents per-entry limit, computed as AWS does:
// Source, DetailType, Detail and Resources bytes, plus 14 when Time is set.
const maxEntrySize = 1 << 20

// entryError is a PutEvents entry that failed alone.
type entryError struct{ code, message string }

func (e *entryError) Error() string { return e.code + ": " + e.message }

func invalidArgument(format string, args ...any) *entryError {
	return &entryError{"InvalidArgument", fmt.Sprintf(format, args...)}
}

// envelope validates one PutEvents entry and builds the event as targets
// receive it, fields in AWS's order, detail compacted; it returns the
// event's time too.
func (s *Service) envelope(e *putEventsEntry, id string, now time.Time) ([]byte, time.Time, *entryError) {
	var never time.Time
	switch {
	case e.Source == nil || *e.Source == "":
		return nil, never, invalidArgument("Parameter Source is not valid. Reason: Source is a required argument.")
	case e.DetailType == nil || *e.DetailType == "":
		return nil, never, invalidArgument("Parameter DetailType is not valid. Reason: DetailType is a required argument.")
	case e.Detail == nil || *e.Detail == "":
		return nil, never, invalidArgument("Parameter Detail is not valid. Reason: Detail is a required argument.")
	}
	size := len(*e.Source) + len(*e.DetailType) + len(*e.Detail)
	if e.Time != nil {
		size += 14
	}
	for _, r := range e.Resources {
		size += len(r)
	}
	if size > maxEntrySize {
		return nil, never, invalidArgument("Event size %d bytes exceeds the limit of %d bytes.", size, maxEntrySize)
	}
	if strings.HasPrefix(*e.Source, "aws.") {
		return nil, never, &entryError{"NotAuthorizedForSourceException", "Not authorized for the source."}
	}
	if utf8.RuneCountInString(*e.DetailType) > 128 {
		return nil, never, invalidArgument("Parameter DetailType is not valid. Reason: DetailType is longer than 128 characters.")
	}
	t := now
	if e.Time != nil && !e.Time.IsZero() {
		t = e.Time.Time
	}
	env, ok := s.buildEnvelope(id, *e.DetailType, *e.Source, t, e.Resources, *e.Detail)
	if !ok {
		return nil, never, &entryError{"MalformedDetail", "Detail is malformed."}
	}
	return env, t.UTC().Truncate(time.Second), nil
}

// buildEnvelope writes an event as targets receive it; ok is false when
// detail is not a JSON object.
func (s *Service) buildEnvelope(id, detailType, source string, t time.Time, resources []string, detail string) (env []byte, ok bool) {
	var b bytes.Buffer
	b.Grow(len(detail) + len(source) + len(detailType) + 256)
	b.WriteString(`{"version":"0","id":"`)
	b.WriteString(id)
	b.WriteString(`","detail-type":`)
	writeJSONString(&b, detailType)
	b.WriteString(`,"source":`)
	writeJSONString(&b, source)
	b.WriteString(`,"account":"`)
	b.WriteString(s.cfg.AccountID)
	b.WriteString(`","time":"`)
	b.WriteString(t.UTC().Format("2006-01-02T15:04:05Z"))
	b.WriteString(`","region":"`)
	b.WriteString(s.cfg.Region)
	b.WriteString(`","resources":[`)
	for i, r := range resources {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, r)
	}
	b.WriteString(`],"detail":`)
	start := b.Len()
	if err := json.Compact(&b, []byte(detail)); err != nil || b.Bytes()[start] != '{' {
		return nil, false
	}
	b.WriteByte('}')
	return b.Bytes(), true
}

// writeJSONString writes s as a JSON string without HTML escaping.
func writeJSONString(b *bytes.Buffer, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[last:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		}
		last = i + 1
	}
	b.WriteString(s[last:])
	b.WriteByte('"')
}

// newEventID returns a random UUID (version 4), the form of AWS event ids.
func newEventID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], u[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], u[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], u[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], u[8:10])
	out[23] = '-'
	hex.Encode(out[24:], u[10:])
	return string(out[:])
}
