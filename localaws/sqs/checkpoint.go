package sqs

import (
	"errors"
	"fmt"
	"maps"
	"sort"

	"github.com/licenseflow/licenseflow/localaws/storage"
)

// queueCopy is a queue's state copied under the checkpoint lock, written
// out after it is released.
type queueCopy struct {
	meta  []byte
	qid   uint64
	msgs  []message
	dedup []dedupRef
	ents  []dedupEntry
}

// Checkpoint snapshots the whole state into the log so replay no longer
// reads the records it replaces. Changes wait only while the state is
// copied, not while the snapshot is written.
func (s *Service) Checkpoint() error {
	s.ckpt.Lock()
	snap, err := s.log.Checkpoint()
	if err != nil {
		s.ckpt.Unlock()
		return fmt.Errorf("starting checkpoint: %w", err)
	}
	qs := s.queues()
	sort.Slice(qs, func(i, j int) bool { return qs[i].qid < qs[j].qid })
	s.mu.RLock()
	deleted := maps.Clone(s.deleted)
	s.mu.RUnlock()
	var tasks [][]byte
	s.tasks.mu.Lock()
	for _, ts := range s.tasks.bySource {
		for _, t := range ts {
			tasks = append(tasks, taskRecord(t))
		}
	}
	s.tasks.mu.Unlock()
	copies := make([]queueCopy, 0, len(qs))
	for _, q := range qs {
		copies = append(copies, q.checkpointCopy())
	}
	s.ckpt.Unlock()

	write := func() error {
		for name, at := range deleted {
			e := enc{recSnapDeleted}
			e.str(name)
			e.iv(at)
			if err := snap.Write(e); err != nil {
				return err
			}
		}
		for i := range copies {
			if err := copies[i].write(snap); err != nil {
				return err
			}
		}
		for _, rec := range tasks {
			if err := snap.Write(rec); err != nil {
				return err
			}
		}
		return snap.Commit()
	}
	if err := write(); err != nil {
		return fmt.Errorf("writing checkpoint: %w", errors.Join(err, snap.Abort()))
	}
	return nil
}

// checkpointCopy copies q's state for a checkpoint; the caller holds
// s.ckpt exclusively.
func (q *queue) checkpointCopy() queueCopy {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := queueCopy{meta: queueRecord(q), qid: q.qid, msgs: make([]message, 0, len(q.msgs))}
	for _, m := range q.msgs {
		c.msgs = append(c.msgs, *m)
	}
	for k, e := range q.dedup {
		c.dedup = append(c.dedup, dedupRef{key: k, expires: e.expires})
		c.ents = append(c.ents, e)
	}
	return c
}

// write writes the queue's records to snap: its metadata, its messages in
// sequence order and its deduplication entries.
func (c *queueCopy) write(snap *storage.Snapshot) error {
	if err := snap.Write(c.meta); err != nil {
		return err
	}
	sort.Slice(c.msgs, func(i, j int) bool { return c.msgs[i].seq < c.msgs[j].seq })
	for i := range c.msgs {
		e := enc{recSnapMsg}
		e.uv(c.qid)
		e.message(&c.msgs[i])
		e.iv(c.msgs[i].receivedAt)
		if err := snap.Write(e); err != nil {
			return err
		}
	}
	for i, r := range c.dedup {
		e := enc{recSnapDedup}
		e.uv(c.qid)
		e.str(r.key)
		e.str(c.ents[i].msgID)
		e.uv(c.ents[i].seq)
		e.iv(c.ents[i].expires)
		if err := snap.Write(e); err != nil {
			return err
		}
	}
	return nil
}
