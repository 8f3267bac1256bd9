package license

import (
	"bytes"
	"encoding/base64"
	"fmt"
)

const (
	armourBegin = "-----BEGIN LICENSEFLOW LICENSE FILE-----"
	armourEnd   = "-----END LICENSEFLOW LICENSE FILE-----"
	lineLen     = 64
)

// maxFileSize bounds what Parse and Verify read.
const maxFileSize = 64 << 10

var b64 = base64.StdEncoding.Strict()

// armour wraps body in the license file's BEGIN/END lines as base64 lines
// of lineLen characters.
func armour(body []byte) []byte {
	enc := b64.EncodeToString(body)
	var buf bytes.Buffer
	buf.WriteString(armourBegin)
	buf.WriteByte('\n')
	for len(enc) > lineLen {
		buf.WriteString(enc[:lineLen])
		buf.WriteByte('\n')
		enc = enc[lineLen:]
	}
	buf.WriteString(enc)
	buf.WriteByte('\n')
	buf.WriteString(armourEnd)
	buf.WriteByte('\n')
	return buf.Bytes()
}

// dearmour returns the bytes inside the armour. It accepts exactly what
// armour writes, with either "\n" or "\r\n" line ends and an optional final
// line end: every other byte sequence is malformed.
func dearmour(file []byte) ([]byte, error) {
	if len(file) > maxFileSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrMalformed, maxFileSize)
	}
	lines, err := splitLines(file)
	if err != nil {
		return nil, err
	}
	if len(lines) < 3 {
		return nil, fmt.Errorf("%w: missing armour lines", ErrMalformed)
	}
	if string(lines[0]) != armourBegin {
		return nil, fmt.Errorf("%w: first line is not %q", ErrMalformed, armourBegin)
	}
	if string(lines[len(lines)-1]) != armourEnd {
		return nil, fmt.Errorf("%w: last line is not %q", ErrMalformed, armourEnd)
	}
	body := lines[1 : len(lines)-1]
	var enc []byte
	for i, l := range body {
		last := i == len(body)-1
		if len(l) == 0 || len(l) > lineLen || (!last && len(l) != lineLen) {
			return nil, fmt.Errorf("%w: armour line %d has %d characters", ErrMalformed, i+2, len(l))
		}
		enc = append(enc, l...)
	}
	out := make([]byte, b64.DecodedLen(len(enc)))
	n, err := b64.Decode(out, enc)
	if err != nil {
		return nil, fmt.Errorf("%w: base64: %v", ErrMalformed, err)
	}
	return out[:n], nil
}

// splitLines splits on "\n" or "\r\n"; a stray "\r" is malformed; one final
// line end is optional.
func splitLines(file []byte) ([][]byte, error) {
	file = bytes.TrimSuffix(file, []byte("\n"))
	file = bytes.TrimSuffix(file, []byte("\r"))
	var lines [][]byte
	for _, l := range bytes.Split(file, []byte("\n")) {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if bytes.IndexByte(l, '\r') >= 0 {
			return nil, fmt.Errorf("%w: stray carriage return", ErrMalformed)
		}
		lines = append(lines, l)
	}
	return lines, nil
}
