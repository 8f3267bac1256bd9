package sqs

import (
	"fmt"
	"sort"
)

// replayState is the state rebuilt from the log before the queues'
// structures are built.
type replayState struct {
	s            *Service
	byID         map[uint64]*queue
	deletedNames map[string]int64
	tasks        map[string]*moveTask // by handle
	taskOrder    []string             // handles, oldest first
	nextQID      uint64
	now          int64
}

// replay rebuilds the state from the log. A record that does not decode
// (malformed, or of an unknown kind) is damage and stops the start (see
// package storage); a well-formed record about a queue that is gone is
// history and is skipped.
func (s *Service) replay() error {
	st := &replayState{s: s, byID: map[uint64]*queue{}, deletedNames: map[string]int64{},
		tasks: map[string]*moveTask{}, nextQID: 1, now: s.nowMs()}
	if err := s.log.Replay(st.apply); err != nil {
		return fmt.Errorf("replaying sqs log: %w", err)
	}
	s.nextQID = st.nextQID
	for name, at := range st.deletedNames {
		if st.now-at < queueNameHold {
			s.deleted[name] = at
		}
	}
	for _, q := range st.byID {
		q.rebuild(st.now)
		s.byID[q.qid] = q
		s.byName[q.name] = q
	}
	s.tasks.mu.Lock()
	defer s.tasks.mu.Unlock()
	for _, h := range st.taskOrder {
		if t := st.tasks[h]; t != nil {
			if t.source = s.lookupARN(t.sourceARN); t.source != nil {
				s.tasks.add(t)
			}
		}
	}
	return nil
}

// apply applies one record.
func (st *replayState) apply(rec []byte) error {
	d := &dec{b: rec}
	switch kind := d.u8(); kind {
	case recQueue:
		st.queue(d)
	case recQueueGone:
		st.gone(d)
	case recSend, recSnapMsg:
		st.messages(d, kind)
	case recReceive:
		st.received(d)
	case recDelete:
		st.deleted(d)
	case recVisibility:
		st.visibility(d)
	case recPurge:
		st.purged(d)
	case recMove:
		st.moved(d)
	case recSnapDedup:
		st.dedup(d)
	case recSnapDeleted:
		name, at := d.str(), d.iv()
		st.deletedNames[name] = at
	case recTask:
		if t := d.task(); d.err == nil {
			if st.tasks[t.handle] == nil {
				st.taskOrder = append(st.taskOrder, t.handle)
			}
			st.tasks[t.handle] = t
		}
	default:
		if d.err == nil {
			return fmt.Errorf("unknown record kind %d", kind)
		}
	}
	return d.err
}

// queue applies a queue's full metadata (created or changed).
func (st *replayState) queue(d *dec) {
	qid := d.uv()
	name := d.str()
	fifo := d.boolean()
	attrs, tags := d.strMap(), d.strMap()
	created, modified := d.iv(), d.iv()
	nextSeq, purged, lastPurge := d.uv(), d.uv(), d.iv()
	if d.err != nil {
		return
	}
	q := st.byID[qid]
	if q == nil {
		q = newQueue(qid, name, st.s.queueURL(name), st.s.queueARN(name), fifo, attrs, tags, created)
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
}

// gone applies a queue's deletion. Records written before deletions were
// timed carry no time: their names are not held.
func (st *replayState) gone(d *dec) {
	qid := d.uv()
	q := st.byID[qid]
	if q == nil {
		return
	}
	if len(d.b) > 0 {
		st.deletedNames[q.name] = d.iv()
	}
	for h, t := range st.tasks { // a source's tasks go with it
		if t.sourceARN == q.arn {
			delete(st.tasks, h)
		}
	}
	delete(st.byID, qid)
}

// messages applies sent messages (recSend) or one message of a snapshot.
func (st *replayState) messages(d *dec, kind uint8) {
	q := st.byID[d.uv()]
	cnt := uint64(1)
	if kind == recSend {
		cnt = d.uv()
	}
	for i := uint64(0); i < cnt && d.err == nil; i++ {
		m := d.message()
		m.receivedAt = m.firstReceive
		if kind == recSnapMsg && len(d.b) > 0 {
			m.receivedAt = d.iv()
		}
		if q == nil || d.err != nil || m.seq < q.purgedBelow {
			continue
		}
		q.msgs[m.seq] = m
		q.nextSeq = max(q.nextSeq, m.seq+1)
		if kind == recSend && q.fifo {
			q.addDedup(q.dedupKey(m.groupID, m.dedupID), dedupEntry{msgID: m.id, seq: m.seq, expires: m.sentAt + dedupWindowMs})
		}
	}
}

// received applies a receive. Records written before receives were timed
// carry no time: the first receive's stands in, which holds the 12 hours
// of visibility to no more than they were.
func (st *replayState) received(d *dec) {
	q := st.byID[d.uv()]
	cnt := d.uv()
	var got []*message
	for i := uint64(0); i < cnt && d.err == nil; i++ {
		seq, rc, vis, first := d.uv(), uint32(d.uv()), d.iv(), d.iv()
		if m := q.lookup(seq); m != nil {
			m.receiveCount, m.visibleAt, m.firstReceive, m.receivedAt = rc, vis, first, first
			got = append(got, m)
		}
	}
	if len(d.b) > 0 {
		at := d.iv()
		for _, m := range got {
			m.receivedAt = at
		}
	}
}

func (st *replayState) deleted(d *dec) {
	q := st.byID[d.uv()]
	cnt := d.uv()
	for i := uint64(0); i < cnt && d.err == nil; i++ {
		seq := d.uv()
		if q != nil {
			delete(q.msgs, seq)
		}
	}
}

func (st *replayState) visibility(d *dec) {
	q := st.byID[d.uv()]
	cnt := d.uv()
	for i := uint64(0); i < cnt && d.err == nil; i++ {
		seq, vis := d.uv(), d.iv()
		if m := q.lookup(seq); m != nil {
			m.visibleAt = vis
		}
	}
}

func (st *replayState) purged(d *dec) {
	q := st.byID[d.uv()]
	below, at := d.uv(), d.iv()
	if q != nil && d.err == nil {
		q.purgedBelow = max(q.purgedBelow, below)
		q.lastPurge = at
		dropBelow(q, below)
	}
}

func (st *replayState) moved(d *dec) {
	src := st.byID[d.uv()]
	srcSeq := d.uv()
	dst := st.byID[d.uv()]
	m := d.message()
	if d.err != nil {
		return
	}
	if src != nil {
		delete(src.msgs, srcSeq)
	}
	if dst != nil {
		dst.msgs[m.seq] = m
		dst.nextSeq = max(dst.nextSeq, m.seq+1)
	}
}

func (st *replayState) dedup(d *dec) {
	q := st.byID[d.uv()]
	key := d.str()
	e := dedupEntry{msgID: d.str(), seq: d.uv(), expires: d.iv()}
	if q != nil && q.fifo && d.err == nil {
		q.addDedup(key, e)
	}
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
