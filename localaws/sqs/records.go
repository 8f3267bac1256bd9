package sqs

import (
	"fmt"
	"sort"
)

// Record kinds. Every change of state is one record; replay applies them
// in order to rebuild the state.
const (
	recQueue      uint8 = iota + 1 // queue created or its attributes/tags changed (full meta)
	recQueueGone                   // queue deleted
	recSend                        // messages sent (durable)
	recReceive                     // messages received: counts and visibility
	recDelete                      // messages deleted
	recVisibility                  // visibility changed
	recPurge                       // queue purged below a sequence
	recMove                        // a message moved to another queue (redrive, move task)
	recSnapMsg                     // snapshot: one message with its full state
	recSnapDedup                   // snapshot: one FIFO deduplication entry
)

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

func sendRecord(qid uint64, ms []*message) []byte {
	e := make(enc, 0, 64+len(ms)*(len(ms[0].body)+96))
	e.u8(recSend)
	e.uv(qid)
	e.uv(uint64(len(ms)))
	for _, m := range ms {
		e.message(m)
	}
	return e
}

// replayState is the state rebuilt from the log before the queues'
// structures are built.
type replayState struct {
	byID    map[uint64]*queue
	nextQID uint64
	now     int64
}

func (s *Service) replay() error {
	st := &replayState{byID: map[uint64]*queue{}, nextQID: 1, now: s.nowMs()}
	n := 0
	err := s.log.Replay(func(rec []byte) error {
		n++
		if err := s.apply(st, rec); err != nil {
			return fmt.Errorf("record %d: %w", n, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replaying sqs log: %w", err)
	}
	s.nextQID = st.nextQID
	for _, q := range st.byID {
		q.rebuild(st.now)
		s.byID[q.qid] = q
		s.byName[q.name] = q
	}
	return nil
}

func (s *Service) apply(st *replayState, rec []byte) error {
	d := &dec{b: rec}
	kind := d.u8()
	switch kind {
	case recQueue:
		qid := d.uv()
		name := d.str()
		fifo := d.boolean()
		attrs, tags := d.strMap(), d.strMap()
		created, modified := d.iv(), d.iv()
		nextSeq, purged, lastPurge := d.uv(), d.uv(), d.iv()
		if d.err != nil {
			return d.err
		}
		q := st.byID[qid]
		if q == nil {
			q = newQueue(qid, name, s.queueURL(name), s.queueARN(name), fifo, attrs, tags, created)
			st.byID[qid] = q
		}
		q.attrs, q.set, q.tags, q.modified = attrs, parseSettings(attrs), tags, modified
		q.nextSeq = max(q.nextSeq, nextSeq)
		q.lastPurge = lastPurge
		if purged > q.purgedBelow {
			q.purgedBelow = purged
			dropBelow(q, purged)
		}
		st.nextQID = max(st.nextQID, qid+1)
	case recQueueGone:
		delete(st.byID, d.uv())
	case recSend, recSnapMsg:
		q := st.byID[d.uv()]
		cnt := uint64(1)
		if kind == recSend {
			cnt = d.uv()
		}
		for i := uint64(0); i < cnt && d.err == nil; i++ {
			m := d.message()
			if q == nil || d.err != nil || m.seq < q.purgedBelow {
				continue
			}
			q.msgs[m.seq] = m
			q.nextSeq = max(q.nextSeq, m.seq+1)
			if kind == recSend && q.fifo {
				q.addDedup(q.dedupKey(m.groupID, m.dedupID), dedupEntry{msgID: m.id, seq: m.seq, expires: m.sentAt + dedupWindowMs})
			}
		}
	case recReceive:
		q := st.byID[d.uv()]
		cnt := d.uv()
		for i := uint64(0); i < cnt && d.err == nil; i++ {
			seq, rc, vis, first := d.uv(), uint32(d.uv()), d.iv(), d.iv()
			if m := q.lookup(seq); m != nil {
				m.receiveCount, m.visibleAt, m.firstReceive = rc, vis, first
			}
		}
	case recDelete:
		q := st.byID[d.uv()]
		cnt := d.uv()
		for i := uint64(0); i < cnt && d.err == nil; i++ {
			seq := d.uv()
			if q != nil {
				delete(q.msgs, seq)
			}
		}
	case recVisibility:
		q := st.byID[d.uv()]
		cnt := d.uv()
		for i := uint64(0); i < cnt && d.err == nil; i++ {
			seq, vis := d.uv(), d.iv()
			if m := q.lookup(seq); m != nil {
				m.visibleAt = vis
			}
		}
	case recPurge:
		q := st.byID[d.uv()]
		below, at := d.uv(), d.iv()
		if q != nil && d.err == nil {
			q.purgedBelow = max(q.purgedBelow, below)
			q.lastPurge = at
			dropBelow(q, below)
		}
	case recMove:
		src := st.byID[d.uv()]
		srcSeq := d.uv()
		dst := st.byID[d.uv()]
		m := d.message()
		if d.err != nil {
			return d.err
		}
		if src != nil {
			delete(src.msgs, srcSeq)
		}
		if dst != nil {
			dst.msgs[m.seq] = m
			dst.nextSeq = max(dst.nextSeq, m.seq+1)
		}
	case recSnapDedup:
		q := st.byID[d.uv()]
		key := d.str()
		e := dedupEntry{msgID: d.str(), seq: d.uv(), expires: d.iv()}
		if q != nil && q.fifo && d.err == nil {
			q.addDedup(key, e)
		}
	default:
		return fmt.Errorf("unknown record kind %d", kind)
	}
	return d.err
}

func (q *queue) lookup(seq uint64) *message {
	if q == nil {
		return nil
	}
	return q.msgs[seq]
}

func dropBelow(q *queue, below uint64) {
	for seq := range q.msgs {
		if seq < below {
			delete(q.msgs, seq)
		}
	}
}

// rebuild builds the queue's structures from its message map after replay.
func (q *queue) rebuild(now int64) {
	ms := make([]*message, 0, len(q.msgs))
	for _, m := range q.msgs {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].seq < ms[j].seq })
	q.msgs = make(map[uint64]*message, len(ms))
	for _, m := range ms {
		q.insert(m, now)
	}
	q.expire(now)
}

// receiveRecord describes messages that were just received.
func receiveRecord(qid uint64, ms []*message) []byte {
	var e enc
	e.u8(recReceive)
	e.uv(qid)
	e.uv(uint64(len(ms)))
	for _, m := range ms {
		e.uv(m.seq)
		e.uv(uint64(m.receiveCount))
		e.iv(m.visibleAt)
		e.iv(m.firstReceive)
	}
	return e
}

func deleteRecord(qid uint64, seqs []uint64) []byte {
	var e enc
	e.u8(recDelete)
	e.uv(qid)
	e.uv(uint64(len(seqs)))
	for _, s := range seqs {
		e.uv(s)
	}
	return e
}

func visibilityRecord(qid uint64, ms []*message) []byte {
	var e enc
	e.u8(recVisibility)
	e.uv(qid)
	e.uv(uint64(len(ms)))
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
