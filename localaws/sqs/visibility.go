package sqs

import (
	"context"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// changeMessageVisibility is the ChangeMessageVisibility operation.
func (s *Service) changeMessageVisibility(ctx context.Context, q *queue, in *receiptInput) (*awsapi.Empty, error) {
	if in.ReceiptHandle == "" {
		return nil, errMissingParameter("ReceiptHandle")
	}
	if in.VisibilityTimeout == nil {
		return nil, errMissingParameter("VisibilityTimeout")
	}
	errs, err := s.changeVisibility(ctx, q, []visibilityChange{{in.ReceiptHandle, *in.VisibilityTimeout}})
	return nil, firstError(errs, err)
}

// changeMessageVisibilityBatch is the ChangeMessageVisibilityBatch operation.
func (s *Service) changeMessageVisibilityBatch(ctx context.Context, q *queue, in *receiptBatchInput) (*batchResult[batchEntryID], error) {
	return receiptBatch(in, "ChangeMessageVisibilityBatchRequestEntry", func(es []receiptEntry) ([]*awsapi.Error, error) {
		changes := make([]visibilityChange, len(es))
		for i, e := range es {
			changes[i].handle = e.ReceiptHandle
			if e.VisibilityTimeout != nil {
				changes[i].timeout = *e.VisibilityTimeout
			}
		}
		return s.changeVisibility(ctx, q, changes)
	})
}

// maxVisibility is the longest a message may stay in flight after a
// receive, in seconds: 12 hours, however often its visibility changes.
const maxVisibility = 43200

// visibilityChange is one ChangeMessageVisibility entry.
type visibilityChange struct {
	handle  string
	timeout int32
}

// changeVisibility changes the visibility timeout of in-flight messages.
func (s *Service) changeVisibility(ctx context.Context, q *queue, changes []visibilityChange) ([]*awsapi.Error, error) {
	errs := make([]*awsapi.Error, len(changes))
	s.ckpt.RLock()
	defer s.ckpt.RUnlock()
	if err := q.lockLive(); err != nil {
		return nil, err
	}
	now := s.nowMs()
	if q.promote(now) {
		q.wake()
	}
	var changed []*message
	woke := false
	for i, c := range changes {
		if c.timeout < 0 || c.timeout > maxVisibility {
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
		if now+int64(c.timeout)*1000-m.receivedAt > maxVisibility*1000 {
			errs[i] = errInvalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [%d seconds]", c.timeout, maxVisibility)
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
