package dlq

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// local is the in-process localaws every test of this package shares.
var local *localaws.Server

func TestMain(m *testing.M) {
	localawstest.Main(m, localaws.Config{NoSync: true, Logger: testlog.Quiet()}, &local)
}

// client returns the shared SDK client (one connection pool for all tests).
func client() *sqs.Client {
	sharedOnce.Do(func() {
		shared = sqs.NewFromConfig(localawstest.Config(local.URL()))
	})
	return shared
}

var (
	sharedOnce sync.Once
	shared     *sqs.Client
)

func newTool(t testing.TB, mod func(*Config)) *Tool {
	t.Helper()
	cfg := Config{Client: client(), Logger: testlog.Quiet(), HoldVisibility: 30 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	tool, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tool
}

// pair is a source queue and its DLQ.
type pair struct {
	src, dlq       string // URLs
	srcARN, dlqARN string
	srcName        string
	dlqName        string
}

// newPair creates a DLQ and a source queue redriving to it after
// maxReceive receives. fifo makes both FIFO queues.
func newPair(t testing.TB, maxReceive int, fifo bool) pair {
	t.Helper()
	ctx := context.Background()
	c := client()
	base := localawstest.FreshName(t, "q")
	suffix, attrs := "", map[string]string{}
	if fifo {
		suffix = ".fifo"
		attrs["FifoQueue"] = "true"
	}
	var p pair
	p.dlqName = base + "-dlq" + suffix
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(p.dlqName), Attributes: attrs})
	if err != nil {
		t.Fatalf("creating dlq: %v", err)
	}
	p.dlq = aws.ToString(out.QueueUrl)
	p.dlqARN = arnOf(t, p.dlq)
	rp, _ := json.Marshal(map[string]any{"deadLetterTargetArn": p.dlqARN, "maxReceiveCount": maxReceive})
	srcAttrs := map[string]string{"RedrivePolicy": string(rp), "VisibilityTimeout": "30"}
	for k, v := range attrs {
		srcAttrs[k] = v
	}
	p.srcName = base + suffix
	out, err = c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(p.srcName), Attributes: srcAttrs})
	if err != nil {
		t.Fatalf("creating queue: %v", err)
	}
	p.src = aws.ToString(out.QueueUrl)
	p.srcARN = arnOf(t, p.src)
	return p
}

// newQueue creates a plain queue.
func newQueue(t testing.TB, fifo bool) string {
	t.Helper()
	name, attrs := localawstest.FreshName(t, "plain"), map[string]string{}
	if fifo {
		name += ".fifo"
		attrs["FifoQueue"] = "true"
	}
	out, err := client().CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("creating queue: %v", err)
	}
	return aws.ToString(out.QueueUrl)
}

func arnOf(t testing.TB, url string) string {
	t.Helper()
	out, err := client().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("queue arn: %v", err)
	}
	return out.Attributes["QueueArn"]
}

// counts returns a queue's visible and not-visible messages.
func counts(t testing.TB, url string) (visible, inFlight int) {
	t.Helper()
	out, err := client().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatalf("queue attributes: %v", err)
	}
	visible, _ = strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
	inFlight, _ = strconv.Atoi(out.Attributes["ApproximateNumberOfMessagesNotVisible"])
	return visible, inFlight
}

// msg is a message to send.
type msg struct {
	body  string
	attrs map[string]string
	group string
	dedup string
}

func send(t testing.TB, url string, msgs ...msg) {
	t.Helper()
	c := client()
	for len(msgs) > 0 {
		n := min(10, len(msgs))
		in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(url)}
		for i, m := range msgs[:n] {
			e := sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(m.body)}
			for k, v := range m.attrs {
				if e.MessageAttributes == nil {
					e.MessageAttributes = map[string]sqstypes.MessageAttributeValue{}
				}
				e.MessageAttributes[k] = sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
			}
			if m.group != "" {
				e.MessageGroupId = aws.String(m.group)
				e.MessageDeduplicationId = aws.String(m.dedup)
			}
			in.Entries = append(in.Entries, e)
		}
		out, err := c.SendMessageBatch(context.Background(), in)
		if err != nil || len(out.Failed) > 0 {
			t.Fatalf("sending: %v %+v", err, out)
		}
		msgs = msgs[n:]
	}
}

// killToDLQ receives every message of p.src maxReceive+1 times without
// deleting it, so that SQS moves them all to the DLQ, and waits until the
// DLQ holds want messages.
func killToDLQ(t testing.TB, p pair, want int) {
	t.Helper()
	c := client()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if v, f := counts(t, p.dlq); v+f >= want {
			return
		}
		if time.Now().After(deadline) {
			v, f := counts(t, p.dlq)
			t.Fatalf("dlq holds %d+%d messages, want %d", v, f, want)
		}
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(p.src), MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatalf("receiving: %v", err)
		}
		// Visible again at once, so the next receive counts once more.
		in := &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(p.src)}
		for i, m := range out.Messages {
			in.Entries = append(in.Entries, sqstypes.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
		if len(in.Entries) > 0 {
			if _, err := c.ChangeMessageVisibilityBatch(ctx, in); err != nil {
				t.Fatalf("releasing: %v", err)
			}
		}
	}
}

// drain receives and deletes every message of url, returning them.
func drain(t testing.TB, url string) []sqstypes.Message {
	t.Helper()
	c := client()
	ctx := context.Background()
	var all []sqstypes.Message
	for empty := 0; empty < 2; {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
			WaitTimeSeconds: 1, MessageAttributeNames: []string{"All"},
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Fatalf("receiving: %v", err)
		}
		if len(out.Messages) == 0 {
			empty++
			continue
		}
		empty = 0
		for _, m := range out.Messages {
			all = append(all, m)
			if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatalf("deleting: %v", err)
			}
		}
	}
	return all
}

func bodies(msgs []sqstypes.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, aws.ToString(m.Body))
	}
	return out
}

// envelope is an EventBridge-shaped body.
func envelope(id, source, detailType string) string {
	return fmt.Sprintf(`{"version":"0","id":%q,"detail-type":%q,"source":%q,"account":"000000000000","time":"2026-03-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{"n":%q}}`,
		id, detailType, source, strings.ToLower(id))
}

// recorder is an Observer that counts outcomes.
type recorder struct {
	ch chan Outcome
}

func newRecorder() *recorder       { return &recorder{ch: make(chan Outcome, 100000)} }
func (r *recorder) Planned(int64)  {}
func (r *recorder) Done(o Outcome) { r.ch <- o }
func (r *recorder) outcomes() []Outcome {
	var out []Outcome
	for {
		select {
		case o := <-r.ch:
			out = append(out, o)
		default:
			return out
		}
	}
}
