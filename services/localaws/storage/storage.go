// Package storage is localaws's durable write-ahead log. Engines keep their
// state in memory and describe every change as an opaque record; the log
// makes records durable (group commit), replays them at start, and compacts
// them into snapshots.
//
// STUB: the API is fixed; the implementation is being written.
package storage

import (
	"context"
	"errors"
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

// Log is an append-only, crash-safe record log. It is safe for concurrent use.
type Log struct {
	opts   Options
	closed bool
}

// Open opens (or creates) the log in opts.Dir.
func Open(opts Options) (*Log, error) { return &Log{opts: opts}, nil }

// Replay calls fn with every record of the latest snapshot and then every
// record appended after it, in append order. A torn or corrupt tail (a
// crash in the middle of a write) is truncated, never reported as data.
// Call Replay once, before the first Append.
func (l *Log) Replay(fn func(rec []byte) error) error { return nil }

// Append adds records to the log in order. With durable set it returns
// only once the records are on stable storage (concurrent durable appends
// share one fsync); otherwise it returns once the records are written to
// the operating system, so they survive a crash of this process.
func (l *Log) Append(ctx context.Context, durable bool, recs ...[]byte) error {
	if l.closed {
		return ErrClosed
	}
	return nil
}

// Checkpoint starts a snapshot. Call it while holding the engine's own
// lock, so that no record is appended between the state the snapshot
// will describe and the log position it marks; then release the lock,
// Write the state's records and Commit. Records appended after
// Checkpoint returned replay after the snapshot.
func (l *Log) Checkpoint() (*Snapshot, error) { return &Snapshot{}, nil }

// Size reports the bytes of log written since the last snapshot; engines
// use it to decide when to Checkpoint.
func (l *Log) Size() int64 { return 0 }

// Close flushes and closes the log.
func (l *Log) Close() error { l.closed = true; return nil }

// Snapshot is a snapshot being written.
type Snapshot struct{}

// Write adds one record to the snapshot.
func (s *Snapshot) Write(rec []byte) error { return nil }

// Commit makes the snapshot durable and drops the log it replaces.
func (s *Snapshot) Commit() error { return nil }

// Abort discards the snapshot; the log stays as it was.
func (s *Snapshot) Abort() error { return nil }
