package sqs

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Message states.
const (
	stateReady    uint8 = iota // receivable now
	stateDelayed               // sent with a delay, never received
	stateInflight              // received, invisible until visibleAt
	stateDeleted               // gone; lazily dropped from the ready list
)

// message is one message of a queue. The immutable part (everything set at
// send time) is shared when a message moves between queues.
type message struct {
	seq          uint64 // per-queue sequence; identifies the message inside its queue
	id           string
	body         string
	attrs        []msgAttr // sorted by name
	md5Body      string
	md5Attrs     string
	traceHeader  string // AWSTraceHeader system attribute
	md5Sys       string
	sentAt       int64 // unix ms
	senderID     string
	groupID      string
	dedupID      string
	dlqSourceARN string // DeadLetterQueueSourceArn, set when moved by redrive

	state        uint8
	visibleAt    int64  // unix ms; for delayed and in-flight messages
	receiveCount uint32 // also the receipt nonce: handles change per receive
	firstReceive int64  // unix ms
	receivedAt   int64  // unix ms of the receive that put it in flight
	heapIdx      int    // index in the queue's timer heap, -1 when absent
	group        *group // FIFO only
}

// msgAttr is a message attribute: DataType is String, Number or Binary,
// optionally followed by ".custom".
type msgAttr struct {
	name     string
	dataType string
	str      string
	bin      []byte
}

func (a msgAttr) isBinary() bool { return strings.HasPrefix(a.dataType, "Binary") }

// md5Hex is the MD5 of s in hex. s is hashed through a pooled buffer:
// md5.Sum([]byte(s)) would copy every message body to the heap.
func md5Hex(s string) string {
	h := md5Hashers.Get().(*md5Hasher)
	h.h.Reset()
	for len(s) > 0 {
		n := copy(h.buf[:], s)
		h.h.Write(h.buf[:n])
		s = s[n:]
	}
	var hx [2 * md5.Size]byte
	hex.Encode(hx[:], h.h.Sum(h.sum[:0]))
	md5Hashers.Put(h)
	return string(hx[:])
}

// md5Hasher is an MD5 state with room to copy a string through and to
// sum into.
type md5Hasher struct {
	h   hash.Hash
	buf [1024]byte
	sum [md5.Size]byte
}

var md5Hashers = sync.Pool{New: func() any { return &md5Hasher{h: md5.New()} }}

// md5OfAttributes computes MD5OfMessageAttributes as AWS does: attributes
// sorted by name, each encoded as length-prefixed name, length-prefixed
// data type, a transport byte (1 string, 2 binary) and the length-prefixed
// value. attrs must be sorted.
func md5OfAttributes(attrs []msgAttr) string {
	if len(attrs) == 0 {
		return ""
	}
	h := md5.New()
	var buf []byte
	for _, a := range attrs {
		buf = appendLenPrefixed(buf[:0], a.name)
		buf = appendLenPrefixed(buf, a.dataType)
		if a.isBinary() {
			buf = append(buf, 2)
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(a.bin)))
			buf = append(buf, a.bin...)
		} else {
			buf = append(buf, 1)
			buf = appendLenPrefixed(buf, a.str)
		}
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func md5OfTraceHeader(v string) string {
	if v == "" {
		return ""
	}
	return md5OfAttributes([]msgAttr{{name: "AWSTraceHeader", dataType: "String", str: v}})
}

func appendLenPrefixed(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func sortAttrs(a []msgAttr) {
	sort.Slice(a, func(i, j int) bool { return a[i].name < a[j].name })
}

// attrsSize is what the attributes count against the message size limit:
// names, data types and values.
func attrsSize(attrs []msgAttr) int {
	n := 0
	for _, a := range attrs {
		n += len(a.name) + len(a.dataType) + len(a.str) + len(a.bin)
	}
	return n
}

// validBody reports whether s holds only the characters SQS accepts:
// #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
func validBody(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != 0x9 && c != 0xA && c != 0xD {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		if (r >= 0xD800 && r <= 0xDFFF) || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		i += size
	}
	return true
}

// validAttrName applies AWS's message attribute name rules.
func validAttrName(n string) bool {
	if n == "" || len(n) > 256 || n[0] == '.' || n[len(n)-1] == '.' || strings.Contains(n, "..") {
		return false
	}
	l := strings.ToLower(n)
	if strings.HasPrefix(l, "aws.") || strings.HasPrefix(l, "amazon.") {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// validNumber accepts what SQS accepts as a Number attribute: a decimal
// number with up to 38 significant digits.
func validNumber(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	if hasExp {
		if exp != "" && (exp[0] == '-' || exp[0] == '+') {
			exp = exp[1:]
		}
		if exp == "" || strings.Trim(exp, "0123456789") != "" {
			return false
		}
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" {
		return false
	}
	if strings.Trim(intPart, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return false
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	return len(digits) <= 38
}

// filterAttrs returns the attributes a ReceiveMessage asked for: "All",
// ".*", exact names and "prefix.*".
func filterAttrs(attrs []msgAttr, names []string) []msgAttr {
	if len(attrs) == 0 || len(names) == 0 {
		return nil
	}
	for _, n := range names {
		if n == "All" || n == ".*" {
			return attrs
		}
	}
	var out []msgAttr
	for _, a := range attrs {
		for _, n := range names {
			if n == a.name || (strings.HasSuffix(n, ".*") && strings.HasPrefix(a.name, n[:len(n)-1])) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}
