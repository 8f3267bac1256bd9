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

// The behaviours of SQS that localaws once lacked, each held against a
// restart where the state it keeps must survive one.

func TestQueueDeletedRecently(t *testing.T) {
	t.Parallel()
	e, dir, clock := clockedEnv(t)
	ctx := ctxT(t)
	create := func(e *testEnv, name string) error {
		_, err := e.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(name)})
		return err
	}
	for _, name := range []string{"in-snapshot", "after-snapshot"} {
		if err := create(e, name); err != nil {
			t.Fatal(err)
		}
		url := e.svc.queueURL(name)
		if _, err := e.client.DeleteQueue(ctx, &awssqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
			t.Fatal(err)
		}
		if name == "in-snapshot" {
			// One name's deletion is in the snapshot, the other's in a record after it.
			if err := e.svc.Checkpoint(); err != nil {
				t.Fatal(err)
			}
		}
	}
	var held *types.QueueDeletedRecently
	clock.Advance(59 * time.Second)
	if err := create(e, "in-snapshot"); !errorsAs(err, &held) {
		t.Fatalf("CreateQueue 59 s after DeleteQueue: %v, want QueueDeletedRecently", err)
	}
	if err := create(e, "other"); err != nil {
		t.Fatalf("another name: %v", err)
	}
	e2 := restarted(t, dir, clock)
	for _, name := range []string{"in-snapshot", "after-snapshot"} {
		if err := create(e2, name); !errorsAs(err, &held) {
			t.Fatalf("CreateQueue %s after a restart: %v, want QueueDeletedRecently", name, err)
		}
	}
	clock.Advance(time.Second)
	for _, name := range []string{"in-snapshot", "after-snapshot"} {
		if err := create(e2, name); err != nil {
			t.Fatalf("CreateQueue %s 60 s after DeleteQueue: %v", name, err)
		}
	}
}

// TestVisibilityCappedAt12Hours checks that a message stays in flight at
// most 12 hours after the receive, however its visibility is changed, and
// that the receive's time survives a restart.
func TestVisibilityCappedAt12Hours(t *testing.T) {
	t.Parallel()
	e, dir, clock := clockedEnv(t)
	ctx := ctxT(t)
	url := mustQueue(t, e, "capped")
	e.send(t, url, "a", "b")
	// One receive in the snapshot, the other in a record after it.
	var got []types.Message
	for range 2 {
		out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, VisibilityTimeout: 43200})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("receive: %v %v", out, err)
		}
		got = append(got, out.Messages...)
		if len(got) == 1 {
			if err := e.svc.Checkpoint(); err != nil {
				t.Fatal(err)
			}
		}
	}
	change := func(e *testEnv, m types.Message, seconds int32) error {
		url := e.svc.queueURL("capped")
		_, err := e.client.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: &url,
			ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: seconds})
		return err
	}
	if err := change(e, got[0], 43200); err != nil {
		t.Fatalf("12 hours from the receive: %v", err)
	}
	clock.Advance(time.Hour)
	if err := change(e, got[0], 39600); err != nil {
		t.Fatalf("11 hours an hour after the receive: %v", err)
	}
	e2 := restarted(t, dir, clock)
	for _, m := range got {
		if err := change(e2, m, 39601); err == nil || !strings.Contains(err.Error(), "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]") {
			t.Fatalf("past 12 hours after a restart: %v", err)
		}
		if err := change(e2, m, 39600); err != nil {
			t.Fatalf("up to 12 hours after a restart: %v", err)
		}
	}
	url2 := e2.svc.queueURL("capped")
	batch, err := e2.client.ChangeMessageVisibilityBatch(ctx, &awssqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url2,
		Entries: []types.ChangeMessageVisibilityBatchRequestEntry{{Id: aws.String("x"), ReceiptHandle: got[1].ReceiptHandle, VisibilityTimeout: 40000}}})
	if err != nil || len(batch.Failed) != 1 || aws.ToString(batch.Failed[0].Code) != "InvalidParameterValue" {
		t.Fatalf("batch past 12 hours: %+v %v", batch, err)
	}
}

// TestRedriveKeepsReceiveCount checks that a message moved to its
// dead-letter queue goes on counting its receives there, a restart between.
func TestRedriveKeepsReceiveCount(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newEnv(t, envOptions{dir: dir})
	ctx := ctxT(t)
	mustQueue(t, e, "kept-dlq")
	src, err := e.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("kept"), Attributes: map[string]string{
		"VisibilityTimeout": "0", "RedrivePolicy": `{"deadLetterTargetArn":"` + e.svc.queueARN("kept-dlq") + `","maxReceiveCount":1}`}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: src.QueueUrl, MessageBody: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	for want := 1; want >= 0; want-- { // the second receive moves it
		out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: src.QueueUrl, WaitTimeSeconds: 1})
		if err != nil || len(out.Messages) != want {
			t.Fatalf("receive from the source: %+v %v, want %d messages", out, err, want)
		}
	}
	e2 := newEnv(t, envOptions{dir: copyDir(t, dir)})
	url := e2.svc.queueURL("kept-dlq")
	out, err := e2.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}})
	if err != nil || len(out.Messages) != 1 || out.Messages[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("from the dead-letter queue after a restart: %+v %v, want one message received twice", out, err)
	}
}

// TestPermissionsSurviveRestart checks that what AddPermission grants is
// in the queue's Policy after a restart.
func TestPermissionsSurviveRestart(t *testing.T) {
	t.Parallel()
	e, dir, clock := clockedEnv(t)
	ctx := ctxT(t)
	url := mustQueue(t, e, "granted")
	if _, err := e.client.AddPermission(ctx, &awssqs.AddPermissionInput{QueueUrl: &url, Label: aws.String("l1"),
		AWSAccountIds: []string{"111122223333", "444455556666"}, Actions: []string{"SendMessage"}}); err != nil {
		t.Fatal(err)
	}
	e2 := restarted(t, dir, clock)
	url2 := e2.svc.queueURL("granted")
	out, err := e2.client.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: &url2, AttributeNames: []types.QueueAttributeName{"Policy"}})
	want := `{"Id":"arn:aws:sqs:us-east-1:000000000000:granted/SQSDefaultPolicy","Statement":[{"Sid":"l1","Effect":"Allow",` +
		`"Principal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::444455556666:root"]},"Action":"SQS:SendMessage",` +
		`"Resource":"arn:aws:sqs:us-east-1:000000000000:granted"}],"Version":"2012-10-17"}`
	if err != nil || out.Attributes["Policy"] != want {
		t.Fatalf("Policy after a restart: %v %v, want %s", out.Attributes["Policy"], err, want)
	}
}

// TestReceiveRequestAttemptID checks that a FIFO receive retried with its
// ReceiveRequestAttemptId answers the same messages and receipt handles and
// restarts their visibility, until one of them changes.
func TestReceiveRequestAttemptID(t *testing.T) {
	t.Parallel()
	e, _, clock := clockedEnv(t)
	ctx := ctxT(t)
	q, err := e.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("attempts.fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct{ group, body string }{{"a", "a1"}, {"a", "a2"}, {"b", "b1"}} {
		if _, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(m.body),
			MessageGroupId: aws.String(m.group)}); err != nil {
			t.Fatal(err)
		}
	}
	receive := func(attempt string) []string {
		t.Helper()
		in := &awssqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30}
		if attempt != "" {
			in.ReceiveRequestAttemptId = &attempt
		}
		out, err := e.client.ReceiveMessage(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range out.Messages {
			got = append(got, *m.Body+" "+*m.ReceiptHandle)
		}
		return got
	}
	first := receive("try-1")
	if len(first) != 3 {
		t.Fatalf("first receive %v", first)
	}
	clock.Advance(20 * time.Second)
	if again := receive("try-1"); strings.Join(again, ",") != strings.Join(first, ",") {
		t.Fatalf("retry answered %v, want %v", again, first)
	}
	if other := receive("try-2"); len(other) != 0 {
		t.Fatalf("another attempt got %v while all are in flight", other)
	}
	clock.Advance(20 * time.Second) // 40 s after the receive: the retry restarted the 30 s
	if other := receive(""); len(other) != 0 {
		t.Fatalf("got %v: the retry did not restart the visibility timeout", other)
	}
	url := *q.QueueUrl
	if _, err := e.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: &url,
		ReceiptHandle: aws.String(strings.Fields(first[2])[1])}); err != nil {
		t.Fatal(err)
	}
	if again := receive("try-1"); len(again) != 0 {
		t.Fatalf("retry after a delete answered %v, want a new receive (nothing receivable)", again)
	}
	_, err = e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, ReceiveRequestAttemptId: aws.String("no spaces")})
	if err == nil || !strings.Contains(err.Error(), "ReceiveRequestAttemptId") {
		t.Fatalf("attempt id with a space: %v", err)
	}
}

// TestMoveTaskHistorySurvivesRestart checks that a restart finds the move
// tasks of a dead-letter queue, finished or not, and resumes a running one.
func TestMoveTaskHistorySurvivesRestart(t *testing.T) {
	t.Parallel()
	e, dir, clock := clockedEnv(t) // tasks move on the engine's ticks, whatever its clock says
	ctx := ctxT(t)
	dlq := mustQueue(t, e, "mt-dlq")
	mustQueue(t, e, "mt-dst")
	dlqARN, dstARN := e.svc.queueARN("mt-dlq"), e.svc.queueARN("mt-dst")
	if _, err := e.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("mt-src"),
		Attributes: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":1}`}}); err != nil {
		t.Fatal(err)
	}
	fill := func(n int) {
		for range n {
			if _, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: &dlq, MessageBody: aws.String("m")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	list := func(e *testEnv) []types.ListMessageMoveTasksResultEntry {
		t.Helper()
		out, err := e.client.ListMessageMoveTasks(ctx, &awssqs.ListMessageMoveTasksInput{SourceArn: &dlqARN, MaxResults: aws.Int32(10)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Results
	}
	start := func(rate int32) *string {
		out, err := e.client.StartMessageMoveTask(ctx, &awssqs.StartMessageMoveTaskInput{SourceArn: &dlqARN, DestinationArn: &dstARN,
			MaxNumberOfMessagesPerSecond: &rate})
		if err != nil {
			t.Fatal(err)
		}
		return out.TaskHandle
	}
	fill(3)
	start(500)
	for deadline := time.Now().Add(30 * time.Second); aws.ToString(list(e)[0].Status) != "COMPLETED"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("first task: %+v", list(e))
		}
	}
	if err := e.svc.Checkpoint(); err != nil { // the first task in the snapshot, the others after it
		t.Fatal(err)
	}
	fill(20)
	if _, err := e.client.CancelMessageMoveTask(ctx, &awssqs.CancelMessageMoveTaskInput{TaskHandle: start(1)}); err != nil {
		t.Fatal(err)
	}
	running := start(1)

	e2 := restarted(t, dir, clock)
	got := list(e2)
	if len(got) != 3 || aws.ToString(got[0].Status) != "RUNNING" || aws.ToString(got[0].TaskHandle) != aws.ToString(running) ||
		aws.ToString(got[1].Status) != "CANCELLED" || aws.ToString(got[2].Status) != "COMPLETED" || got[2].ApproximateNumberOfMessagesMoved != 3 ||
		aws.ToString(got[2].DestinationArn) != dstARN || got[0].MaxNumberOfMessagesPerSecond == nil || *got[0].MaxNumberOfMessagesPerSecond != 1 {
		t.Fatalf("tasks after a restart: %+v", got)
	}
	moved := got[0].ApproximateNumberOfMessagesMoved
	for deadline := time.Now().Add(30 * time.Second); list(e2)[0].ApproximateNumberOfMessagesMoved <= moved; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the running task did not resume: %+v", list(e2))
		}
	}
}
