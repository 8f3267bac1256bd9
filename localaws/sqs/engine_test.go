package sqs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestRetentionExpiry(t *testing.T) {
	t.Parallel()
	e, _, clk := clockedEnv(t)
	ctx := ctxT(t)
	url := mustQueue(t, e, "expiry")
	if _, err := e.client.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: &url,
		Attributes: map[string]string{"MessageRetentionPeriod": "60"}}); err != nil {
		t.Fatal(err)
	}
	e.send(t, url, "old", "old2")
	// One of them in flight: it expires too.
	if out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url}); err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %v", err)
	}
	clk.Advance(59 * time.Second)
	e.send(t, url, "young")
	clk.Advance(2 * time.Second)
	attrs, err := e.client.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["ApproximateNumberOfMessages"] != "1" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("after expiry: %v", attrs.Attributes)
	}
	out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
	if err != nil || len(out.Messages) != 1 || *out.Messages[0].Body != "young" {
		t.Fatalf("after expiry received %v %v", out, err)
	}
}

func TestStaleReceiptHandle(t *testing.T) {
	t.Parallel()
	e, _, clk := clockedEnv(t)
	ctx := ctxT(t)
	url := mustQueue(t, e, "stale")
	e.send(t, url, "m")
	first, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, VisibilityTimeout: 5})
	if err != nil || len(first.Messages) != 1 {
		t.Fatal(err)
	}
	clk.Advance(6 * time.Second)
	second, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, VisibilityTimeout: 5})
	if err != nil || len(second.Messages) != 1 {
		t.Fatal(err)
	}
	// The old handle: delete succeeds but deletes nothing (AWS documents this),
	// visibility change is refused.
	if _, err := e.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: first.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: first.Messages[0].ReceiptHandle, VisibilityTimeout: 0})
	if err == nil || !strings.Contains(err.Error(), "InvalidParameterValue") {
		t.Fatalf("stale visibility change: %v", err)
	}
	clk.Advance(6 * time.Second)
	third, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}})
	if err != nil || len(third.Messages) != 1 || third.Messages[0].Attributes["ApproximateReceiveCount"] != "3" {
		t.Fatalf("third receive: %+v %v", third, err)
	}
	// Not in flight any more after its visibility ends.
	clk.Advance(31 * time.Second)
	_, err = e.client.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: third.Messages[0].ReceiptHandle, VisibilityTimeout: 10})
	var notInflight *types.MessageNotInflight
	if !errorsAs(err, &notInflight) {
		t.Fatalf("want MessageNotInflight, got %v", err)
	}
	// The latest handle deletes even after visibility ended.
	if _, err := e.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: third.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if q := e.svc.lookupName("stale"); len(q.msgs) != 0 {
		t.Fatalf("%d messages left", len(q.msgs))
	}
}

func TestFIFODedupWindow(t *testing.T) {
	t.Parallel()
	e, _, clk := clockedEnv(t)
	ctx := ctxT(t)
	out, err := e.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("d.fifo"), Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	send := func() string {
		r, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String("x"),
			MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("same")})
		if err != nil {
			t.Fatal(err)
		}
		return *r.MessageId
	}
	a := send()
	clk.Advance(4 * time.Minute)
	if b := send(); b != a {
		t.Fatal("duplicate inside the window accepted")
	}
	clk.Advance(90 * time.Second)
	if c := send(); c == a {
		t.Fatal("send after the window deduplicated")
	}
}

func TestSendInternal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := ctxT(t)
	url := mustQueue(t, e, "internal")
	q := e.svc.lookupName("internal")
	id, err := e.svc.SendInternal(ctx, q.arn, `{"detail":{}}`, map[string]string{"ERROR_CODE": "x"}, "", "")
	if err != nil || id == "" {
		t.Fatal(err)
	}
	if _, err := e.svc.SendInternal(ctx, q.arn+"-missing", "b", nil, "", ""); !errorsAs(err, new(error)) || !isNotFound(err) {
		t.Fatalf("want ErrQueueNotFound, got %v", err)
	}
	out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, MessageAttributeNames: []string{"All"}})
	if err != nil || len(out.Messages) != 1 || *out.Messages[0].MessageId != id || *out.Messages[0].MessageAttributes["ERROR_CODE"].StringValue != "x" {
		t.Fatalf("received %+v %v", out, err)
	}
}

func TestChecksumOfAttributes(t *testing.T) {
	t.Parallel()
	// Reference value from AWS's documentation example algorithm, computed
	// independently: one String attribute.
	got := md5OfAttributes([]msgAttr{{name: "a", dataType: "String", str: "b"}})
	// name len 1 "a", type len 6 "String", 0x01, value len 1 "b"
	want := md5Hex("\x00\x00\x00\x01a\x00\x00\x00\x06String\x01\x00\x00\x00\x01b")
	if got != want {
		t.Fatalf("md5 %s want %s", got, want)
	}
}

func TestReceiptRoundTrip(t *testing.T) {
	t.Parallel()
	h := encodeReceipt(7, 123456789, 3)
	q, s, rc, ok := decodeReceipt(h)
	if !ok || q != 7 || s != 123456789 || rc != 3 {
		t.Fatalf("decoded %d %d %d %v", q, s, rc, ok)
	}
	for _, bad := range []string{"", "AQEB", h[:len(h)-1], h[:10] + "A" + h[11:], "garbage"} {
		if _, _, _, ok := decodeReceipt(bad); ok && bad != h {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestValidNumber(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"1": true, "-1.5": true, "1e10": true, ".5": true, "5.": true, "": false, "abc": false,
		"1e": false, "--1": false, strings.Repeat("9", 38): true, strings.Repeat("9", 39): false} {
		if validNumber(s) != want {
			t.Errorf("validNumber(%q) = %v", s, !want)
		}
	}
}

func isNotFound(err error) bool { return errorsIs(err, ErrQueueNotFound) }

var _ = context.Background

func TestSmokeSendReceiveDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := ctxT(t)
	cq, err := e.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("smoke")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: cq.QueueUrl, MessageBody: aws.String("hello \"world\" ✓"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"a": {DataType: aws.String("String"), StringValue: aws.String("x")},
			"b": {DataType: aws.String("Binary"), BinaryValue: []byte{1, 2, 3}},
			"n": {DataType: aws.String("Number.int"), StringValue: aws.String("42")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: cq.QueueUrl, MaxNumberOfMessages: 10,
		MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 || *out.Messages[0].Body != "hello \"world\" ✓" {
		t.Fatalf("got %+v", out.Messages)
	}
	t.Logf("attrs %v", out.Messages[0].Attributes)
	if _, err := e.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: cq.QueueUrl, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String("nope")})
	var qdne *types.QueueDoesNotExist
	if !errorsAs(err, &qdne) {
		t.Fatalf("want QueueDoesNotExist, got %T %v", err, err)
	}
	t.Log(err)
}
