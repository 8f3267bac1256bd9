package sqs

import (
	"encoding/binary"
	"errors"
	"sort"
)

// enc appends the compact binary form records use.
type enc []byte

func (e *enc) u8(v uint8)     { *e = append(*e, v) }
func (e *enc) uv(v uint64)    { *e = binary.AppendUvarint(*e, v) }
func (e *enc) iv(v int64)     { *e = binary.AppendVarint(*e, v) }
func (e *enc) str(s string)   { e.uv(uint64(len(s))); *e = append(*e, s...) }
func (e *enc) bytes(b []byte) { e.uv(uint64(len(b))); *e = append(*e, b...) }
func (e *enc) boolean(b bool) { e.u8(map[bool]uint8{false: 0, true: 1}[b]) }

func (e *enc) strMap(m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.uv(uint64(len(keys)))
	for _, k := range keys {
		e.str(k)
		e.str(m[k])
	}
}

var errCorrupt = errors.New("corrupt record")

// dec reads what enc wrote; the first error sticks.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail() { d.err, d.b = errCorrupt, nil }

func (d *dec) u8() uint8 {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// uv and iv read varints; on failure they read 0 (as binary.Uvarint and
// Varint return it) and the decoder fails.
func (d *dec) uv() uint64 { v, n := binary.Uvarint(d.b); d.skip(n); return v }
func (d *dec) iv() int64  { v, n := binary.Varint(d.b); d.skip(n); return v }

// skip consumes the n bytes a varint took; n <= 0 means it did not decode.
func (d *dec) skip(n int) {
	if n <= 0 {
		d.fail()
		return
	}
	d.b = d.b[n:]
}

func (d *dec) raw() []byte {
	n := d.uv()
	if d.err != nil || uint64(len(d.b)) < n {
		d.fail()
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) str() string   { return string(d.raw()) }
func (d *dec) bytes() []byte { return append([]byte(nil), d.raw()...) }
func (d *dec) boolean() bool { return d.u8() == 1 }

func (d *dec) strMap() map[string]string {
	n := d.uv()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	m := make(map[string]string, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		k := d.str()
		m[k] = d.str()
	}
	return m
}

// message encoding shared by send, move and snapshot records.
func (e *enc) message(m *message) {
	e.uv(m.seq)
	e.str(m.id)
	e.str(m.body)
	e.uv(uint64(len(m.attrs)))
	for _, a := range m.attrs {
		e.str(a.name)
		e.str(a.dataType)
		e.str(a.str)
		e.bytes(a.bin)
	}
	e.str(m.traceHeader)
	e.iv(m.sentAt)
	e.str(m.senderID)
	e.str(m.groupID)
	e.str(m.dedupID)
	e.str(m.dlqSourceARN)
	e.iv(m.visibleAt)
	e.uv(uint64(m.receiveCount))
	e.iv(m.firstReceive)
}

func (d *dec) message() *message {
	m := &message{heapIdx: -1}
	m.seq = d.uv()
	m.id = d.str()
	m.body = d.str()
	n := d.uv()
	if n > uint64(len(d.b)) {
		d.fail()
		return m
	}
	if n > 0 {
		m.attrs = make([]msgAttr, n)
		for i := range m.attrs {
			m.attrs[i] = msgAttr{name: d.str(), dataType: d.str(), str: d.str(), bin: d.bytes()}
			if len(m.attrs[i].bin) == 0 {
				m.attrs[i].bin = nil
			}
		}
	}
	m.traceHeader = d.str()
	m.sentAt = d.iv()
	m.senderID = d.str()
	m.groupID = d.str()
	m.dedupID = d.str()
	m.dlqSourceARN = d.str()
	m.visibleAt = d.iv()
	m.receiveCount = uint32(d.uv())
	m.firstReceive = d.iv()
	m.md5Body = md5Hex(m.body)
	m.md5Attrs = md5OfAttributes(m.attrs)
	m.md5Sys = md5OfTraceHeader(m.traceHeader)
	return m
}
