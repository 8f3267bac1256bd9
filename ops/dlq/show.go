package dlq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// maxBatch is SQS's limit of messages per receive and per batch call.
const maxBatch = 10

// Show returns up to max messages of queue (a name, URL or ARN) without
// consuming them: they are received with a short visibility timeout and,
// once collected, made visible again at once (also when ctx ends). Each
// shown message's receive count goes up by one. max <= 0 means 10.
func (t *Tool) Show(ctx context.Context, queue string, max int, obs Observer) ([]Message, Summary, error) {
	obs = observerOr(obs)
	sum := Summary{Operation: "show", Queue: queue}
	q, err := t.resolve(ctx, queue)
	if err != nil {
		return nil, sum, beforeStart(err)
	}
	sum.Queue = q.Name
	if max <= 0 {
		max = maxBatch
	}
	visible, _ := q.count()
	obs.Planned(min(visible, int64(max)))
	msgs, err := t.peek(ctx, q, max)
	for _, m := range msgs {
		obs.Done(Outcome{Action: ActionShown, MessageID: m.ID})
	}
	sum.Shown = int64(len(msgs))
	if err != nil {
		sum.Failed = 1
		sum.Errors = append(sum.Errors, err.Error())
	}
	return msgs, sum, err
}

// peek receives up to max distinct messages and releases them all.
func (t *Tool) peek(ctx context.Context, q queueRef, max int) (msgs []Message, err error) {
	var handles []string
	defer func() {
		err = errors.Join(err, t.release(ctx, q.URL, handles))
	}()
	seen := map[string]bool{}
	for idle := 0; len(msgs) < max && idle < t.cfg.IdleReceives; {
		out, err := t.cfg.Client.ReceiveMessage(ctx, t.receiveInput(q, min(maxBatch, max-len(msgs)), t.cfg.PeekVisibility))
		if err != nil {
			return msgs, fmt.Errorf("receiving from %s: %w", q.Name, err)
		}
		fresh := false
		for _, m := range out.Messages {
			handles = append(handles, aws.ToString(m.ReceiptHandle))
			id := aws.ToString(m.MessageId)
			if seen[id] || len(msgs) == max {
				continue
			}
			seen[id] = true
			fresh = true
			msgs = append(msgs, View(m))
		}
		if fresh {
			idle = 0
		} else {
			idle++
		}
	}
	return msgs, nil
}

func (t *Tool) receiveInput(q queueRef, n int, visibility time.Duration) *sqs.ReceiveMessageInput {
	return &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(q.URL),
		MaxNumberOfMessages:         int32(n),
		VisibilityTimeout:           seconds(visibility),
		WaitTimeSeconds:             seconds(t.cfg.WaitTime),
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
	}
}

// release makes the messages of handles visible again. It keeps going
// after ctx ended, for up to CallTimeout, so that an interrupted operation
// does not leave messages hidden.
func (t *Tool) release(ctx context.Context, url string, handles []string) error {
	if len(handles) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.cfg.CallTimeout)
	defer cancel()
	var errs []error
	for len(handles) > 0 {
		n := min(maxBatch, len(handles))
		in := &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url)}
		for i, h := range handles[:n] {
			in.Entries = append(in.Entries, sqstypes.ChangeMessageVisibilityBatchRequestEntry{
				Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(h), VisibilityTimeout: 0})
		}
		handles = handles[n:]
		out, err := t.cfg.Client.ChangeMessageVisibilityBatch(ctx, in)
		if err != nil {
			errs = append(errs, fmt.Errorf("releasing messages: %w", err))
			continue
		}
		for _, f := range out.Failed {
			// A handle that is no longer valid belongs to a message
			// received again or deleted since: nothing to release.
			if aws.ToString(f.Code) == "ReceiptHandleIsInvalid" || aws.ToString(f.Code) == "MessageNotInflight" {
				continue
			}
			errs = append(errs, fmt.Errorf("releasing a message: %s: %s", aws.ToString(f.Code), aws.ToString(f.Message)))
		}
	}
	return errors.Join(errs...)
}
