package storage

import (
	"bufio"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("storage: log closed")

// Options configures a Log.
type Options struct {
	// Dir holds the log's files. Empty means in memory: nothing is written
	// and Replay sees nothing.
	Dir string
	// NoSync skips fsync: appends survive a process crash (kill -9) but not
	// a power loss.
	NoSync bool
}

// Stats counts what a Log did since Open.
type Stats struct {
	// Records and Bytes are the records appended and their framed size.
	Records, Bytes int64
	// Writes and Syncs count write and fdatasync calls on segments; with
	// group commit Syncs is far below the number of durable appends.
	Writes, Syncs int64
	// TruncatedBytes is the torn tail Open cut from the last segment (a
	// crash in the middle of a write); zero after a clean shutdown. Only
	// zeros after the last record are space the log preallocated, which
	// Open cuts too but does not count.
	TruncatedBytes int64
	// Replayed is the number of records Replay delivered.
	Replayed int64
	// Segment is the id of the segment being appended to.
	Segment uint64
}

// Log is an append-only, crash-safe record log. It is safe for concurrent use.
type Log struct {
	opts Options
	tab  *crc32.Table
	lock *os.File // flock on the directory

	// hook, set only by tests, is called at each step of checkpointing
	// with the step's name; it lets tests capture the files as a crash at
	// that instant would leave them.
	hook func(step string)

	size atomic.Int64 // framed bytes in segments after the snapshot

	mu sync.Mutex
	// Waiters sleep on the condition that can let them go on, so that a
	// write does not wake those waiting for an fsync, nor one fsync those
	// waiting for a write: profiles showed durable appends otherwise woken
	// about four times each. wroteCond is signalled when a write ends,
	// syncedCond when an fsync ends, idleCond (Checkpoint and Close waiting
	// for both to stop) when either does. After a failure or Close all three are.
	wroteCond, syncedCond, idleCond *sync.Cond
	buf                             []byte // encoded records not yet handed to the writer
	spare                           []byte // the other buffer, reused by the next write
	end                             int64  // logical offset after the last appended record
	written                         int64  // logical offset written to the OS
	synced                          int64  // logical offset on stable storage
	writing                         bool   // a goroutine is writing a buffer
	syncing                         bool   // a goroutine is in fdatasync
	err                             error  // sticky write or sync failure
	closed                          bool
	// closeDone is closed when the first Close has finished.
	closeDone chan struct{}
	started   bool     // an Append or Checkpoint happened: Replay is too late
	snap      bool     // a Snapshot is in progress
	f         *os.File // nil once closed
	off       int64    // file offset after the current segment's records
	alloc     int64    // the current segment's file size: zeros from off on
	segID     uint64   // current segment
	snapID    uint64   // latest committed snapshot, 0 for none
	segIDs    []uint64 // segments Replay reads, as found by Open
	stats     Stats

	snapMu sync.Mutex // serialises snapshot commits with Close
}

// Open opens (or creates) the log in opts.Dir. It takes an exclusive lock
// on the directory (ErrLocked if another Log holds it), removes files an
// interrupted checkpoint left, and truncates a torn tail of the last
// segment so that appends continue after the last whole record.
func Open(opts Options) (*Log, error) {
	l := &Log{opts: opts, tab: crc32.MakeTable(crc32.Castagnoli), closeDone: make(chan struct{})}
	l.wroteCond, l.syncedCond, l.idleCond = sync.NewCond(&l.mu), sync.NewCond(&l.mu), sync.NewCond(&l.mu)
	if opts.Dir == "" {
		return l, nil
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating log directory: %w", err)
	}
	lock, err := lockDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	l.lock = lock
	if err := l.open(); err != nil {
		unlockDir(lock)
		return nil, err
	}
	return l, nil
}

// open finds the files, cleans up and opens the segment to append to.
func (l *Log) open() error {
	dir := l.opts.Dir
	c, err := listDir(dir)
	if err != nil {
		return err
	}
	for _, p := range c.temps {
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("removing leftover snapshot: %w", err)
		}
	}
	if n := len(c.snapshots); n > 0 {
		l.snapID = c.snapshots[n-1]
	}
	// A checkpoint interrupted after its snapshot was renamed into place
	// leaves older snapshots and segments: the snapshot covers them.
	for _, id := range c.snapshots[:max(len(c.snapshots)-1, 0)] {
		if err := os.Remove(snapshotName(dir, id)); err != nil {
			return fmt.Errorf("removing old snapshot: %w", err)
		}
	}
	for _, id := range c.segments {
		if id < l.snapID {
			if err := os.Remove(segmentName(dir, id)); err != nil {
				return fmt.Errorf("removing old segment: %w", err)
			}
			continue
		}
		l.segIDs = append(l.segIDs, id)
	}
	if len(l.segIDs) == 0 {
		id := max(l.snapID, 1)
		f, err := createSegment(dir, id, !l.opts.NoSync)
		if err != nil {
			return err
		}
		l.f, l.segID, l.segIDs = f, id, []uint64{id}
		l.off, l.alloc = fileHeaderLen, fileHeaderLen
		return nil
	}
	var size int64
	for _, id := range l.segIDs[:len(l.segIDs)-1] {
		fi, err := os.Stat(segmentName(dir, id))
		if err != nil {
			return fmt.Errorf("reading segment: %w", err)
		}
		size += max(fi.Size()-fileHeaderLen, 0)
	}
	l.segID = l.segIDs[len(l.segIDs)-1]
	f, tail, err := l.recoverSegment(segmentName(dir, l.segID))
	if err != nil {
		return err
	}
	l.f = f
	l.off, l.alloc = fileHeaderLen+tail, fileHeaderLen+tail
	l.size.Store(size + tail)
	return nil
}

// recoverSegment opens the last segment for appending, truncating what
// follows its last whole record first: a torn tail (or a torn header), or
// preallocated space a crash left. It returns the framed bytes kept.
func (l *Log) recoverSegment(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0o644)
	if err != nil {
		return nil, 0, fmt.Errorf("opening segment: %w", err)
	}
	fail := func(err error) (*os.File, int64, error) { f.Close(); return nil, 0, err }
	fi, err := f.Stat()
	if err != nil {
		return fail(fmt.Errorf("reading segment: %w", err))
	}
	size := fi.Size()
	keep := int64(fileHeaderLen)
	cut := false // the file changed: it is synced before appends go on
	if size < fileHeaderLen {
		// Crashed while creating the segment: start it again.
		if err := f.Truncate(0); err != nil {
			return fail(fmt.Errorf("truncating segment: %w", err))
		}
		if _, err := f.WriteAt(segmentMagic[:], 0); err != nil {
			return fail(fmt.Errorf("writing segment header: %w", err))
		}
		l.stats.TruncatedBytes = size
		size, cut = fileHeaderLen, true
	} else {
		r := bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 1<<20)
		if err := checkHeader(r, segmentMagic, path); err != nil {
			return fail(err)
		}
		fr := frameReader{r: r, tab: l.tab, off: fileHeaderLen, size: size}
		var buf []byte
		for {
			buf, err = fr.next(buf)
			if err == nil {
				continue
			}
			var fe *frameError
			if err != io.EOF && !errors.As(err, &fe) && err != errFooter {
				return fail(err)
			}
			break
		}
		keep = fr.off
	}
	if keep < size {
		prealloc, err := allZero(f, keep, size)
		if err != nil {
			return fail(err)
		}
		if err := f.Truncate(keep); err != nil {
			return fail(fmt.Errorf("truncating torn tail: %w", err))
		}
		cut = true
		if !prealloc {
			l.stats.TruncatedBytes += size - keep
		}
	}
	if cut && !l.opts.NoSync {
		if err := datasync(f); err != nil {
			return fail(fmt.Errorf("syncing segment: %w", err))
		}
	}
	return f, keep - fileHeaderLen, nil
}

// checkHeader reads and checks a file's magic.
func checkHeader(r io.Reader, magic [fileHeaderLen]byte, path string) error {
	var h [fileHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return fmt.Errorf("%w: %s: reading header: %v", ErrCorrupt, path, err)
	}
	if h != magic {
		return fmt.Errorf("%w: %s: bad header %q", ErrCorrupt, path, h[:])
	}
	return nil
}

// Size reports the bytes of log written since the last snapshot; engines
// use it to decide when to Checkpoint.
func (l *Log) Size() int64 { return l.size.Load() }

// Stats reports counters since Open.
func (l *Log) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.Segment = l.segID
	return s
}

// Close flushes and closes the log: records appended before Close are
// written and, unless NoSync, synced. Appends after Close return
// ErrClosed; Close waits for a Snapshot being committed, and a Snapshot
// committed after Close returns ErrClosed. Close is safe to call more than
// once: later calls wait for the first and return nil. The first returns
// the log's first write or sync failure, if any.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		<-l.closeDone
		return nil
	}
	l.closed = true
	defer close(l.closeDone)
	if l.opts.Dir == "" {
		l.mu.Unlock()
		return nil
	}
	for l.writing || l.syncing {
		l.idleCond.Wait()
	}
	if l.err == nil {
		l.flushLocked()
	}
	err := l.err
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing segment: %w", cerr)
	}
	l.f = nil
	l.wakeAll()
	l.mu.Unlock()

	l.snapMu.Lock()
	defer l.snapMu.Unlock()
	if cerr := unlockDir(l.lock); err == nil && cerr != nil {
		err = fmt.Errorf("releasing log directory: %w", cerr)
	}
	return err
}
