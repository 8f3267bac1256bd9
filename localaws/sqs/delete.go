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
	return s.changeEach(ctx, q, len(handles), func(errs []*awsapi.Error) (rec []byte, wake bool) {
		var seqs []uint64
		for i, h := range handles {
			m, stale, err := q.handleFor(h)
			if err != nil {
				errs[i] = err
				continue
			}
			if stale {
				continue
			}
			wake = wake || (q.fifo && m.state == stateInflight)
			q.remove(m)
			seqs = append(seqs, m.seq)
		}
		return deleteRecord(q.qid, seqs), wake
	})
}

// changeEach runs change, a change of the n entries of a batch, on q,
// locked and live, while no checkpoint is taken, and returns the entries'
// errors that change set in errs. change makes its changes in memory and
// returns their record (nil for none) and whether waiting receivers should
// wake; the record is appended without waiting for the disk, once q is
// unlocked.
func (s *Service) changeEach(ctx context.Context, q *queue, n int, change func(errs []*awsapi.Error) (rec []byte, wake bool)) ([]*awsapi.Error, error) {
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	if err := q.lockLive(); err != nil {
		return nil, err
	}
	errs := make([]*awsapi.Error, n)
	rec, wake := change(errs)
	if wake {
		q.wake()
	}
	q.mu.Unlock()
	if rec != nil {
		s.logNonDurable(context.WithoutCancel(ctx), rec)
	}
	return errs, nil
}
