package sqs

// A FIFO receive may name itself with a ReceiveRequestAttemptId: retried
// with the same id within five minutes, while none of its messages was
// deleted, received again or had its visibility changed, it answers the
// same messages with the same receipt handles and restarts their
// visibility timeout, as SQS does, so a client that lost an answer can ask
// again without breaking the order of its groups.

// attemptWindowMs is how long a receive attempt can be retried.
const attemptWindowMs = 5 * 60 * 1000

// receiveAttempt is a FIFO receive a retry answers again: its messages as
// the receive left them.
type receiveAttempt struct {
	msgs      []*message
	counts    []uint32 // each message's receive count
	visibleAt []int64  // and the end of its visibility
	expires   int64    // unix ms
}

// retryAttempt answers a retry of the receive attempt id, when it is known
// and its messages are as it left them: they are hidden again for vis
// seconds from now and returned with the record of that. It returns nil
// otherwise, and forgets an attempt it cannot answer. The caller holds q.mu.
func (q *queue) retryAttempt(id string, now, vis int64) ([]delivered, []byte) {
	a := q.attempts[id]
	if a == nil {
		return nil, nil
	}
	for i, m := range a.msgs {
		if a.expires <= now || q.msgs[m.seq] != m || m.state != stateInflight || m.receiveCount != a.counts[i] || m.visibleAt != a.visibleAt[i] {
			delete(q.attempts, id)
			return nil, nil
		}
	}
	out := make([]delivered, len(a.msgs))
	for i, m := range a.msgs {
		q.setVisibility(m, now+vis*1000, now)
		a.visibleAt[i] = m.visibleAt
		out[i] = delivered{m: *m, receipt: encodeReceipt(q.qid, m.seq, m.receiveCount)}
	}
	return out, visibilityRecord(q.qid, a.msgs)
}

// rememberAttempt keeps a FIFO receive that named itself id, so a retry
// can answer it again. The caller holds q.mu.
func (q *queue) rememberAttempt(id string, got []*message, now int64) {
	a := &receiveAttempt{msgs: got, counts: make([]uint32, len(got)), visibleAt: make([]int64, len(got)),
		expires: now + attemptWindowMs}
	for i, m := range got {
		a.counts[i], a.visibleAt[i] = m.receiveCount, m.visibleAt
	}
	if q.attempts == nil {
		q.attempts = map[string]*receiveAttempt{}
	}
	q.attempts[id] = a
	q.attemptOrder.push(dedupRef{key: id, expires: a.expires})
}

// expireAttempts forgets the attempts that can no longer be retried. The
// caller holds q.mu.
func (q *queue) expireAttempts(now int64) {
	for q.attemptOrder.len() > 0 && q.attemptOrder.front().expires <= now {
		r := q.attemptOrder.pop()
		if a := q.attempts[r.key]; a != nil && a.expires == r.expires {
			delete(q.attempts, r.key)
		}
	}
}
