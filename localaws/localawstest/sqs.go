package localawstest

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Queue is a queue a test created.
type Queue struct{ Name, URL, ARN string }

// CreateQueue creates the queue name with attrs (a FIFO queue when name
// ends in ".fifo") and returns it with its ARN.
func CreateQueue(tb testing.TB, c *sqs.Client, name string, attrs map[string]string) Queue {
	tb.Helper()
	if strings.HasSuffix(name, ".fifo") {
		attrs = withAttr(attrs, "FifoQueue", "true")
	}
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		tb.Fatalf("creating queue %s: %v", name, err)
	}
	url := aws.ToString(out.QueueUrl)
	return Queue{Name: name, URL: url, ARN: QueueARN(tb, c, url)}
}

// CreateRedrivenQueue creates the dead-letter queue base+"-dlq"+suffix and
// the queue base+suffix with attrs, which moves a message to the dead-letter
// queue after maxReceive receives; suffix is "" or ".fifo".
func CreateRedrivenQueue(tb testing.TB, c *sqs.Client, base, suffix string, maxReceive int, attrs map[string]string) (src, dlq Queue) {
	tb.Helper()
	dlq = CreateQueue(tb, c, base+"-dlq"+suffix, nil)
	policy, err := json.Marshal(map[string]any{"deadLetterTargetArn": dlq.ARN, "maxReceiveCount": maxReceive})
	if err != nil {
		tb.Fatal(err)
	}
	return CreateQueue(tb, c, base+suffix, withAttr(attrs, "RedrivePolicy", string(policy))), dlq
}

// withAttr returns a copy of attrs with k set to v.
func withAttr(attrs map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for a, b := range attrs {
		if a != k {
			out[a] = b
		}
	}
	return out
}

// AttributeReader is the part of an SQS client QueueARN and Counts use:
// aws-sdk-go-v2's *sqs.Client, or a test's adapter of another client.
type AttributeReader interface {
	GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// QueueARN returns the ARN of the queue at url.
func QueueARN(tb testing.TB, c AttributeReader, url string) string {
	tb.Helper()
	return attributes(tb, c, url, sqstypes.QueueAttributeNameQueueArn)["QueueArn"]
}

// Counts returns the queue's visible, in-flight and delayed messages.
func Counts(tb testing.TB, c AttributeReader, url string) (visible, inFlight, delayed int) {
	tb.Helper()
	attrs := attributes(tb, c, url, sqstypes.QueueAttributeNameAll)
	visible, _ = strconv.Atoi(attrs["ApproximateNumberOfMessages"])
	inFlight, _ = strconv.Atoi(attrs["ApproximateNumberOfMessagesNotVisible"])
	delayed, _ = strconv.Atoi(attrs["ApproximateNumberOfMessagesDelayed"])
	return visible, inFlight, delayed
}

func attributes(tb testing.TB, c AttributeReader, url string, name sqstypes.QueueAttributeName) map[string]string {
	tb.Helper()
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{name}})
	if err != nil {
		tb.Fatalf("queue attributes of %s: %v", url, err)
	}
	return out.Attributes
}

// Send sends entries to the queue at url in batches of ten, numbering
// their ids; it fails tb unless SQS accepted every one.
func Send(tb testing.TB, c *sqs.Client, url string, entries ...sqstypes.SendMessageBatchRequestEntry) {
	tb.Helper()
	for len(entries) > 0 {
		n := min(10, len(entries))
		in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: slices.Clone(entries[:n])}
		for i := range in.Entries {
			in.Entries[i].Id = aws.String(strconv.Itoa(i))
		}
		out, err := c.SendMessageBatch(context.Background(), in)
		if err != nil || len(out.Failed) > 0 {
			tb.Fatalf("sending to %s: %v %+v", url, err, out)
		}
		entries = entries[n:]
	}
}

// Bodies returns an entry for each body.
func Bodies(bodies ...string) []sqstypes.SendMessageBatchRequestEntry {
	out := make([]sqstypes.SendMessageBatchRequestEntry, len(bodies))
	for i, b := range bodies {
		out[i].MessageBody = aws.String(b)
	}
	return out
}

// drainVisibility is how long a message Drain received stays hidden: when
// the SDK loses a receive's answer (it happens under load), its messages
// come back this soon instead of after the queue's visibility timeout.
const drainVisibility = 5

// Drain receives (long polling, every attribute) and deletes the messages
// of the queue at url until it has want of them or within passes, then
// receives once more to catch any beyond want, and returns them all in
// the order received.
func Drain(tb testing.TB, c *sqs.Client, url string, want int, within time.Duration) []sqstypes.Message {
	tb.Helper()
	var got []sqstypes.Message
	for deadline := time.Now().Add(within); len(got) < want && time.Now().Before(deadline); {
		got = append(got, receiveAndDelete(tb, c, url)...)
	}
	return append(got, receiveAndDelete(tb, c, url)...)
}

func receiveAndDelete(tb testing.TB, c *sqs.Client, url string) []sqstypes.Message {
	tb.Helper()
	ctx := context.Background()
	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
		MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: drainVisibility, MessageAttributeNames: []string{"All"},
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
	if err != nil {
		tb.Fatalf("receiving from %s: %v", url, err)
	}
	for _, m := range out.Messages {
		if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
			tb.Fatalf("deleting from %s: %v", url, err)
		}
	}
	return out.Messages
}

// Bounce receives the messages of the queue at url without deleting them,
// each visible again at once, until done holds; it fails tb if done does
// not hold within (what names what it waits for). Each receive counts
// toward the queue's redrive policy, and a long poll returns as soon as a
// message arrives; what a lost answer hid is visible again after a second.
func Bounce(tb testing.TB, c *sqs.Client, url string, within time.Duration, what string, done func() bool) {
	tb.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(within); !done(); {
		if time.Now().After(deadline) {
			tb.Fatalf("waited %v for %s", within, what)
		}
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
			MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 1})
		if err != nil {
			tb.Fatalf("receiving from %s: %v", url, err)
		}
		if len(out.Messages) == 0 {
			continue
		}
		in := &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url)}
		for i, m := range out.Messages {
			in.Entries = append(in.Entries, sqstypes.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
				ReceiptHandle: m.ReceiptHandle})
		}
		if _, err := c.ChangeMessageVisibilityBatch(ctx, in); err != nil {
			tb.Fatalf("making the messages of %s visible again: %v", url, err)
		}
	}
}
