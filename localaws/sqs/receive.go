package sqs

import (
	"context"
	"time"

	"github.com/licenseflow/licenseflow/localaws/awsjson"
)

// receiveInput is ReceiveMessage's request.
type receiveInput struct {
	QueueURL                    string   `json:"QueueUrl"`
	AttributeNames              []string `json:"AttributeNames"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames"`
	MessageAttributeNames       []string `json:"MessageAttributeNames"`
	MaxNumberOfMessages         *int32   `json:"MaxNumberOfMessages"`
	VisibilityTimeout           *int32   `json:"VisibilityTimeout"`
	WaitTimeSeconds             *int32   `json:"WaitTimeSeconds"`
	ReceiveRequestAttemptID     *string  `json:"ReceiveRequestAttemptId"`
}

// delivered is a received message as it was at the time of receipt.
type delivered struct {
	m       message
	receipt string
}

// dlqMove is a message leaving its queue for the dead-letter queue.
type dlqMove struct {
	m      *message
	dlq    *queue
	srcSeq uint64
}

// Receive returns up to MaxNumberOfMessages messages, waiting up to
// WaitTimeSeconds for the first one; it returns as soon as one arrives.
func (s *Service) receive(ctx context.Context, q *queue, in *receiveInput) ([]delivered, error) {
	n := 1
	if in.MaxNumberOfMessages != nil {
		if *in.MaxNumberOfMessages < 1 || *in.MaxNumberOfMessages > 10 {
			return nil, errInvalidParameter("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", *in.MaxNumberOfMessages)
		}
		n = int(*in.MaxNumberOfMessages)
	}
	if in.VisibilityTimeout != nil && (*in.VisibilityTimeout < 0 || *in.VisibilityTimeout > 43200) {
		return nil, errInvalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", *in.VisibilityTimeout)
	}
	if in.WaitTimeSeconds != nil && (*in.WaitTimeSeconds < 0 || *in.WaitTimeSeconds > 20) {
		return nil, errInvalidParameter("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", *in.WaitTimeSeconds)
	}
	q.mu.Lock()
	wait := q.set.waitTime
	q.mu.Unlock()
	if in.WaitTimeSeconds != nil {
		wait = int(*in.WaitTimeSeconds)
	}
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		out, ch, due, err := s.tryReceive(ctx, q, n, in.VisibilityTimeout)
		if err != nil || len(out) > 0 {
			return out, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return out, nil
		}
		if due > 0 {
			if d := time.Duration(due-s.nowMs()) * time.Millisecond; d < left {
				left = max(d, time.Millisecond)
			}
		}
		t := time.NewTimer(left)
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
		case <-s.closed:
		}
		t.Stop()
		q.mu.Lock()
		q.waiters--
		q.mu.Unlock()
		if ctx.Err() != nil || s.isClosed() {
			return nil, nil
		}
	}
}

func (s *Service) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// tryReceive receives what is available now. When nothing is, it
// registers the caller as a waiter and returns the channel to wait on and
// the time the next delayed or in-flight message becomes visible.
func (s *Service) tryReceive(ctx context.Context, q *queue, n int, visOverride *int32) ([]delivered, chan struct{}, int64, error) {
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return nil, nil, 0, errQueueDoesNotExist()
	}
	now := s.nowMs()
	vis := int64(q.set.visibility)
	if visOverride != nil {
		vis = int64(*visOverride)
	}
	var (
		out   []delivered
		moves []dlqMove
		got   []*message
	)
	var dlq *queue
	maxRC := uint32(0)
	if rp := q.set.redrive; rp != nil {
		if dlq = s.lookupARN(rp.DeadLetterTargetArn); dlq != nil && dlq != q {
			maxRC = uint32(rp.MaxReceiveCount)
		}
	}
	for len(out) < n {
		picked := q.takeReady(n-len(out), now)
		if len(picked) == 0 {
			break
		}
		for _, m := range picked {
			if maxRC > 0 && m.receiveCount >= maxRC {
				moves = append(moves, dlqMove{m: m, dlq: dlq, srcSeq: m.seq})
				q.remove(m)
				continue
			}
			m.receiveCount++
			if m.firstReceive == 0 {
				m.firstReceive = now
			}
			q.makeInflight(m, now+vis*1000)
			got = append(got, m)
			out = append(out, delivered{m: *m, receipt: encodeReceipt(q.qid, m.seq, m.receiveCount)})
		}
	}
	if len(out) == 0 && len(moves) == 0 {
		q.waiters++
		ch, due := q.notify, q.nextDue()
		q.mu.Unlock()
		return nil, ch, due, nil
	}
	var recs [][]byte
	if len(got) > 0 {
		recs = append(recs, receiveRecord(q.qid, got))
	}
	q.mu.Unlock()
	bg := context.WithoutCancel(ctx)
	if len(recs) > 0 {
		// The messages are in flight already: deliver them even if the log
		// failed (a restart then delivers them again).
		s.logNonDurable(bg, recs...)
	}
	for _, mv := range moves {
		if err := s.moveMessage(bg, q, mv.srcSeq, mv.dlq, mv.m, q.arn); err != nil {
			s.cfg.Logger.Warn("sqs: moving message to dead-letter queue", "queue", q.name, "err", err)
		}
	}
	if len(out) == 0 {
		// Only dead-lettered messages: look again (the caller loops).
		q.mu.Lock()
		q.waiters++
		ch := make(chan struct{})
		close(ch)
		q.mu.Unlock()
		return nil, ch, 0, nil
	}
	return out, nil, 0, nil
}

// moveMessage puts a copy of m, already removed from src, into dst as a
// new receivable message. dlqSource, when set, is recorded as the
// DeadLetterQueueSourceArn. Caller holds s.ckpt shared.
func (s *Service) moveMessage(ctx context.Context, src *queue, srcSeq uint64, dst *queue, m *message, dlqSource string) error {
	c := &message{id: m.id, body: m.body, attrs: m.attrs, md5Body: m.md5Body, md5Attrs: m.md5Attrs,
		traceHeader: m.traceHeader, md5Sys: m.md5Sys, sentAt: m.sentAt, senderID: m.senderID,
		groupID: m.groupID, dedupID: m.dedupID, dlqSourceARN: dlqSource, heapIdx: -1}
	if dst.fifo {
		dst.sendMu.Lock()
		defer dst.sendMu.Unlock()
		if c.groupID == "" {
			c.groupID = "default"
		}
	}
	dst.mu.Lock()
	if dst.deleted {
		dst.mu.Unlock()
		return errQueueDoesNotExist()
	}
	c.seq = dst.nextSeq
	dst.nextSeq++
	dst.mu.Unlock()
	if err := s.appendRecs(ctx, false, moveRecord(src.qid, srcSeq, dst.qid, c)); err != nil {
		return err
	}
	dst.mu.Lock()
	if !dst.deleted && c.seq >= dst.purgedBelow && dst.insert(c, s.nowMs()) {
		dst.wake()
	}
	dst.mu.Unlock()
	return nil
}

// handleFor resolves a receipt handle to its message in q. stale is true
// when the handle is well formed but not the message's latest receipt (or
// the message is gone).
func (q *queue) handleFor(h string) (m *message, stale bool, err *awsjson.Error) {
	qid, seq, rc, ok := decodeReceipt(h)
	if !ok || qid != q.qid {
		return nil, false, errReceiptHandleInvalid(h)
	}
	m = q.msgs[seq]
	if m == nil || m.receiveCount != rc {
		return nil, true, nil
	}
	return m, false, nil
}

// deleteMessages deletes by receipt handle. A handle of a message that
// is already gone, or that was received again since, succeeds without
// deleting anything, as AWS documents.
func (s *Service) deleteMessages(ctx context.Context, q *queue, handles []string) ([]*awsjson.Error, error) {
	errs := make([]*awsjson.Error, len(handles))
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return nil, errQueueDoesNotExist()
	}
	var seqs []uint64
	woke := false
	for i, h := range handles {
		m, stale, err := q.handleFor(h)
		if err != nil {
			errs[i] = err
			continue
		}
		if stale {
			continue
		}
		wasBlocking := q.fifo && m.state == stateInflight
		q.remove(m)
		seqs = append(seqs, m.seq)
		woke = woke || wasBlocking
	}
	if woke {
		q.wake()
	}
	q.mu.Unlock()
	if len(seqs) > 0 {
		s.logNonDurable(context.WithoutCancel(ctx), deleteRecord(q.qid, seqs))
	}
	return errs, nil
}

// visibilityChange is one ChangeMessageVisibility entry.
type visibilityChange struct {
	handle  string
	timeout int32
}

// changeVisibility changes the visibility timeout of in-flight messages.
func (s *Service) changeVisibility(ctx context.Context, q *queue, changes []visibilityChange) ([]*awsjson.Error, error) {
	errs := make([]*awsjson.Error, len(changes))
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return nil, errQueueDoesNotExist()
	}
	now := s.nowMs()
	if q.promote(now) {
		q.wake()
	}
	var changed []*message
	woke := false
	for i, c := range changes {
		if c.timeout < 0 || c.timeout > 43200 {
			errs[i] = errInvalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.", c.timeout)
			continue
		}
		m, stale, err := q.handleFor(c.handle)
		if err != nil {
			errs[i] = err
			continue
		}
		if stale {
			errs[i] = errInvalidParameter("Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", c.handle)
			continue
		}
		if m.state != stateInflight {
			errs[i] = errMessageNotInflight()
			continue
		}
		if q.setVisibility(m, now+int64(c.timeout)*1000, now) {
			woke = true
		}
		changed = append(changed, m)
	}
	var rec []byte
	if len(changed) > 0 {
		rec = visibilityRecord(q.qid, changed)
	}
	if woke {
		q.wake()
	}
	q.mu.Unlock()
	if rec != nil {
		s.logNonDurable(context.WithoutCancel(ctx), rec)
	}
	return errs, nil
}
