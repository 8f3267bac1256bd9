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
	return s.changeEach(ctx, q, len(changes), func(errs []*awsapi.Error) (rec []byte, wake bool) {
		now := s.nowMs()
		wake = q.promote(now)
		var changed []*message
		for i, c := range changes {
			m, err := q.inFlightFor(c, now)
			if err != nil {
				errs[i] = err
				continue
			}
			if q.setVisibility(m, now+int64(c.timeout)*1000, now) {
				wake = true
			}
			changed = append(changed, m)
		}
		return visibilityRecord(q.qid, changed), wake
	})
}

// inFlightFor returns the in-flight message whose visibility c may change
// at now, or why it may not.
func (q *queue) inFlightFor(c visibilityChange, now int64) (*message, *awsapi.Error) {
	if c.timeout < 0 || c.timeout > maxVisibility {
		return nil, errInvalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.", c.timeout)
	}
	m, stale, err := q.handleFor(c.handle)
	if err != nil {
		return nil, err
	}
	if stale {
		return nil, errInvalidParameter("Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", c.handle)
	}
	if m.state != stateInflight {
		return nil, errMessageNotInflight()
	}
	if now+int64(c.timeout)*1000-m.receivedAt > maxVisibility*1000 {
		return nil, errInvalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [%d seconds]", c.timeout, maxVisibility)
	}
	return m, nil
}
