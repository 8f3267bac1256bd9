package storage

import (
	"bufio"
	"errors"
	"fmt"
	"os"
)

// ErrSnapshotInProgress is returned by Checkpoint while an earlier
// Snapshot is neither committed nor aborted.
var ErrSnapshotInProgress = errors.New("storage: snapshot in progress")

// errSnapshotDone is returned by a Snapshot's methods after Commit or Abort.
var errSnapshotDone = errors.New("storage: snapshot already committed or aborted")

// Checkpoint starts a snapshot. Call it while holding the engine's own
// lock, so that no record is appended between the state the snapshot
// will describe and the log position it marks; then release the lock,
// Write the state's records and Commit. Records appended after
// Checkpoint returned replay after the snapshot.
//
// Checkpoint writes and syncs what is buffered and starts a new segment;
// appends wait meanwhile. One snapshot may be in progress at a time.
func (l *Log) Checkpoint() (*Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	if l.err != nil {
		return nil, l.err
	}
	if l.snap {
		return nil, ErrSnapshotInProgress
	}
	if l.opts.Dir == "" {
		return &Snapshot{}, nil
	}
	l.started = true
	for l.writing || l.syncing {
		l.idleCond.Wait()
	}
	// The old segment must be whole on disk, and trimmed of its
	// preallocated space, before a newer one exists: Replay treats any
	// damage in a non-last segment as corruption.
	l.flushLocked()
	if l.err != nil {
		return nil, l.err
	}
	id := l.segID + 1
	f, err := createSegment(l.opts.Dir, id, !l.opts.NoSync)
	if err != nil {
		return nil, err
	}
	old := l.f
	l.f, l.segID = f, id
	l.off, l.alloc = fileHeaderLen, fileHeaderLen
	if err := old.Close(); err != nil {
		l.fail(fmt.Errorf("closing segment: %w", err))
	}
	l.runHook("rotated")
	base := l.size.Load()

	tmp := snapshotName(l.opts.Dir, id) + tempExt
	tf, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating snapshot: %w", err)
	}
	s := &Snapshot{l: l, id: id, f: tf, tmp: tmp, base: base, w: bufio.NewWriterSize(tf, 1<<20)}
	if _, err := s.w.Write(snapshotMagic[:]); err != nil {
		s.discard()
		return nil, fmt.Errorf("writing snapshot: %w", err)
	}
	l.snap = true
	return s, nil
}

func (l *Log) runHook(step string) {
	if l.hook != nil {
		l.hook(step)
	}
}

// Snapshot is a snapshot being written. It is not safe for concurrent use;
// appends to the log may go on while it is written.
type Snapshot struct {
	l     *Log // nil for an in-memory log
	id    uint64
	f     *os.File
	w     *bufio.Writer
	tmp   string
	base  int64 // Log.Size when the snapshot's segment started
	count uint64
	frame []byte
	done  bool
}

// Write adds one record to the snapshot.
func (s *Snapshot) Write(rec []byte) error {
	if s.done {
		return errSnapshotDone
	}
	if len(rec) > MaxRecordSize {
		return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(rec))
	}
	if s.l == nil {
		return nil
	}
	s.frame = appendFrame(s.frame[:0], s.l.tab, rec)
	if _, err := s.w.Write(s.frame); err != nil {
		return fmt.Errorf("writing snapshot: %w", err)
	}
	s.count++
	s.l.runHook("snapshot-write")
	return nil
}

// Commit makes the snapshot durable and drops the log it replaces. After a
// failed Commit the log stays as it was, as after Abort.
func (s *Snapshot) Commit() error {
	l, err := s.end()
	if l == nil {
		return err
	}
	defer l.endSnapshot()
	if err := s.finish(); err != nil {
		s.discard()
		return err
	}
	l.snapMu.Lock()
	defer l.snapMu.Unlock()
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		s.discard()
		return ErrClosed
	}
	if err := os.Rename(s.tmp, snapshotName(l.opts.Dir, s.id)); err != nil {
		s.discard()
		return fmt.Errorf("renaming snapshot: %w", err)
	}
	l.runHook("renamed")
	if !l.opts.NoSync {
		// Until the rename is durable the old segments must stay.
		if err := syncDir(l.opts.Dir); err != nil {
			return err
		}
	}
	l.runHook("dir-synced")
	l.mu.Lock()
	l.snapID = s.id
	l.mu.Unlock()
	l.size.Add(-s.base)
	return l.dropBefore(s.id)
}

// finish writes the footer, syncs and closes the temporary file.
func (s *Snapshot) finish() error {
	l := s.l
	s.frame = appendFooter(s.frame[:0], l.tab, s.count)
	if _, err := s.w.Write(s.frame); err != nil {
		return fmt.Errorf("writing snapshot: %w", err)
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("writing snapshot: %w", err)
	}
	l.runHook("written")
	if !l.opts.NoSync {
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("syncing snapshot: %w", err)
		}
	}
	l.runHook("synced")
	err := s.f.Close()
	s.f = nil
	if err != nil {
		return fmt.Errorf("closing snapshot: %w", err)
	}
	return nil
}

// dropBefore deletes the segments and snapshots snapshot id replaces.
func (l *Log) dropBefore(id uint64) error {
	c, err := listDir(l.opts.Dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, seg := range c.segments {
		if seg < id {
			if err := os.Remove(segmentName(l.opts.Dir, seg)); err != nil {
				errs = append(errs, fmt.Errorf("removing old segment: %w", err))
			}
			l.runHook("segment-removed")
		}
	}
	for _, snap := range c.snapshots {
		if snap < id {
			if err := os.Remove(snapshotName(l.opts.Dir, snap)); err != nil {
				errs = append(errs, fmt.Errorf("removing old snapshot: %w", err))
			}
			l.runHook("snapshot-removed")
		}
	}
	return errors.Join(errs...)
}

// Abort discards the snapshot; the log stays as it was.
func (s *Snapshot) Abort() error {
	l, err := s.end()
	if l == nil {
		return err
	}
	defer l.endSnapshot()
	return s.discard()
}

// end marks the snapshot done, as Commit and Abort do once, and returns
// its log: nil for a log kept in memory, or with errSnapshotDone when the
// snapshot already was done.
func (s *Snapshot) end() (*Log, error) {
	if s.done {
		return nil, errSnapshotDone
	}
	s.done = true
	return s.l, nil
}

// discard closes and removes the temporary file.
func (s *Snapshot) discard() error {
	var errs []error
	if s.f != nil {
		errs = append(errs, s.f.Close())
		s.f = nil
	}
	if err := os.Remove(s.tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, fmt.Errorf("removing snapshot: %w", err))
	}
	return errors.Join(errs...)
}

func (l *Log) endSnapshot() {
	l.mu.Lock()
	l.snap = false
	l.mu.Unlock()
}
