package sqs

import (
	"context"
	"time"
)

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

// noMessages is the output of a receive that got nothing; never changed.
var noMessages = &receiveOutput{}

// receiveMessage is the ReceiveMessage operation.
func (s *Service) receiveMessage(ctx context.Context, q *queue, in *receiveInput) (*receiveOutput, error) {
	got, err := s.receive(ctx, q, in)
	if err != nil {
		return nil, err
	}
	if len(got) == 0 {
		return noMessages, nil // not nil: the query protocol answers an empty result
	}
	sys := systemAttrSet(in.AttributeNames, in.MessageSystemAttributeNames)
	out := &receiveOutput{Messages: make([]receivedMessage, len(got))}
	for i := range got {
		out.Messages[i] = got[i].output(sys, in.MessageAttributeNames)
	}
	return out, nil
}

// receive returns up to MaxNumberOfMessages messages, waiting up to
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
	attempt := "" // standard queues ignore it, as SQS does
	if in.ReceiveRequestAttemptID != nil && q.fifo {
		if attempt = *in.ReceiveRequestAttemptID; !validFifoID(attempt) {
			return nil, errInvalidParameter("Value %s for parameter ReceiveRequestAttemptId is invalid. Reason: ReceiveRequestAttemptId can only include alphanumeric and punctuation characters. 1 to 128 in length.", attempt)
		}
	}
	q.mu.Lock()
	wait := q.set.waitTime
	q.mu.Unlock()
	if in.WaitTimeSeconds != nil {
		wait = int(*in.WaitTimeSeconds)
	}
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		out, ch, due, err := s.tryReceive(ctx, q, n, in.VisibilityTimeout, attempt)
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

// tryReceive receives what is available now, or answers a retry of the
// FIFO receive attempt named (attempts.go). When nothing is available, it
// registers the caller as a waiter and returns the channel to wait on and
// the time the next delayed or in-flight message becomes visible.
func (s *Service) tryReceive(ctx context.Context, q *queue, n int, visOverride *int32, attempt string) ([]delivered, chan struct{}, int64, error) {
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	if err := q.lockLive(); err != nil {
		return nil, nil, 0, err
	}
	now := s.nowMs()
	vis := int64(q.set.visibility)
	if visOverride != nil {
		vis = int64(*visOverride)
	}
	if attempt != "" {
		if out, rec := q.retryAttempt(attempt, now, vis); out != nil {
			q.mu.Unlock()
			s.logNonDurable(context.WithoutCancel(ctx), rec)
			return out, nil, 0, nil
		}
	}
	dlq, maxRC := s.deadLetter(q)
	out, got, moves := q.receiveReady(n, now, vis, dlq, maxRC)
	if len(out) == 0 && len(moves) == 0 {
		q.waiters++
		ch, due := q.notify, q.nextDue()
		q.mu.Unlock()
		return nil, ch, due, nil
	}
	var recs [][]byte
	if len(got) > 0 {
		recs = append(recs, receiveRecord(q.qid, got))
		if attempt != "" {
			q.rememberAttempt(attempt, got, now)
		}
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

// deadLetter returns q's dead-letter queue and the receive count at which
// a message goes there instead of being received again; maxRC is 0 when
// q has none (or names itself). The caller holds q.mu.
func (s *Service) deadLetter(q *queue) (dlq *queue, maxRC uint32) {
	rp := q.set.redrive
	if rp == nil {
		return nil, 0
	}
	if dlq = s.lookupARN(rp.DeadLetterTargetArn); dlq == nil || dlq == q {
		return nil, 0
	}
	return dlq, uint32(rp.MaxReceiveCount)
}

// receiveReady makes up to n ready messages in flight for vis seconds from
// now, returning them as delivered (out) and as they are in q (got); it
// takes the messages received maxRC times already (maxRC > 0) out of q
// instead, as moves to dlq. The caller holds q.mu.
func (q *queue) receiveReady(n int, now, vis int64, dlq *queue, maxRC uint32) (out []delivered, got []*message, moves []dlqMove) {
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
			m.receivedAt = now
			q.makeInflight(m, now+vis*1000)
			got = append(got, m)
			out = append(out, delivered{m: *m, receipt: encodeReceipt(q.qid, m.seq, m.receiveCount)})
		}
	}
	return out, got, moves
}

// moveMessage puts a copy of m, already removed from src, into dst as a
// receivable message. dlqSource, when set, is a redrive: it is recorded as
// the DeadLetterQueueSourceArn, and the message keeps its receive count and
// first receive, as SQS keeps them; a move task (dlqSource "") gives the
// message a fresh start. Caller holds s.ckpt shared.
func (s *Service) moveMessage(ctx context.Context, src *queue, srcSeq uint64, dst *queue, m *message, dlqSource string) error {
	c := &message{id: m.id, body: m.body, attrs: m.attrs, md5Body: m.md5Body, md5Attrs: m.md5Attrs,
		traceHeader: m.traceHeader, md5Sys: m.md5Sys, sentAt: m.sentAt, senderID: m.senderID,
		groupID: m.groupID, dedupID: m.dedupID, dlqSourceARN: dlqSource, heapIdx: -1}
	if dlqSource != "" {
		c.receiveCount, c.firstReceive = m.receiveCount, m.firstReceive
	}
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

// System attribute bits a receive asked for.
const (
	sysSenderID = 1 << iota
	sysSentTimestamp
	sysReceiveCount
	sysFirstReceive
	sysSequenceNumber
	sysDedupID
	sysGroupID
	sysTraceHeader
	sysDLQSource
	sysAll = 1<<iota - 1
)

var sysAttrBits = map[string]int{
	"All": sysAll, "SenderId": sysSenderID, "SentTimestamp": sysSentTimestamp,
	"ApproximateReceiveCount": sysReceiveCount, "ApproximateFirstReceiveTimestamp": sysFirstReceive,
	"SequenceNumber": sysSequenceNumber, "MessageDeduplicationId": sysDedupID,
	"MessageGroupId": sysGroupID, "AWSTraceHeader": sysTraceHeader,
	"DeadLetterQueueSourceArn": sysDLQSource,
}

func systemAttrSet(lists ...[]string) int {
	bits := 0
	for _, l := range lists {
		for _, n := range l {
			bits |= sysAttrBits[n]
		}
	}
	return bits
}

// output is the message as ReceiveMessage answers it, with the system
// attributes sys asks for and the message attributes names ask for.
func (d *delivered) output(sys int, names []string) receivedMessage {
	m := &d.m
	r := receivedMessage{MessageID: m.id, ReceiptHandle: d.receipt, MD5OfBody: m.md5Body, Body: m.body}
	if sys != 0 {
		r.Attributes = m.systemAttributes(sys)
	}
	if attrs := filterAttrs(m.attrs, names); len(attrs) > 0 {
		r.MessageAttributes = attrs
		r.MD5OfMessageAttributes = m.md5Attrs
		if len(attrs) != len(m.attrs) {
			r.MD5OfMessageAttributes = md5OfAttributes(attrs)
		}
	}
	return r
}

// systemAttributes returns the system attributes sys asks for that m has,
// in AWS's order; never nil.
func (m *message) systemAttributes(sys int) []nameValue {
	a := make([]nameValue, 0, 4)
	if sys&sysSenderID != 0 {
		a = append(a, nameValue{"SenderId", m.senderID})
	}
	if sys&sysSentTimestamp != 0 {
		a = append(a, nameValue{"SentTimestamp", fmtInt(m.sentAt)})
	}
	if sys&sysReceiveCount != 0 {
		a = append(a, nameValue{"ApproximateReceiveCount", fmtInt(int64(m.receiveCount))})
	}
	if sys&sysFirstReceive != 0 {
		a = append(a, nameValue{"ApproximateFirstReceiveTimestamp", fmtInt(m.firstReceive)})
	}
	if sys&sysSequenceNumber != 0 && m.dedupID != "" {
		a = append(a, nameValue{"SequenceNumber", fmtSeq(m.seq)})
	}
	if sys&sysDedupID != 0 && m.dedupID != "" {
		a = append(a, nameValue{"MessageDeduplicationId", m.dedupID})
	}
	if sys&sysGroupID != 0 && m.groupID != "" {
		a = append(a, nameValue{"MessageGroupId", m.groupID})
	}
	if sys&sysTraceHeader != 0 && m.traceHeader != "" {
		a = append(a, nameValue{"AWSTraceHeader", m.traceHeader})
	}
	if sys&sysDLQSource != 0 && m.dlqSourceARN != "" {
		a = append(a, nameValue{"DeadLetterQueueSourceArn", m.dlqSourceARN})
	}
	return a
}
