package sqs

import (
	"context"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// deleteMessage is the DeleteMessage operation.
func (s *Service) deleteMessage(ctx context.Context, q *queue, in *receiptInput) (*awsapi.Empty, error) {
	if in.ReceiptHandle == "" {
		return nil, errMissingParameter("ReceiptHandle")
	}
	errs, err := s.deleteMessages(ctx, q, []string{in.ReceiptHandle})
	return nil, firstError(errs, err)
}

// deleteMessageBatch is the DeleteMessageBatch operation.
func (s *Service) deleteMessageBatch(ctx context.Context, q *queue, in *receiptBatchInput) (*batchResult[batchEntryID], error) {
	return receiptBatch(in, "DeleteMessageBatchRequestEntry", func(es []receiptEntry) ([]*awsapi.Error, error) {
		handles := make([]string, len(es))
		for i, e := range es {
			handles[i] = e.ReceiptHandle
		}
		return s.deleteMessages(ctx, q, handles)
	})
}

// firstError is the error of a one-entry batch: err, or the entry's.
func firstError(errs []*awsapi.Error, err error) error {
	if err != nil {
		return err
	}
	if errs[0] != nil {
		return errs[0]
	}
	return nil
}

// handleFor resolves a receipt handle to its message in q. stale is true
// when the handle is well formed but not the message's latest receipt (or
// the message is gone).
func (q *queue) handleFor(h string) (m *message, stale bool, err *awsapi.Error) {
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
func (s *Service) deleteMessages(ctx context.Context, q *queue, handles []string) ([]*awsapi.Error, error) {
	errs := make([]*awsapi.Error, len(handles))
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	if err := q.lockLive(); err != nil {
		return nil, err
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
