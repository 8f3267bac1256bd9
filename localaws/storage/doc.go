// Package storage is localaws's durable write-ahead log. Engines keep their
// state in memory and describe every change as an opaque record; the log
// makes records durable (group commit), replays them at start, and compacts
// them into snapshots.
//
// # Why an own append-only log
//
// The engines need exactly three things: append opaque records in order,
// make some of them durable quickly, and replay everything at start. An
// embedded database (SQLite, bbolt, Pebble) would give us indexes and
// transactions we never read, and would cost a B-tree page write (or a
// memtable plus its own WAL) per record, with one fsync per transaction
// unless we batch across requests ourselves anyway. On this hardware an
// fdatasync costs ~0.2 ms at the median and tens of milliseconds in the
// tail, so the only way to serve tens of thousands of durable messages a
// second is to let many concurrent requests share one fsync. An append-only
// file does that with no per-record work beyond a memcpy and a hardware
// CRC32C, so we own ~500 lines instead of a dependency.
//
// # Group commit
//
// Appenders encode their records into a shared buffer under a mutex, which
// fixes the order of records. Then one appender at a time becomes the
// writer: it swaps the buffer out and writes it to the current segment with
// one write call. Independently, one durable appender at a time becomes the
// syncer: it fdatasyncs the segment, which covers every byte written before
// the call. Writing and syncing overlap, so while one fsync runs the next
// group gathers in the buffer and is written; the next fsync then covers
// all of it. Before it fsyncs, a syncer yields once so that appenders
// just woken by the previous fsync can join its group. A waiter sleeps on
// what can let it go on (the write or the fsync in progress), so a durable
// append is woken about once and a half on average rather than four
// times, as a trace of localaws showed before. No goroutine is spawned per
// append and, in steady state, no memory is allocated.
//
// Engines that must fix the log order under their own lock (the lock
// Checkpoint is called under) use Add there and Wait after releasing it,
// so the fsync is not taken under the engine lock and requests still
// share it.
//
// A durable Append returns after an fdatasync that covers its records; a
// non-durable Append returns once its records are written to the operating
// system (it never waits for an fsync), so it survives kill -9 but not a
// power loss. Both kinds share one sequence: records are never reordered.
//
// # Preallocation
//
// A durable log fills its current segment with zeros ahead of its records
// (as much as the segment holds already, 64 KiB to 4 MiB at a time) and
// writes records over them at their offsets. An fdatasync after an append
// that grew the file must commit the file's new size through the file
// system's journal, which every process writing to that file system shares:
// on a busy machine our group commit then waited for other programs'
// metadata. Profiles of localaws under load (go tool trace) showed its
// request goroutines spending about half their time waiting for fdatasync,
// whose median had grown from ~0.1 ms on an idle machine to ~1 ms and whose
// tail reached tens of milliseconds; over preallocated blocks the fdatasync
// has no metadata to commit, and the same workload sent 20-30% more messages
// a second. Only the fsync after a file grows pays the journal, at most once
// per 4 MiB. Rotation and Close cut the zeros off, so only the last segment
// has any; Open cuts what a crash left there (all zeros after the last
// record: preallocated space, not a torn tail, and not counted as one).
// NoSync logs do not preallocate.
//
// # Files
//
// The directory holds segments (NNNN.wal) and at most one snapshot
// (NNNN.snap). Snapshot N describes the state before segment N; Replay reads
// the latest snapshot and then segments N, N+1, ... Every record is framed
// as a 4-byte little-endian length, a 4-byte CRC32C (Castagnoli) over the
// length and payload, and the payload. Open truncates a torn tail of the
// last segment (reported in Stats, not as an error); a bad record anywhere
// else is ErrCorrupt, because every other file was fsynced whole.
//
// # Damaged records
//
// A record can be whole (its CRC holds) and still be one its engine cannot
// read: written by a newer localaws, by a bug, or edited by hand. Both
// engines treat that the same way: Replay stops with ErrCorrupt naming the
// file and offset of the record and the engine's reason, and the engine
// refuses to start. They do not log and skip, because every record that
// reached a segment may have been acknowledged after its fsync: skipping a
// send record loses accepted messages, skipping a pending-delivery record
// loses an accepted event, and skipping a rule or queue record silently
// changes what every later record means. Worse, the next checkpoint would
// write the state without it and delete the segments that still held it,
// making the loss permanent; refusing to start keeps the files as they are
// for an operator (or a newer binary) to read. The one kind of damage that
// is safe to drop, a torn tail from a crash in the middle of a write, was
// never acknowledged, and Open already cut it off. A well-formed record
// about something that is gone (a send to a queue deleted since) is
// history, not damage: engines skip it.
//
// Checkpoint rotates to a new segment (after fsyncing the old one), the
// snapshot is written to a temporary file, fsynced, renamed into place, the
// directory fsynced, and only then are older segments deleted. A crash at
// any step leaves either the old snapshot plus all its segments or the new
// snapshot plus the segments after it.
package storage
