package storage

import (
	"context"
	"fmt"
	"runtime"
)

// maxSpare caps the buffer kept for reuse after a burst.
const maxSpare = 4 << 20

// Append adds records to the log in order. With durable set it returns
// only once the records are on stable storage (concurrent durable appends
// share one fsync); otherwise it returns once the records are written to
// the operating system, so they survive a crash of this process. Records
// of all Appends, durable or not, are stored in the order Append took them.
//
// ctx is checked before the records are added; once added they are
// written whatever happens to ctx, so Append then waits for them. Records
// larger than MaxRecordSize are refused (ErrTooLarge) and nothing is
// appended. After a write or sync failure every Append returns that error.
//
// Append is Add followed by Wait.
func (l *Log) Append(ctx context.Context, durable bool, recs ...[]byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	pos, err := l.Add(recs...)
	if err != nil {
		return err
	}
	return l.Wait(ctx, pos, durable)
}

// Pos is a position in the log: the end of the records an Add added.
type Pos int64

// Add adds records to the log in order and returns at once, before they
// are written; Wait(ctx, pos, durable) then waits for them. Use it to take
// the log order under an engine's own lock (the same lock Checkpoint is
// called under) and to wait for the disk outside it, so that concurrent
// requests still share one fsync:
//
//	e.mu.Lock()
//	e.apply(change)
//	pos, err := log.Add(change.Record())
//	e.mu.Unlock()
//	if err == nil {
//		err = log.Wait(ctx, pos, true)
//	}
//
// Added records are written by the next Wait or Append of any goroutine,
// by Checkpoint or by Close; until then a crash loses them. Errors are
// those of Append.
func (l *Log) Add(recs ...[]byte) (Pos, error) {
	for _, r := range recs {
		if len(r) > MaxRecordSize {
			return 0, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(r))
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	if l.err != nil {
		return 0, l.err
	}
	if l.opts.Dir == "" {
		return 0, nil
	}
	l.started = true
	before := len(l.buf)
	for _, r := range recs {
		l.buf = appendFrame(l.buf, l.tab, r)
	}
	n := int64(len(l.buf) - before)
	l.end += n
	l.size.Add(n)
	l.stats.Records += int64(len(recs))
	l.stats.Bytes += n
	return Pos(l.end), nil
}

// Wait returns once the log up to pos is written to the operating system
// and, with durable set (and not NoSync), on stable storage. ctx is only
// checked on entry: a write or fsync is not abandoned halfway.
func (l *Log) Wait(ctx context.Context, pos Pos, durable bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.opts.Dir == "" {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waitLocked(int64(pos), durable && !l.opts.NoSync)
}

// waitLocked returns once the log up to end is written (and, with durable,
// synced), taking the writer or syncer role whenever it is free and needed.
func (l *Log) waitLocked(end int64, durable bool) error {
	yielded, toppedUp := false, false
	for {
		if l.written >= end && (!durable || l.synced >= end) {
			return nil
		}
		if l.err != nil {
			return l.err
		}
		if l.f == nil {
			return ErrClosed // Close flushed everything it could
		}
		switch {
		case l.written < end && !l.writing:
			l.writeLocked()
		case durable && l.written >= end && !l.syncing:
			if !yielded {
				// Let appenders that were just woken add their records,
				// so that this fsync covers them too.
				yielded = true
				l.mu.Unlock()
				runtime.Gosched()
				l.mu.Lock()
				continue
			}
			if !toppedUp && len(l.buf) > 0 && !l.writing {
				// Write what others added first, so this fsync covers it;
				// writing released l.mu, so look at the state again.
				toppedUp = true
				l.writeLocked()
				continue
			}
			l.syncLocked()
		case l.written < end:
			l.wroteCond.Wait() // another goroutine is writing
		default:
			l.syncedCond.Wait() // written; another goroutine is syncing
		}
	}
}

// writeLocked writes the buffer with l.mu released; appends meanwhile go to
// the spare buffer.
func (l *Log) writeLocked() {
	buf := l.buf
	l.buf, l.spare = l.spare[:0], nil
	l.writing = true
	f := l.f
	l.mu.Unlock()
	err := l.writeSegment(f, buf)
	l.mu.Lock()
	l.writing = false
	l.stats.Writes++
	if cap(buf) <= maxSpare {
		l.spare = buf[:0]
	}
	if err != nil {
		l.fail(fmt.Errorf("writing log: %w", err))
		return
	}
	l.written += int64(len(buf))
	l.wroteCond.Broadcast()
	l.idleCond.Broadcast()
}

// syncLocked fdatasyncs with l.mu released, covering everything written
// before the call; writes may go on meanwhile.
func (l *Log) syncLocked() {
	target := l.written
	l.syncing = true
	f := l.f
	l.mu.Unlock()
	err := datasync(f)
	l.mu.Lock()
	l.syncing = false
	l.stats.Syncs++
	if err != nil {
		l.fail(fmt.Errorf("syncing log: %w", err))
		return
	}
	l.synced = max(l.synced, target)
	l.syncedCond.Broadcast()
	l.idleCond.Broadcast()
}

// wakeAll wakes every waiter, after a failure or Close.
func (l *Log) wakeAll() {
	l.wroteCond.Broadcast()
	l.syncedCond.Broadcast()
	l.idleCond.Broadcast()
}

// flushLocked writes and syncs everything with l.mu held and trims the
// segment's preallocated space; the caller made sure no writer or syncer
// runs.
func (l *Log) flushLocked() {
	if len(l.buf) > 0 {
		err := l.writeSegment(l.f, l.buf)
		l.stats.Writes++
		if err != nil {
			l.fail(fmt.Errorf("writing log: %w", err))
			return
		}
		l.written += int64(len(l.buf))
		l.buf = l.buf[:0]
	}
	trimmed, err := l.trimLocked()
	if err != nil {
		l.fail(err)
		return
	}
	if !l.opts.NoSync && (l.synced < l.written || trimmed) {
		l.stats.Syncs++
		if err := datasync(l.f); err != nil {
			l.fail(fmt.Errorf("syncing log: %w", err))
			return
		}
		l.synced = l.written
	}
}

// fail records the first write or sync failure and wakes every waiter.
// After a failed fsync the kernel may have dropped the dirty pages, so
// nothing written can be trusted to be durable any more: the log refuses
// further appends.
func (l *Log) fail(err error) {
	if l.err == nil {
		l.err = err
	}
	l.wakeAll()
}
