package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// A durable log fills its segment with zeros ahead of its records, as many
// bytes as the segment holds already, from minPrealloc to maxPrealloc
// (rounded up to minPrealloc), so that a small log stays small. A group
// commit's fdatasync then overwrites blocks the file system has allocated
// already and the file's size does not change, so the fsync has no
// metadata to journal: it waits for its own data only, not for a journal
// commit shared with every other writer of the file system (see
// "Preallocation" in the package doc).
const (
	minPrealloc = 64 << 10
	maxPrealloc = 4 << 20
)

// zeros is what segments are preallocated with.
var zeros [1 << 20]byte

// writeSegment writes buf after the current segment's records, first
// extending a durable log's file with zeros when buf would reach past them.
// Only one goroutine at a time calls it: the writer, or flushLocked when
// no writer runs.
func (l *Log) writeSegment(f *os.File, buf []byte) error {
	end := l.off + int64(len(buf))
	if !l.opts.NoSync && end > l.alloc {
		ahead := min(max(l.off, minPrealloc), maxPrealloc)
		to := (end + ahead + minPrealloc - 1) / minPrealloc * minPrealloc
		for l.alloc < to {
			n, err := f.WriteAt(zeros[:min(to-l.alloc, int64(len(zeros)))], l.alloc)
			l.alloc += int64(n)
			if err != nil {
				return fmt.Errorf("preallocating segment: %w", err)
			}
		}
	}
	if _, err := f.WriteAt(buf, l.off); err != nil {
		return err
	}
	l.off = end
	l.alloc = max(l.alloc, end)
	return nil
}

// trimLocked cuts the preallocated zeros off the current segment before
// it is synced for the last time (at rotation and Close), so only the last
// segment ever has space after its records. It reports whether it cut.
func (l *Log) trimLocked() (bool, error) {
	if l.alloc <= l.off {
		return false, nil
	}
	if err := l.f.Truncate(l.off); err != nil {
		return false, fmt.Errorf("trimming segment: %w", err)
	}
	l.alloc = l.off
	return true, nil
}

// allZero reports whether the bytes of f between from and to are all
// zero: preallocated space the records never reached.
func allZero(f *os.File, from, to int64) (bool, error) {
	var buf [64 << 10]byte
	r := io.NewSectionReader(f, from, to-from)
	for {
		n, err := r.Read(buf[:])
		for _, c := range buf[:n] {
			if c != 0 {
				return false, nil
			}
		}
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("reading segment tail: %w", err)
		}
	}
}
