package sqs

import "sync"

// Record kinds. Every change of state is one record; replay applies them
// in order to rebuild the state.
const (
	recQueue       uint8 = iota + 1 // queue created or its attributes/tags changed (full meta)
	recQueueGone                    // queue deleted (and when, which later records carry)
	recSend                         // messages sent (durable)
	recReceive                      // messages received: counts and visibility
	recDelete                       // messages deleted
	recVisibility                   // visibility changed
	recPurge                        // queue purged below a sequence
	recMove                         // a message moved to another queue (redrive, move task)
	recSnapMsg                      // snapshot: one message with its full state
	recSnapDedup                    // snapshot: one FIFO deduplication entry
	recSnapDeleted                  // snapshot: a queue name deleted less than queueNameHold ago
	recTask                         // a message move task's whole state (movetask.go)
)

// queueGoneRecord records that queue qid was deleted at unix ms at.
func queueGoneRecord(qid uint64, at int64) []byte {
	var e enc
	e.u8(recQueueGone)
	e.uv(qid)
	e.iv(at)
	return e
}

func queueRecord(q *queue) []byte {
	var e enc
	e.u8(recQueue)
	e.uv(q.qid)
	e.str(q.name)
	e.boolean(q.fifo)
	e.strMap(q.attrs)
	e.strMap(q.tags)
	e.iv(q.created)
	e.iv(q.modified)
	e.uv(q.nextSeq)
	e.uv(q.purgedBelow)
	e.iv(q.lastPurge)
	return e
}

// newRecord starts a record of kind about queue qid that lists n items,
// with room for size bytes.
func newRecord(kind uint8, qid uint64, n, size int) enc {
	e := make(enc, 0, size)
	e.u8(kind)
	e.uv(qid)
	e.uv(uint64(n))
	return e
}

// sendRecord records sent messages. Its buffer is pooled: pass it to
// releaseRecord once it is appended (the log copies what it appends).
func sendRecord(qid uint64, ms []*message) []byte {
	e := recordBufs.Get().(*enc)
	*e = (*e)[:0]
	e.u8(recSend)
	e.uv(qid)
	e.uv(uint64(len(ms)))
	for _, m := range ms {
		e.message(m)
	}
	return *e
}

// recordBufs are the buffers send records are encoded into.
var recordBufs = sync.Pool{New: func() any { return new(enc) }}

// releaseRecord returns a record of sendRecord to the pool; a rare large
// one is left to the collector.
func releaseRecord(rec []byte) {
	if cap(rec) <= 64<<10 {
		e := enc(rec)
		recordBufs.Put(&e)
	}
}

// receiveRecord describes messages that were just received, by one
// receive: the time of it comes last.
func receiveRecord(qid uint64, ms []*message) []byte {
	e := newRecord(recReceive, qid, len(ms), 24+len(ms)*24)
	for _, m := range ms {
		e.uv(m.seq)
		e.uv(uint64(m.receiveCount))
		e.iv(m.visibleAt)
		e.iv(m.firstReceive)
	}
	e.iv(ms[0].receivedAt)
	return e
}

// deleteRecord records the deletion of the messages seqs of queue qid;
// it is nil for none.
func deleteRecord(qid uint64, seqs []uint64) []byte {
	if len(seqs) == 0 {
		return nil
	}
	e := newRecord(recDelete, qid, len(seqs), 16+len(seqs)*8)
	for _, s := range seqs {
		e.uv(s)
	}
	return e
}

// visibilityRecord records the new visibility of the messages ms of queue
// qid; it is nil for none.
func visibilityRecord(qid uint64, ms []*message) []byte {
	if len(ms) == 0 {
		return nil
	}
	e := newRecord(recVisibility, qid, len(ms), 16+len(ms)*16)
	for _, m := range ms {
		e.uv(m.seq)
		e.iv(m.visibleAt)
	}
	return e
}

func moveRecord(srcQID, srcSeq, dstQID uint64, m *message) []byte {
	var e enc
	e.u8(recMove)
	e.uv(srcQID)
	e.uv(srcSeq)
	e.uv(dstQID)
	e.message(m)
	return e
}
