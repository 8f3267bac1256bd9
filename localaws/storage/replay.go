package storage

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrReplayTooLate is returned by Replay after an Append or Checkpoint.
var ErrReplayTooLate = errors.New("storage: replay after append")

// Replay calls fn with every record of the latest snapshot and then every
// record appended after it, in append order. A torn or corrupt tail (a
// crash in the middle of a write) is truncated, never reported as data.
// Call Replay once, before the first Append.
//
// Open already cut a torn tail off the last segment (Stats.TruncatedBytes
// says how much), so every file Replay reads must be whole: a bad record
// or a missing segment is ErrCorrupt. fn may keep rec; it is not reused.
//
// fn returns an error for a record it cannot apply (see "Damaged records"
// in the package doc): Replay stops and returns ErrCorrupt naming the
// file and offset of the record, wrapping fn's error.
func (l *Log) Replay(fn func(rec []byte) error) error {
	if l.opts.Dir == "" {
		return nil
	}
	l.mu.Lock()
	closed, started, snapID := l.closed, l.started, l.snapID
	segs := append([]uint64(nil), l.segIDs...)
	l.mu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case started:
		return ErrReplayTooLate
	}
	var n int64
	count := func(rec []byte) error { n++; return fn(rec) }
	defer func() {
		l.mu.Lock()
		l.stats.Replayed += n
		l.mu.Unlock()
	}()
	if snapID > 0 {
		if err := l.replayFile(snapshotName(l.opts.Dir, snapID), snapshotMagic, count); err != nil {
			return err
		}
	}
	want := max(snapID, 1)
	for _, id := range segs {
		if id != want {
			return fmt.Errorf("%w: segment %d missing", ErrCorrupt, want)
		}
		want++
		if err := l.replayFile(segmentName(l.opts.Dir, id), segmentMagic, count); err != nil {
			return err
		}
	}
	return nil
}

// replayFile delivers every record of one whole file.
func (l *Log) replayFile(path string, magic [fileHeaderLen]byte, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	r := bufio.NewReaderSize(f, 1<<20)
	if err := checkHeader(r, magic, path); err != nil {
		return err
	}
	isSnap := magic == snapshotMagic
	fr := frameReader{r: r, tab: l.tab, off: fileHeaderLen, size: fi.Size()}
	var count uint64
	for {
		off := fr.off
		rec, err := fr.next(nil)
		switch {
		case err == nil:
			count++
			if err := fn(rec); err != nil {
				return fmt.Errorf("%w: %s: offset %d: %w", ErrCorrupt, path, off, err)
			}
			continue
		case err == io.EOF && !isSnap:
			return nil
		case err == io.EOF:
			return fmt.Errorf("%w: %s: snapshot has no footer", ErrCorrupt, path)
		case err == errFooter && isSnap:
			if err := fr.footer(count); err != nil {
				return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
			}
			return nil
		case err == errFooter:
			return fmt.Errorf("%w: %s: offset %d: bad record length", ErrCorrupt, path, fr.off)
		}
		var fe *frameError
		if errors.As(err, &fe) {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
		}
		return fmt.Errorf("replaying %s: %w", path, err)
	}
}
