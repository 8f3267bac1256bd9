package events

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// local is the in-process localaws every integration test of this package
// shares (in memory, loopback only).
var local *localaws.Server

func TestMain(m *testing.M) {
	localawstest.Main(m, localaws.Config{NoSync: true, Logger: testlog.Quiet()}, &local)
}

func awsConfig() aws.Config {
	return localawstest.Config(local.URL())
}

func newSQSClient() *sqs.Client { return sqs.NewFromConfig(awsConfig()) }

func newEventBridgeClient() *eventbridge.Client { return eventbridge.NewFromConfig(awsConfig()) }

// testQueue is a queue (and maybe its DLQ) made for one test.
type testQueue struct {
	name, url, arn string
	dlqURL         string
}

// newQueue creates a queue with the given visibility timeout; with
// maxReceive > 0 it also gets a DLQ with that redrive policy.
func newQueue(t testing.TB, visibility time.Duration, maxReceive int) testQueue {
	t.Helper()
	ctx := context.Background()
	c := newSQSClient()
	q := testQueue{name: localawstest.FreshName(t, "q")}
	attrs := map[string]string{"VisibilityTimeout": strconv.Itoa(int(visibility / time.Second))}
	if maxReceive > 0 {
		dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(q.name + "-dlq")})
		if err != nil {
			t.Fatalf("creating dlq: %v", err)
		}
		q.dlqURL = aws.ToString(dlq.QueueUrl)
		rp, _ := json.Marshal(map[string]any{"deadLetterTargetArn": queueARN(t, q.dlqURL), "maxReceiveCount": maxReceive})
		attrs["RedrivePolicy"] = string(rp)
	}
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(q.name), Attributes: attrs})
	if err != nil {
		t.Fatalf("creating queue: %v", err)
	}
	q.url = aws.ToString(out.QueueUrl)
	q.arn = queueARN(t, q.url)
	return q
}

func queueARN(t testing.TB, url string) string {
	t.Helper()
	out, err := newSQSClient().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("queue arn: %v", err)
	}
	return out.Attributes["QueueArn"]
}

// queueDepth returns visible + in-flight + delayed messages of a queue.
func queueDepth(t testing.TB, url string) int {
	t.Helper()
	out, err := newSQSClient().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatalf("queue attributes: %v", err)
	}
	n := 0
	for _, k := range []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"} {
		v, _ := strconv.Atoi(out.Attributes[k])
		n += v
	}
	return n
}

// sendBodies sends bodies to the queue in batches of 10.
func sendBodies(t testing.TB, url string, bodies []string) {
	t.Helper()
	c := newSQSClient()
	for len(bodies) > 0 {
		n := min(10, len(bodies))
		in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(url)}
		for i, b := range bodies[:n] {
			in.Entries = append(in.Entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(b)})
		}
		out, err := c.SendMessageBatch(context.Background(), in)
		if err != nil || len(out.Failed) > 0 {
			t.Fatalf("sending: %v %v", err, out)
		}
		bodies = bodies[n:]
	}
}

// receiveAll drains the queue with plain SDK calls until want messages came
// or the deadline passed, deleting what it reads.
func receiveAll(t testing.TB, url string, want int, within time.Duration) []sqstypes.Message {
	t.Helper()
	c := newSQSClient()
	var got []sqstypes.Message
	deadline := time.Now().Add(within)
	for len(got) < want && time.Now().Before(deadline) {
		out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
			MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: []string{"All"},
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Fatalf("receiving: %v", err)
		}
		for _, m := range out.Messages {
			got = append(got, m)
			if _, err := c.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatalf("deleting: %v", err)
			}
		}
	}
	return got
}

// eventually polls cond every 50ms until it holds or within passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
