package storage

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

const (
	// MaxRecordSize is the largest record Append and Snapshot.Write accept.
	MaxRecordSize = 64 << 20

	frameHeaderLen = 8
	fileHeaderLen  = 8
	// footerMark in a snapshot's length field marks its footer: the CRC
	// field then covers the 8-byte record count that follows.
	footerMark = 0xFFFFFFFF
	footerLen  = frameHeaderLen + 8
)

var (
	segmentMagic  = [fileHeaderLen]byte{'L', 'F', 'W', 'A', 'L', 0, 0, 1}
	snapshotMagic = [fileHeaderLen]byte{'L', 'F', 'S', 'N', 'P', 0, 0, 1}
)

// ErrCorrupt reports a damaged record that is not a torn tail: in a
// snapshot or in a segment that was fsynced whole.
var ErrCorrupt = errors.New("storage: corrupt log")

// ErrTooLarge is returned for a record larger than MaxRecordSize.
var ErrTooLarge = errors.New("storage: record too large")

// errFooter is returned by frameReader.next at a snapshot footer.
var errFooter = errors.New("snapshot footer")

// frameError describes why decoding stopped at off.
type frameError struct {
	off    int64
	reason string
}

func (e *frameError) Error() string { return fmt.Sprintf("offset %d: %s", e.off, e.reason) }

// appendFrame appends rec's frame to buf. The header is built in place:
// a header array on the stack would escape through crc32's hardware path
// and cost an allocation per record.
func appendFrame(buf []byte, tab *crc32.Table, rec []byte) []byte {
	off := len(buf)
	buf = append(buf, 0, 0, 0, 0, 0, 0, 0, 0)
	buf = append(buf, rec...)
	binary.LittleEndian.PutUint32(buf[off:], uint32(len(rec)))
	crc := crc32.Update(0, tab, buf[off:off+4])
	crc = crc32.Update(crc, tab, buf[off+frameHeaderLen:])
	binary.LittleEndian.PutUint32(buf[off+4:], crc)
	return buf
}

// frameReader decodes frames from a file of known size.
type frameReader struct {
	r    *bufio.Reader
	tab  *crc32.Table
	off  int64 // file offset of the next frame
	size int64 // file size
	hdr  [frameHeaderLen]byte
}

// next decodes the next frame's payload into buf (grown as needed; nil
// allocates a fresh slice). It returns io.EOF exactly at the end of the
// file, errFooter at a snapshot footer mark, or a *frameError; on error
// r.off still points at the start of the bad frame.
func (fr *frameReader) next(buf []byte) ([]byte, error) {
	left := fr.size - fr.off
	if left == 0 {
		return nil, io.EOF
	}
	if left < frameHeaderLen {
		return nil, &frameError{fr.off, fmt.Sprintf("%d stray bytes at end", left)}
	}
	if _, err := io.ReadFull(fr.r, fr.hdr[:]); err != nil {
		return nil, fmt.Errorf("reading frame header at %d: %w", fr.off, err)
	}
	n := binary.LittleEndian.Uint32(fr.hdr[0:4])
	if n == footerMark {
		return nil, errFooter
	}
	if int64(n) > left-frameHeaderLen || n > MaxRecordSize {
		return nil, &frameError{fr.off, fmt.Sprintf("record length %d exceeds the %d bytes left", n, left-frameHeaderLen)}
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(fr.r, buf); err != nil {
		return nil, fmt.Errorf("reading record at %d: %w", fr.off, err)
	}
	crc := crc32.Update(0, fr.tab, fr.hdr[0:4])
	crc = crc32.Update(crc, fr.tab, buf)
	if crc != binary.LittleEndian.Uint32(fr.hdr[4:8]) {
		return nil, &frameError{fr.off, "checksum mismatch"}
	}
	fr.off += frameHeaderLen + int64(n)
	return buf, nil
}

// footer reads the rest of a snapshot footer whose mark next just returned
// and checks it against the number of records read.
func (fr *frameReader) footer(count uint64) error {
	if fr.size-fr.off != footerLen {
		return &frameError{fr.off, "snapshot footer not at end of file"}
	}
	var c [8]byte
	if _, err := io.ReadFull(fr.r, c[:]); err != nil {
		return fmt.Errorf("reading snapshot footer: %w", err)
	}
	if crc32.Checksum(c[:], fr.tab) != binary.LittleEndian.Uint32(fr.hdr[4:8]) {
		return &frameError{fr.off, "snapshot footer checksum mismatch"}
	}
	if got := binary.LittleEndian.Uint64(c[:]); got != count {
		return &frameError{fr.off, fmt.Sprintf("snapshot footer counts %d records, file holds %d", got, count)}
	}
	fr.off += footerLen
	return nil
}

// appendFooter appends a snapshot footer for count records.
func appendFooter(buf []byte, tab *crc32.Table, count uint64) []byte {
	var f [footerLen]byte
	binary.LittleEndian.PutUint32(f[0:4], footerMark)
	binary.LittleEndian.PutUint64(f[8:16], count)
	binary.LittleEndian.PutUint32(f[4:8], crc32.Checksum(f[8:16], tab))
	return append(buf, f[:]...)
}
