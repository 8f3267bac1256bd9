package dlq

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// copy sends msgs (at most one batch) to their destinations and deletes
// from the DLQ exactly those whose copy was accepted. Messages that fail
// stay in the DLQ and are released at the end of the run. An error means
// a call failed as a whole; the replay stops.
func (r *run) copy(ctx context.Context, msgs []sqstypes.Message) error {
	groups := map[string][]sqstypes.Message{}
	dests := map[string]queueRef{}
	var order []string
	for _, m := range msgs {
		q, err := r.dest.of(ctx, sourceARN(m))
		if err != nil {
			r.fail(m, err.Error())
			continue
		}
		if _, ok := groups[q.URL]; !ok {
			order = append(order, q.URL)
			dests[q.URL] = q
		}
		groups[q.URL] = append(groups[q.URL], m)
	}
	for _, url := range order {
		if err := r.copyTo(ctx, dests[url], groups[url]); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) copyTo(ctx context.Context, dest queueRef, msgs []sqstypes.Message) error {
	in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(dest.URL)}
	byID := map[string]sqstypes.Message{}
	for i, m := range msgs {
		e, err := copyEntry(strconv.Itoa(i), m, dest.FIFO)
		if err != nil {
			r.fail(m, err.Error())
			continue
		}
		in.Entries = append(in.Entries, e)
		byID[aws.ToString(e.Id)] = m
	}
	if len(in.Entries) == 0 {
		return nil
	}
	out, err := r.t.cfg.Client.SendMessageBatch(ctx, in)
	if err != nil {
		for _, m := range byID {
			r.fail(m, "not copied: "+err.Error())
		}
		return fmt.Errorf("copying to %s: %w", dest.Name, err)
	}
	for _, f := range out.Failed {
		r.fail(byID[aws.ToString(f.Id)], fmt.Sprintf("copy refused by %s: %s: %s", dest.Name, aws.ToString(f.Code), aws.ToString(f.Message)))
	}
	del := &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(r.dlq.URL)}
	for _, s := range out.Successful {
		m, ok := byID[aws.ToString(s.Id)]
		if !ok {
			continue
		}
		// A FIFO queue answers a duplicate send with the message id of the
		// first: if that is the id this message had at its source, the copy
		// was dropped as a duplicate of the original send (less than the
		// deduplication window ago), and deleting it here would lose it.
		if dest.FIFO && aws.ToString(s.MessageId) == aws.ToString(m.MessageId) {
			r.fail(m, "dropped by "+dest.Name+" as a duplicate of its original send (FIFO deduplication window, 5 minutes); kept in the DLQ, replay it later")
			continue
		}
		del.Entries = append(del.Entries, sqstypes.DeleteMessageBatchRequestEntry{Id: s.Id, ReceiptHandle: m.ReceiptHandle})
	}
	if len(del.Entries) == 0 {
		return nil
	}
	dout, err := r.t.cfg.Client.DeleteMessageBatch(context.WithoutCancel(ctx), del)
	if err != nil {
		for _, e := range del.Entries {
			r.fail(byID[aws.ToString(e.Id)], "copied but not deleted from the DLQ (it will be replayed again): "+err.Error())
		}
		return fmt.Errorf("deleting from %s: %w", r.dlq.Name, err)
	}
	for _, f := range dout.Failed {
		r.fail(byID[aws.ToString(f.Id)], "copied but not deleted from the DLQ (it will be replayed again): "+aws.ToString(f.Code)+": "+aws.ToString(f.Message))
	}
	for _, s := range dout.Successful {
		r.count(&r.moved, Outcome{Action: ActionMoved, MessageID: aws.ToString(byID[aws.ToString(s.Id)].MessageId), Destination: dest.Name})
	}
	return nil
}

// fail counts m as failed, keeps it for release and gives back its budget.
func (r *run) fail(m sqstypes.Message, why string) {
	r.hold([]sqstypes.Message{m})
	r.unpick(1)
	r.count(&r.failed, Outcome{Action: ActionFailed, MessageID: aws.ToString(m.MessageId), Error: why})
}

// copyEntry is the send entry of m's copy: same body and attributes; on a
// FIFO destination the same group and deduplication ids.
func copyEntry(id string, m sqstypes.Message, fifo bool) (sqstypes.SendMessageBatchRequestEntry, error) {
	e := sqstypes.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: m.Body}
	if len(m.MessageAttributes) > 0 {
		e.MessageAttributes = m.MessageAttributes
	}
	if trace := m.Attributes[string(sqstypes.MessageSystemAttributeNameAWSTraceHeader)]; trace != "" {
		e.MessageSystemAttributes = map[string]sqstypes.MessageSystemAttributeValue{
			string(sqstypes.MessageSystemAttributeNameForSendsAWSTraceHeader): {DataType: aws.String("String"), StringValue: aws.String(trace)}}
	}
	if !fifo {
		return e, nil
	}
	group := m.Attributes[string(sqstypes.MessageSystemAttributeNameMessageGroupId)]
	if group == "" {
		return e, fmt.Errorf("the destination is FIFO but the message has no message group id")
	}
	e.MessageGroupId = aws.String(group)
	dedup := m.Attributes[string(sqstypes.MessageSystemAttributeNameMessageDeduplicationId)]
	if dedup == "" {
		dedup = aws.ToString(m.MessageId)
	}
	e.MessageDeduplicationId = aws.String(dedup)
	return e, nil
}
