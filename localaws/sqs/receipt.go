package sqs

import (
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
)

// A receipt handle names one receive of one message: queue id, message
// sequence and receive count, with a checksum so garbage is recognised.
// It changes with every receive, so a stale handle is detectable.

const receiptRawLen = 8 + 8 + 4 + 4

func encodeReceipt(qid, seq uint64, rc uint32) string {
	var b [receiptRawLen]byte
	binary.BigEndian.PutUint64(b[0:], qid)
	binary.BigEndian.PutUint64(b[8:], seq)
	binary.BigEndian.PutUint32(b[16:], rc)
	binary.BigEndian.PutUint32(b[20:], crc32.ChecksumIEEE(b[:20])^0x5e15a9c3)
	return "AQEB" + base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeReceipt(h string) (qid, seq uint64, rc uint32, ok bool) {
	if len(h) < 4 || h[:4] != "AQEB" {
		return 0, 0, 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(h[4:])
	if err != nil || len(b) != receiptRawLen {
		return 0, 0, 0, false
	}
	if binary.BigEndian.Uint32(b[20:]) != crc32.ChecksumIEEE(b[:20])^0x5e15a9c3 {
		return 0, 0, 0, false
	}
	return binary.BigEndian.Uint64(b[0:]), binary.BigEndian.Uint64(b[8:]), binary.BigEndian.Uint32(b[16:]), true
}
