package conformance

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// The SQS half of the behaviour suite. Every test uses its own queues, so
// the suite can run against a shared endpoint (ElasticMQ, AWS).

// TestSQS runs the SQS suite once for each protocol SQS speaks, through a
// client of each (sqsClients): every test holds both to account.
func TestSQS(t *testing.T) {
	t.Parallel()
	suite := []struct {
		name string
		test func(*testing.T, sqsClient)
	}{
		{"QueueLifecycle", sqsQueueLifecycle},
		{"QueueAttributes", sqsQueueAttributes},
		{"Tags", sqsTags},
		{"MessageAttributesAndMD5", sqsMessageAttributesAndMD5},
		{"MessageValidation", sqsMessageValidation},
		{"Batches", sqsBatches},
		{"VisibilityAndReceipts", sqsVisibilityAndReceipts},
		{"LongPolling", sqsLongPolling},
		{"Purge", sqsPurge},
		{"FIFO", sqsFIFO},
		{"FIFOContentBasedDeduplication", sqsFIFOContentBasedDeduplication},
		{"FIFOOrderUnderLoad", sqsFIFOOrderUnderLoad},
		{"RedriveToDeadLetterQueue", sqsRedriveToDeadLetterQueue},
		{"RedriveAllowPolicy", sqsRedriveAllowPolicy},
		{"Permissions", sqsPermissions},
		{"MessageMoveTask", sqsMessageMoveTask},
	}
	for _, client := range sqsClients(t) {
		t.Run(client.protocol, func(t *testing.T) {
			t.Parallel()
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.test(t, client.c)
				})
			}
		})
	}
}

func sqsCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// sqsQueue creates a queue and deletes it when the test ends.
func sqsQueue(t *testing.T, c sqsClient, name string, attrs map[string]string) string {
	t.Helper()
	out, err := c.CreateQueue(sqsCtx(t), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl})
	})
	return *out.QueueUrl
}

// sqsRedriven creates a dead-letter queue and a source queue (visibility
// 0) that redrives to it after maxReceiveCount, a JSON value, receives.
func sqsRedriven(t *testing.T, c sqsClient, maxReceiveCount string) (src, dlq, dlqArn string) {
	t.Helper()
	dlq = sqsQueue(t, c, localawstest.FreshName(t, "dlq"), nil)
	dlqArn = localawstest.QueueARN(t, c, dlq)
	policy := fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":%s}`, dlqArn, maxReceiveCount)
	src = sqsQueue(t, c, localawstest.FreshName(t, "src"), map[string]string{"RedrivePolicy": policy, "VisibilityTimeout": "0"})
	return src, dlq, dlqArn
}

func sqsAttrs(t *testing.T, c sqsClient, url string, names ...types.QueueAttributeName) map[string]string {
	t.Helper()
	out, err := c.GetQueueAttributes(sqsCtx(t), &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: names})
	if err != nil {
		t.Fatalf("GetQueueAttributes: %v", err)
	}
	return out.Attributes
}

func sqsSend(t *testing.T, c sqsClient, url, body string) *sqs.SendMessageOutput {
	t.Helper()
	out, err := c.SendMessage(sqsCtx(t), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	return out
}

// sqsReceive receives with all system attributes and message attributes.
func sqsReceive(t *testing.T, c sqsClient, url string, max, wait int32, vis *int32) []types.Message {
	t.Helper()
	in := &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: max, WaitTimeSeconds: wait,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"}}
	if vis != nil {
		in.VisibilityTimeout = *vis
	}
	out, err := c.ReceiveMessage(sqsCtx(t), in)
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

// sqsReceiveN long-polls until n messages arrived or the deadline passed.
func sqsReceiveN(t *testing.T, c sqsClient, url string, n int, vis int32) []types.Message {
	t.Helper()
	var got []types.Message
	deadline := time.Now().Add(45 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		got = append(got, sqsReceive(t, c, url, int32(min(10, n-len(got))), 2, &vis)...)
	}
	if len(got) != n {
		t.Fatalf("received %d messages, want %d", len(got), n)
	}
	return got
}

func sqsDelete(t *testing.T, c sqsClient, url string, m types.Message) {
	t.Helper()
	if _, err := c.DeleteMessage(sqsCtx(t), &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
}

func wantAPIError(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s (%v)", code, ae.ErrorCode(), err)
	}
}

func wantErrorType[T error](t *testing.T, err error) {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("want %T, got %T: %v", target, err, err)
	}
}

// md5OfAttrs is AWS's documented MD5OfMessageAttributes algorithm.
func md5OfAttrs(attrs map[string]types.MessageAttributeValue) string {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	h := md5.New()
	lp := func(b []byte) {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(b)))
		h.Write(l[:])
		h.Write(b)
	}
	for _, n := range names {
		a := attrs[n]
		lp([]byte(n))
		lp([]byte(*a.DataType))
		if strings.HasPrefix(*a.DataType, "Binary") {
			h.Write([]byte{2})
			lp(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			lp([]byte(*a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sqsQueueLifecycle(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	name := localawstest.FreshName(t, "life")
	url := sqsQueue(t, c, name, map[string]string{"VisibilityTimeout": "45"})

	again, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: map[string]string{"VisibilityTimeout": "45"}})
	if err != nil || *again.QueueUrl != url {
		t.Fatalf("idempotent CreateQueue: %v %v", again, err)
	}
	_, err = c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Attributes: map[string]string{"VisibilityTimeout": "46"}})
	wantErrorType[*types.QueueNameExists](t, err)

	got, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
	if err != nil || *got.QueueUrl != url {
		t.Fatalf("GetQueueUrl: %v %v", got, err)
	}
	_, err = c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name + "-missing")})
	wantErrorType[*types.QueueDoesNotExist](t, err)

	for _, bad := range []string{"has space", "dot.name", strings.Repeat("a", 81)} {
		_, err = c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(bad)})
		wantAPIError(t, err, "InvalidParameterValue")
	}

	// A prefix shared by three queues, listed a page at a time.
	prefix := localawstest.FreshName(t, "list")
	for i := 0; i < 3; i++ {
		sqsQueue(t, c, fmt.Sprintf("%s-%d", prefix, i), nil)
	}
	var urls []string
	var token *string
	for page := 0; page < 5; page++ {
		out, err := c.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: &prefix, MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, out.QueueUrls...)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(urls) != 3 {
		t.Fatalf("ListQueues pages: %v", urls)
	}

	if _, err := c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	if !external() { // AWS deletes asynchronously, for up to 60 seconds
		_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")})
		wantErrorType[*types.QueueDoesNotExist](t, err)
		// The name stays taken for 60 seconds, as on AWS.
		_, err = c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name})
		wantErrorType[*types.QueueDeletedRecently](t, err)
	}
}

func sqsQueueAttributes(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	url := sqsQueue(t, c, localawstest.FreshName(t, "attrs"), nil)
	all := sqsAttrs(t, c, url, types.QueueAttributeNameAll)
	for k, want := range map[string]string{"VisibilityTimeout": "30", "DelaySeconds": "0",
		"MessageRetentionPeriod": "345600", "ReceiveMessageWaitTimeSeconds": "0", "ApproximateNumberOfMessages": "0"} {
		if all[k] != want {
			t.Errorf("%s = %q, want %q", k, all[k], want)
		}
	}
	for _, k := range []string{"QueueArn", "CreatedTimestamp", "LastModifiedTimestamp", "MaximumMessageSize"} {
		if all[k] == "" {
			t.Errorf("attribute %s missing", k)
		}
	}
	if !strings.HasPrefix(all["QueueArn"], "arn:aws:sqs:") {
		t.Errorf("QueueArn %q", all["QueueArn"])
	}

	_, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url,
		Attributes: map[string]string{"VisibilityTimeout": "5", "DelaySeconds": "1", "MessageRetentionPeriod": "60"}})
	if err != nil {
		t.Fatal(err)
	}
	got := sqsAttrs(t, c, url, "VisibilityTimeout", "DelaySeconds", "MessageRetentionPeriod")
	if got["VisibilityTimeout"] != "5" || got["DelaySeconds"] != "1" || got["MessageRetentionPeriod"] != "60" || len(got) != 3 {
		t.Fatalf("after SetQueueAttributes: %v", got)
	}

	for _, bad := range []map[string]string{{"VisibilityTimeout": "43201"}, {"MessageRetentionPeriod": "59"},
		{"DelaySeconds": "x"}, {"MaximumMessageSize": "1048577"}, {"RedrivePolicy": "not json"}} {
		_, err = c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: bad})
		if err == nil {
			t.Errorf("SetQueueAttributes %v: no error", bad)
		}
	}
	_, err = c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"NoSuchAttribute": "1"}})
	wantErrorType[*types.InvalidAttributeName](t, err)
	_, err = c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"NoSuchAttribute"}})
	wantErrorType[*types.InvalidAttributeName](t, err)

	// Approximate counts: one visible, one delayed, one in flight.
	if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"DelaySeconds": "0"}}); err != nil {
		t.Fatal(err)
	}
	sqsSend(t, c, url, "a")
	sqsSend(t, c, url, "b")
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("c"), DelaySeconds: 600}); err != nil {
		t.Fatal(err)
	}
	sqsReceiveN(t, c, url, 1, 600)
	counts := sqsAttrs(t, c, url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed")
	if !external() && (counts["ApproximateNumberOfMessages"] != "1" || counts["ApproximateNumberOfMessagesNotVisible"] != "1" || counts["ApproximateNumberOfMessagesDelayed"] != "1") {
		t.Fatalf("counts %v", counts)
	}
}

func sqsTags(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	name := localawstest.FreshName(t, "tags")
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name, Tags: map[string]string{"team": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	url := *out.QueueUrl
	t.Cleanup(func() { c.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: &url}) })
	if _, err := c.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: &url, Tags: map[string]string{"env": "dev", "team": "b"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: &url, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &url})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 1 || tags.Tags["team"] != "b" {
		t.Fatalf("tags %v", tags.Tags)
	}
}

// sqsPermissions checks that AddPermission and RemovePermission edit the
// queue's Policy, a statement per label.
func sqsPermissions(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	url := sqsQueue(t, c, localawstest.FreshName(t, "perm"), nil)
	arn := localawstest.QueueARN(t, c, url)
	account := strings.Split(arn, ":")[4] // the queue's own: AWS verifies the accounts named
	add := func(label string, actions ...string) error {
		_, err := c.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: &url, Label: &label, AWSAccountIds: []string{account}, Actions: actions})
		return err
	}
	policy := func() []map[string]any {
		var doc struct{ Statement []map[string]any }
		if p, ok := sqsAttrs(t, c, url, "Policy")["Policy"]; ok {
			if err := json.Unmarshal([]byte(p), &doc); err != nil {
				t.Fatalf("Policy %s: %v", p, err)
			}
		}
		return doc.Statement
	}
	if err := add("senders", "SendMessage"); err != nil {
		t.Fatal(err)
	}
	if err := add("workers", "ReceiveMessage", "DeleteMessage"); err != nil {
		t.Fatal(err)
	}
	got := policy()
	want := []map[string]any{
		{"Sid": "senders", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::" + account + ":root"},
			"Action": "SQS:SendMessage", "Resource": arn},
		{"Sid": "workers", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::" + account + ":root"},
			"Action": []any{"SQS:ReceiveMessage", "SQS:DeleteMessage"}, "Resource": arn},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Policy statements %v, want %v", got, want)
	}
	wantAPIError(t, add("senders", "SendMessage"), "InvalidParameterValue") // a label once
	wantAPIError(t, add("bad", "CreateQueue"), "InvalidParameterValue")     // not an action to grant
	remove := func(label string) error {
		_, err := c.RemovePermission(ctx, &sqs.RemovePermissionInput{QueueUrl: &url, Label: &label})
		return err
	}
	if err := remove("senders"); err != nil {
		t.Fatal(err)
	}
	if got := policy(); len(got) != 1 || got[0]["Sid"] != "workers" {
		t.Fatalf("after RemovePermission: %v", got)
	}
	wantAPIError(t, remove("senders"), "InvalidParameterValue")
	if err := remove("workers"); err != nil {
		t.Fatal(err)
	}
	if got := policy(); len(got) != 0 {
		t.Fatalf("after the last RemovePermission: %v", got)
	}
}

func sqsMessageAttributesAndMD5(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	url := sqsQueue(t, c, localawstest.FreshName(t, "mattr"), map[string]string{"VisibilityTimeout": "0"}) // the SDK cannot send a 0 override
	attrs := map[string]types.MessageAttributeValue{
		"color":      {DataType: aws.String("String"), StringValue: aws.String("blue ✓")},
		"count":      {DataType: aws.String("Number"), StringValue: aws.String("-12.5e3")},
		"blob":       {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2, 255}},
		"order.id":   {DataType: aws.String("String.uuid"), StringValue: aws.String("0f3c")},
		"order.kind": {DataType: aws.String("Binary.gz"), BinaryValue: []byte("gz")},
	}
	body := "{\"json\": \"with \\\"quotes\\\" and unicode ☃\"}\n\ttabs"
	sent, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body, MessageAttributes: attrs,
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{
			"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String("Root=1-5759e988-bd862e3fe1be46a994272793")}}})
	if err != nil {
		t.Fatal(err)
	}
	if *sent.MD5OfMessageAttributes != md5OfAttrs(attrs) {
		t.Fatalf("MD5OfMessageAttributes %s, want %s", *sent.MD5OfMessageAttributes, md5OfAttrs(attrs))
	}
	sum := md5.Sum([]byte(body))
	if *sent.MD5OfMessageBody != hex.EncodeToString(sum[:]) || sent.MD5OfMessageSystemAttributes == nil {
		t.Fatalf("send result %+v", sent)
	}

	// Exact name and prefix filters; the queue's visibility timeout is 0 so each receive sees it.
	for _, tc := range []struct {
		names []string
		want  []string
	}{
		{[]string{"color"}, []string{"color"}},
		{[]string{"order.*"}, []string{"order.id", "order.kind"}},
		{[]string{".*"}, []string{"blob", "color", "count", "order.id", "order.kind"}},
		{[]string{"All"}, []string{"blob", "color", "count", "order.id", "order.kind"}},
		{nil, nil},
	} {
		var msgs []types.Message
		for i := 0; i < 20 && len(msgs) == 0; i++ {
			out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, VisibilityTimeout: 0, WaitTimeSeconds: 1,
				MessageAttributeNames: tc.names, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"AWSTraceHeader", "SentTimestamp"}})
			if err != nil {
				t.Fatal(err)
			}
			msgs = out.Messages
		}
		if len(msgs) != 1 {
			t.Fatalf("filter %v: no message", tc.names)
		}
		m := msgs[0]
		var got []string
		sub := map[string]types.MessageAttributeValue{}
		for k := range m.MessageAttributes {
			got = append(got, k)
			sub[k] = attrs[k]
		}
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("filter %v: got %v want %v", tc.names, got, tc.want)
		}
		if len(sub) > 0 && aws.ToString(m.MD5OfMessageAttributes) != md5OfAttrs(sub) {
			t.Errorf("filter %v: MD5OfMessageAttributes %s, want %s", tc.names, aws.ToString(m.MD5OfMessageAttributes), md5OfAttrs(sub))
		}
		if *m.Body != body || m.Attributes["AWSTraceHeader"] == "" || m.Attributes["SentTimestamp"] == "" {
			t.Errorf("message %+v", m)
		}
		if v, ok := m.MessageAttributes["blob"]; ok && string(v.BinaryValue) != string([]byte{0, 1, 2, 255}) {
			t.Errorf("binary attribute %v", v.BinaryValue)
		}
	}
}

func sqsMessageValidation(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	url := sqsQueue(t, c, localawstest.FreshName(t, "valid"), nil)
	tooMany := map[string]types.MessageAttributeValue{}
	for i := 0; i < 11; i++ {
		tooMany[fmt.Sprintf("a%d", i)] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
	}
	cases := map[string]*sqs.SendMessageInput{
		"eleven attributes": {MessageBody: aws.String("x"), MessageAttributes: tooMany},
		"too large":         {MessageBody: aws.String(strings.Repeat("x", 1<<20+1))},
		"large with attrs": {MessageBody: aws.String(strings.Repeat("x", 1<<20-5)),
			MessageAttributes: map[string]types.MessageAttributeValue{"abc": {DataType: aws.String("String"), StringValue: aws.String("defgh")}}},
		"bad number":     {MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("12abc")}}},
		"bad type":       {MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Float"), StringValue: aws.String("1")}}},
		"reserved name":  {MessageBody: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"AWS.x": {DataType: aws.String("String"), StringValue: aws.String("1")}}},
		"delay too long": {MessageBody: aws.String("x"), DelaySeconds: 901},
	}
	for name, in := range cases {
		in.QueueUrl = &url
		_, err := c.SendMessage(ctx, in)
		wantAPIError(t, err, "InvalidParameterValue")
		_ = name
	}
	_, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("bad \x00 char")})
	wantErrorType[*types.InvalidMessageContents](t, err)

	// Exactly 1 MiB of body and attributes is accepted.
	out, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strings.Repeat("y", 1<<20-9)),
		MessageAttributes: map[string]types.MessageAttributeValue{"ab": {DataType: aws.String("String"), StringValue: aws.String("z")}}})
	if err != nil {
		t.Fatalf("1 MiB message: %v", err)
	}
	_ = out
	msgs := sqsReceiveN(t, c, url, 1, 30)
	if len(*msgs[0].Body) != 1<<20-9 {
		t.Fatalf("body of %d bytes", len(*msgs[0].Body))
	}
}

func batchEntries(n int, body string) []types.SendMessageBatchRequestEntry {
	es := make([]types.SendMessageBatchRequestEntry, n)
	for i := range es {
		es[i] = types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprintf("e%d", i)), MessageBody: aws.String(fmt.Sprintf("%s-%d", body, i))}
	}
	return es
}

func sqsBatches(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	url := sqsQueue(t, c, localawstest.FreshName(t, "batch"), nil)

	_, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{}})
	wantErrorType[*types.EmptyBatchRequest](t, err)
	_, err = c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: batchEntries(11, "x")})
	wantErrorType[*types.TooManyEntriesInBatchRequest](t, err)
	dup := batchEntries(2, "x")
	dup[1].Id = dup[0].Id
	_, err = c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: dup})
	wantErrorType[*types.BatchEntryIdsNotDistinct](t, err)
	badID := batchEntries(1, "x")
	badID[0].Id = aws.String("bad id!")
	_, err = c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: badID})
	wantErrorType[*types.InvalidBatchEntryId](t, err)
	big := batchEntries(2, strings.Repeat("z", 600_000))
	_, err = c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: big})
	wantErrorType[*types.BatchRequestTooLong](t, err)

	// One bad entry fails alone.
	es := batchEntries(3, "ok")
	es[1].MessageAttributes = map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("nan")}}
	out, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: es})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 2 || len(out.Failed) != 1 || *out.Failed[0].Id != "e1" || !out.Failed[0].SenderFault {
		t.Fatalf("batch result %+v", out)
	}
	msgs := sqsReceiveN(t, c, url, 2, 30)

	// Delete batch: one good handle, one malformed.
	del, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("a"), ReceiptHandle: msgs[0].ReceiptHandle},
		{Id: aws.String("b"), ReceiptHandle: aws.String("not-a-receipt-handle")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(del.Successful) != 1 || len(del.Failed) != 1 || *del.Failed[0].Id != "b" {
		t.Fatalf("delete batch %+v", del)
	}
	_, err = c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: []types.DeleteMessageBatchRequestEntry{}})
	wantErrorType[*types.EmptyBatchRequest](t, err)

	// Visibility batch: make the second message visible again at once.
	cv, err := c.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url,
		Entries: []types.ChangeMessageVisibilityBatchRequestEntry{{Id: aws.String("v"), ReceiptHandle: msgs[1].ReceiptHandle, VisibilityTimeout: 0}}})
	if err != nil || len(cv.Successful) != 1 {
		t.Fatalf("visibility batch %+v %v", cv, err)
	}
	again := sqsReceiveN(t, c, url, 1, 30)
	if *again[0].MessageId != *msgs[1].MessageId || again[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after visibility 0: %+v", again[0])
	}
}

func sqsVisibilityAndReceipts(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	url := sqsQueue(t, c, localawstest.FreshName(t, "vis"), nil)
	sqsSend(t, c, url, "v")
	first := sqsReceiveN(t, c, url, 1, 1)[0]
	if got := sqsReceive(t, c, url, 10, 0, nil); len(got) != 0 {
		t.Fatalf("message visible while in flight: %v", got)
	}
	second := sqsReceiveN(t, c, url, 1, 30)[0]
	if *second.ReceiptHandle == *first.ReceiptHandle {
		t.Fatal("receipt handle did not change on receive")
	}
	if second.Attributes["ApproximateReceiveCount"] != "2" || second.Attributes["ApproximateFirstReceiveTimestamp"] != first.Attributes["ApproximateFirstReceiveTimestamp"] {
		t.Fatalf("attributes %v then %v", first.Attributes, second.Attributes)
	}
	_, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: aws.String("garbage"), VisibilityTimeout: 1})
	wantErrorType[*types.ReceiptHandleIsInvalid](t, err)
	_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: aws.String("garbage")})
	wantErrorType[*types.ReceiptHandleIsInvalid](t, err)
	sqsDelete(t, c, url, second)
	_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 11})
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 21})
	wantAPIError(t, err, "InvalidParameterValue")
}

func sqsLongPolling(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	url := sqsQueue(t, c, localawstest.FreshName(t, "poll"), nil)

	start := time.Now()
	if got := sqsReceive(t, c, url, 1, 1, nil); len(got) != 0 {
		t.Fatal("message from empty queue")
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Fatalf("empty long poll returned after %v", el)
	}

	// A waiting receive returns as soon as a message lands, long before
	// its 20 s wait ends.
	type result struct {
		msgs []types.Message
		at   time.Time
	}
	done := make(chan result, 1)
	go func() {
		// A short visibility: should the client lose the answer and
		// retry, the message shows again well within the retry's wait.
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20, VisibilityTimeout: 3})
		if err != nil {
			t.Error(err)
		}
		var msgs []types.Message
		if out != nil {
			msgs = out.Messages
		}
		done <- result{msgs, time.Now()}
	}()
	time.Sleep(500 * time.Millisecond) // let the receive start waiting
	sent := time.Now()
	sqsSend(t, c, url, "wake")
	r := <-done
	if len(r.msgs) != 1 || *r.msgs[0].Body != "wake" {
		t.Fatalf("long poll got %v", r.msgs)
	}
	if lat := r.at.Sub(sent); lat > 10*time.Second {
		t.Fatalf("long poll woke %v after the send", lat)
	}
	sqsDelete(t, c, url, r.msgs[0])

	// A delayed message is delivered to a long poll when its delay ends.
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("later"), DelaySeconds: 2}); err != nil {
		t.Fatal(err)
	}
	if got := sqsReceive(t, c, url, 1, 0, nil); len(got) != 0 {
		t.Fatal("delayed message delivered early")
	}
	got := sqsReceiveN(t, c, url, 1, 30)
	if *got[0].Body != "later" {
		t.Fatalf("got %v", *got[0].Body)
	}
}

func sqsPurge(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	url := sqsQueue(t, c, localawstest.FreshName(t, "purge"), nil)
	for i := 0; i < 5; i++ {
		sqsSend(t, c, url, "p")
	}
	if _, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	if got := sqsReceive(t, c, url, 10, 1, nil); len(got) != 0 {
		t.Fatalf("messages after purge: %d", len(got))
	}
	_, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url})
	wantErrorType[*types.PurgeQueueInProgress](t, err)
}

// sqsFIFO checks a FIFO queue's refusals, deduplication and sequence
// numbers, and that a group waits while a message of it is in flight.
func sqsFIFO(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	url := sqsQueue(t, c, localawstest.FreshName(t, "fifo")+".fifo", map[string]string{"FifoQueue": "true"})

	_, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(localawstest.FreshName(t, "nofifo") + ".fifo")})
	wantAPIError(t, err, "InvalidParameterValue")
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageDeduplicationId: aws.String("d")})
	wantAPIError(t, err, "MissingParameter")
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageGroupId: aws.String("g")})
	wantAPIError(t, err, "InvalidParameterValue") // no dedup id, no content-based dedup

	send := func(group, dedup, body string) *sqs.SendMessageOutput {
		out, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body, MessageGroupId: &group, MessageDeduplicationId: &dedup})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a1 := send("A", "a1", "A1")
	send("B", "b1", "B1")
	a2 := send("A", "a2", "A2")
	dup := send("A", "a1", "A1 again")
	if *dup.MessageId != *a1.MessageId {
		t.Fatalf("duplicate got a new id %s (first %s)", *dup.MessageId, *a1.MessageId)
	}
	s1, _ := strconv.ParseUint(*a1.SequenceNumber, 10, 64)
	s2, _ := strconv.ParseUint(*a2.SequenceNumber, 10, 64)
	if s2 <= s1 {
		t.Fatalf("sequence numbers %s then %s", *a1.SequenceNumber, *a2.SequenceNumber)
	}

	sqsFIFOGroupInFlight(t, c, url, *a1.SequenceNumber)
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageGroupId: aws.String("g"),
		MessageDeduplicationId: aws.String("x"), DelaySeconds: 5})
	wantAPIError(t, err, "InvalidParameterValue")
}

// sqsFIFOGroupInFlight receives from url, which holds A1 and A2 of group A
// and B1 of group B: while A1 is in flight A2 waits, B1 may come, and comes
// again with the same receipt handle to a retried receive; once A1 is
// deleted A2 comes. a1Seq is A1's sequence number.
func sqsFIFOGroupInFlight(t *testing.T, c sqsClient, url, a1Seq string) {
	ctx := sqsCtx(t)
	// One receive of 1: A1 is in flight, so A2 must wait; B1 may come.
	m := sqsReceiveN(t, c, url, 1, 30)[0]
	if *m.Body != "A1" || m.Attributes["MessageGroupId"] != "A" || m.Attributes["MessageDeduplicationId"] != "a1" || m.Attributes["SequenceNumber"] != a1Seq {
		t.Fatalf("first FIFO message %+v", m)
	}
	// A receive retried with its ReceiveRequestAttemptId answers the same
	// messages with the same receipt handles.
	attempt := &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		ReceiveRequestAttemptId: aws.String("attempt-1")}
	next, err := c.ReceiveMessage(ctx, attempt)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.ReceiveMessage(ctx, attempt)
	if err != nil || len(again.Messages) != len(next.Messages) || (!external() && len(next.Messages) != 1) {
		t.Fatalf("receive %+v, retried %+v %v", next.Messages, again, err)
	}
	for i, n := range next.Messages {
		if *n.Body != "B1" {
			t.Fatalf("group A delivered %q while A1 in flight", *n.Body)
		}
		if *again.Messages[i].ReceiptHandle != *n.ReceiptHandle {
			t.Fatalf("retried receive answered receipt %s, first %s", *again.Messages[i].ReceiptHandle, *n.ReceiptHandle)
		}
		sqsDelete(t, c, url, n)
	}
	sqsDelete(t, c, url, m)
	rest := sqsReceiveN(t, c, url, 1, 30)
	if *rest[0].Body != "A2" {
		t.Fatalf("after deleting A1 got %q", *rest[0].Body)
	}
}

// sqsFIFOContentBasedDeduplication checks content-based deduplication
// scoped per message group, and the attributes that scope it.
func sqsFIFOContentBasedDeduplication(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	cb := sqsQueue(t, c, localawstest.FreshName(t, "cbd")+".fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true",
		"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})
	ids := map[string]bool{}
	for _, g := range []string{"g1", "g1", "g2"} {
		out, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &cb, MessageBody: aws.String("same"), MessageGroupId: aws.String(g)})
		if err != nil {
			t.Fatal(err)
		}
		ids[*out.MessageId] = true
	}
	if len(ids) != 2 {
		t.Fatalf("content dedup per group: %d distinct ids, want 2", len(ids))
	}
	attrs := sqsAttrs(t, c, cb, types.QueueAttributeNameAll)
	if attrs["FifoQueue"] != "true" || attrs["DeduplicationScope"] != "messageGroup" || attrs["FifoThroughputLimit"] != "perMessageGroupId" {
		t.Fatalf("FIFO attributes %v", attrs)
	}
	_, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(localawstest.FreshName(t, "badtp") + ".fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "DeduplicationScope": "queue", "FifoThroughputLimit": "perMessageGroupId"}})
	wantAPIError(t, err, "InvalidParameterValue")
}

func sqsFIFOOrderUnderLoad(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	url := sqsQueue(t, c, localawstest.FreshName(t, "order")+".fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	const groups, per = 3, 20
	var wg sync.WaitGroup
	for g := 0; g < groups; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i += 10 {
				es := make([]types.SendMessageBatchRequestEntry, 10)
				for j := range es {
					es[j] = types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(j)), MessageGroupId: aws.String(fmt.Sprint(g)),
						MessageBody: aws.String(fmt.Sprintf("%d:%d", g, i+j))}
				}
				if _, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: es}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	next := map[string]int{}
	for got := 0; got < groups*per; {
		msgs := sqsReceive(t, c, url, 10, 2, nil)
		if len(msgs) == 0 {
			t.Fatalf("stalled after %d messages", got)
		}
		for _, m := range msgs {
			g, n, _ := strings.Cut(*m.Body, ":")
			i, _ := strconv.Atoi(n)
			if i != next[g] {
				t.Fatalf("group %s: got %d, want %d", g, i, next[g])
			}
			next[g]++
			sqsDelete(t, c, url, m)
			got++
		}
	}
}

func sqsRedriveToDeadLetterQueue(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	src, dlq, dlqArn := sqsRedriven(t, c, `"2"`) // AWS accepts the count as a string too
	srcArn := localawstest.QueueARN(t, c, src)

	got := sqsAttrs(t, c, src, "RedrivePolicy")["RedrivePolicy"]
	if !strings.Contains(got, dlqArn) || !strings.Contains(got, `"maxReceiveCount":2`) {
		t.Fatalf("RedrivePolicy %s", got)
	}
	_, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &src, Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:missing-dlq-queue","maxReceiveCount":2}`}})
	if err == nil {
		t.Fatal("RedrivePolicy to a missing queue accepted")
	}

	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &src, MessageBody: aws.String("poison"),
		MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	zero := int32(0)
	var firstReceive string
	for i := 1; i <= 2; i++ {
		m := sqsReceiveN(t, c, src, 1, zero)
		if m[0].Attributes["ApproximateReceiveCount"] != strconv.Itoa(i) {
			t.Fatalf("receive %d: count %s", i, m[0].Attributes["ApproximateReceiveCount"])
		}
		if i == 1 {
			firstReceive = m[0].Attributes["ApproximateFirstReceiveTimestamp"]
		}
	}
	// The third receive moves it instead of delivering it.
	deadline := time.Now().Add(30 * time.Second)
	var dead []types.Message
	for len(dead) == 0 && time.Now().Before(deadline) {
		if m := sqsReceive(t, c, src, 1, 1, &zero); len(m) > 0 {
			t.Fatalf("delivered past maxReceiveCount: %v", m[0].Attributes)
		}
		dead = sqsReceive(t, c, dlq, 1, 1, nil)
	}
	if len(dead) != 1 || *dead[0].Body != "poison" || *dead[0].MessageAttributes["k"].StringValue != "v" {
		t.Fatalf("dead letter %+v", dead)
	}
	if dead[0].Attributes["DeadLetterQueueSourceArn"] != srcArn {
		t.Fatalf("DeadLetterQueueSourceArn %q want %q", dead[0].Attributes["DeadLetterQueueSourceArn"], srcArn)
	}
	// The receive count goes on from the source queue's, as on SQS.
	if !external() && (dead[0].Attributes["ApproximateReceiveCount"] != "3" || dead[0].Attributes["ApproximateFirstReceiveTimestamp"] != firstReceive) {
		t.Fatalf("dead letter's receive count %s and first receive %s, want 3 and %s", dead[0].Attributes["ApproximateReceiveCount"],
			dead[0].Attributes["ApproximateFirstReceiveTimestamp"], firstReceive)
	}

	srcs, err := c.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: &dlq})
	if err != nil || len(srcs.QueueUrls) != 1 || srcs.QueueUrls[0] != src {
		t.Fatalf("ListDeadLetterSourceQueues %v %v", srcs, err)
	}
}

// sqsRedriveAllowPolicy checks that a queue may name a dead-letter queue
// only as the latter's RedriveAllowPolicy allows.
func sqsRedriveAllowPolicy(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	for _, tc := range []struct {
		policy string // SOURCE stands for the source queue's ARN
		ok     bool
	}{
		{`{"redrivePermission":"allowAll"}`, true},
		{`{"redrivePermission":"byQueue","sourceQueueArns":["SOURCE"]}`, true},
		{`{"redrivePermission":"denyAll"}`, false},
		{`{"redrivePermission":"byQueue","sourceQueueArns":["SOURCE-not"]}`, false},
	} {
		dlqName, srcName := localawstest.FreshName(t, "dlq"), localawstest.FreshName(t, "src")
		dlq := sqsQueue(t, c, dlqName, nil)
		dlqArn := localawstest.QueueARN(t, c, dlq)
		policy := strings.Replace(tc.policy, "SOURCE", strings.TrimSuffix(dlqArn, dlqName)+srcName, 1)
		if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &dlq,
			Attributes: map[string]string{"RedriveAllowPolicy": policy}}); err != nil {
			t.Fatalf("RedriveAllowPolicy %s: %v", policy, err)
		}
		redrive := map[string]string{"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":3}`, dlqArn)}
		if tc.ok {
			sqsQueue(t, c, srcName, redrive)
			continue
		}
		_, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &srcName, Attributes: redrive})
		if err == nil {
			t.Fatalf("CreateQueue naming a dead-letter queue whose RedriveAllowPolicy is %s: accepted", policy)
		}
		if !external() {
			wantAPIError(t, err, "InvalidAttributeValue")
		}
		other := sqsQueue(t, c, localawstest.FreshName(t, "other"), nil)
		_, err = c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &other, Attributes: redrive})
		if err == nil {
			t.Fatalf("SetQueueAttributes naming a dead-letter queue whose RedriveAllowPolicy is %s: accepted", policy)
		}
	}
}

// sqsMessageMoveTask moves dead letters back to their source queue, then
// to another queue, slowly, and cancels that move midway.
func sqsMessageMoveTask(t *testing.T, c sqsClient) {
	ctx := sqsCtx(t)
	src, dlq, dlqArn := sqsRedriven(t, c, "1")
	other := sqsQueue(t, c, localawstest.FreshName(t, "mdst"), nil)
	otherArn := localawstest.QueueARN(t, c, other)

	// Not a dead-letter queue: refused.
	_, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(otherArn)})
	if err == nil {
		t.Fatal("move task from a queue that is no DLQ accepted")
	}

	// Dead-letter three messages.
	for i := 0; i < 3; i++ {
		sqsSend(t, c, src, fmt.Sprint("m", i))
	}
	sqsReceiveN(t, c, src, 3, 0)
	deadline := time.Now().Add(30 * time.Second)
	sqsAwaitDeadLetters(t, c, src, dlq, 3, deadline)

	back := sqsMoveBack(t, c, src, dlqArn, deadline.Add(30*time.Second))

	// To an explicit destination, slowly, and cancelled midway.
	for _, m := range back {
		sqsDelete(t, c, src, m)
	}
	for i := 0; i < 20; i++ {
		sqsSend(t, c, src, "slow")
	}
	sqsAwaitDeadLetters(t, c, src, dlq, 20, deadline.Add(60*time.Second))
	sqsMoveCancelled(t, c, dlqArn, other, otherArn)
}

// sqsAwaitDeadLetters receives from src (visibility 0), so that its
// messages go to their dead-letter queue dlq, until dlq holds n messages
// or the deadline passed.
func sqsAwaitDeadLetters(t *testing.T, c sqsClient, src, dlq string, n int, deadline time.Time) {
	t.Helper()
	for time.Now().Before(deadline) {
		sqsReceive(t, c, src, 10, 1, aws.Int32(0))
		if sqsAttrs(t, c, dlq, "ApproximateNumberOfMessages")["ApproximateNumberOfMessages"] == strconv.Itoa(n) {
			return
		}
	}
}

// sqsMoveBack moves the three dead letters of dlqArn back to their source
// queue src, and returns them as received there; the completed task cannot
// be cancelled.
func sqsMoveBack(t *testing.T, c sqsClient, src, dlqArn string, deadline time.Time) []types.Message {
	ctx := sqsCtx(t)
	task, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: &dlqArn, MaxNumberOfMessagesPerSecond: aws.Int32(50)})
	if err != nil || aws.ToString(task.TaskHandle) == "" {
		t.Fatalf("StartMessageMoveTask: %v %v", task, err)
	}
	back := sqsReceiveN(t, c, src, 3, 60)
	for _, m := range back {
		if !strings.HasPrefix(*m.Body, "m") {
			t.Fatalf("moved body %q", *m.Body)
		}
	}
	var status string
	for time.Now().Before(deadline) {
		list, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: &dlqArn, MaxResults: aws.Int32(10)})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Results) == 0 {
			t.Fatal("no move tasks listed")
		}
		r := list.Results[0]
		status = aws.ToString(r.Status)
		if status == "COMPLETED" {
			if r.ApproximateNumberOfMessagesMoved != 3 || aws.ToString(r.SourceArn) != dlqArn {
				t.Fatalf("completed task %+v", r)
			}
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status != "COMPLETED" {
		t.Fatalf("task status %s", status)
	}
	_, err = c.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: task.TaskHandle})
	if err == nil {
		t.Fatal("cancelling a completed task succeeded")
	}
	return back
}

// sqsMoveCancelled starts a slow move from dlqArn to other, which refuses a
// second task on the source, and cancels it once a message has arrived.
func sqsMoveCancelled(t *testing.T, c sqsClient, dlqArn, other, otherArn string) {
	ctx := sqsCtx(t)
	slow, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: &dlqArn, DestinationArn: &otherArn, MaxNumberOfMessagesPerSecond: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: &dlqArn, DestinationArn: &otherArn})
	if err == nil {
		t.Fatal("second running task on one source accepted")
	}
	sqsReceiveN(t, c, other, 1, 60)
	if _, err := c.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: slow.TaskHandle}); err != nil {
		t.Fatalf("CancelMessageMoveTask: %v", err)
	}
	list, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: &dlqArn})
	if err != nil || len(list.Results) != 1 || !strings.HasPrefix(aws.ToString(list.Results[0].Status), "CANCEL") {
		t.Fatalf("after cancel: %+v %v", list, err)
	}
}

// TestDebianClients drives localaws with the SQS clients Debian 12 ships,
// awscli 2.9 and python3-boto3 1.26 on botocore 1.29, which speak the query
// protocol: the README's aws examples as written, a typed error through the
// CLI, and through boto3 (testdata/boto3_check.py) create, attributes, a
// send with message attributes, receive, batch calls, a typed error and a
// redrive to a dead-letter queue. botocore 1.29 checks no MD5: the test
// checks every one the clients were given.
func TestDebianClients(t *testing.T) {
	t.Parallel()
	if external() {
		t.Skip("drives the in-process localaws only")
	}
	if _, err := os.Stat(debianAWSCLI); err != nil {
		t.Skip("Debian's awscli is not installed (.ci/deps.sh installs it with apt when run as root)")
	}
	if exec.Command(debianPython, "-c", "import boto3").Run() != nil {
		t.Skip("Debian's python3-boto3 is not installed (.ci/deps.sh installs it with apt when run as root)")
	}
	run := debianRunner(t.TempDir())
	t.Run("awscli", func(t *testing.T) {
		t.Parallel()
		debianAWSCLIExamples(t, run)
	})
	t.Run("boto3", func(t *testing.T) {
		t.Parallel()
		debianBoto3(t, run)
	})
}

// The clients of Debian 12 that TestDebianClients drives.
const debianAWSCLI, debianPython = "/usr/bin/aws", "/usr/bin/python3"

// debianRun runs a client and returns what it printed; an error carries
// the command and what it wrote to stderr.
type debianRun func(name string, args ...string) ([]byte, error)

// debianRunner runs clients with an environment of their own: home as
// HOME, local credentials, no pager.
func debianRunner(home string) debianRun {
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + home, "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local", "AWS_PAGER=", "AWS_CONFIG_FILE=" + home + "/config",
		"AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials"}
	return func(name string, args ...string) ([]byte, error) {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, stderr.String())
		}
		return out, nil
	}
}

// debianAWSCLIExamples runs the README's aws examples as written, checking
// the MD5s of what receive-message printed, and a typed error.
func debianAWSCLIExamples(t *testing.T, run debianRun) {
	for _, line := range readmeAWSExamples(t) {
		out, err := run("/bin/bash", "-c", strings.ReplaceAll(line, "http://127.0.0.1:4566", local.URL()))
		if err != nil {
			t.Fatalf("README example: %v", err)
		}
		if strings.Contains(line, "receive-message") {
			var got sqs.ReceiveMessageOutput
			if err := json.Unmarshal(out, &got); err != nil || len(got.Messages) == 0 {
				t.Fatalf("receive-message printed %s (%v)", out, err)
			}
			for _, m := range got.Messages {
				checkMD5s(t, m)
			}
		}
	}
	_, err := run(debianAWSCLI, "--endpoint-url", local.URL(), "sqs", "get-queue-url", "--queue-name", localawstest.FreshName(t, "missing"))
	if err == nil || !strings.Contains(err.Error(), "An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation") {
		t.Fatalf("get-queue-url of a missing queue: %v", err)
	}
}

// boto3Check is what testdata/boto3_check.py prints.
type boto3Check struct {
	Boto3, Botocore string
	Attributes      map[string]string
	Sent            sqs.SendMessageOutput
	Received        []types.Message
	DeadLetters     []types.Message                        `json:"dead_letters"`
	BatchSent       sqs.SendMessageBatchOutput             `json:"batch_sent"`
	BatchVisibility sqs.ChangeMessageVisibilityBatchOutput `json:"batch_visibility"`
	BatchDeleted    sqs.DeleteMessageBatchOutput           `json:"batch_deleted"`
	TypedError      struct{ Class, Code string }           `json:"typed_error"`
}

// debianBoto3 runs testdata/boto3_check.py and checks what it printed.
func debianBoto3(t *testing.T, run debianRun) {
	out, err := run(debianPython, "testdata/boto3_check.py", local.URL(), localawstest.FreshName(t, "boto3"))
	if err != nil {
		t.Fatal(err)
	}
	var r boto3Check
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("boto3_check.py printed %s: %v", out, err)
	}
	t.Logf("boto3 %s, botocore %s", r.Boto3, r.Botocore)
	if r.Attributes["VisibilityTimeout"] != "0" || !strings.Contains(r.Attributes["RedrivePolicy"], `"maxReceiveCount":1`) {
		t.Errorf("attributes %v", r.Attributes)
	}
	checkBoto3Messages(t, r)
	checkBoto3Batches(t, r)
}

// checkBoto3Messages checks the message boto3 sent and received, with its
// attributes and MD5s, and its dead letter.
func checkBoto3Messages(t *testing.T, r boto3Check) {
	if len(r.Received) != 1 || *r.Received[0].MessageId != *r.Sent.MessageId || len(r.Received[0].MessageAttributes) != 3 ||
		aws.ToString(r.Sent.MD5OfMessageAttributes) != aws.ToString(r.Received[0].MD5OfMessageAttributes) ||
		aws.ToString(r.Sent.MD5OfMessageBody) != aws.ToString(r.Received[0].MD5OfBody) {
		t.Fatalf("sent %+v, received %+v", r.Sent, r.Received)
	}
	checkMD5s(t, r.Received[0])
	if got := r.Received[0].MessageAttributes["blob"].BinaryValue; !bytes.Equal(got, []byte{0, 1, 255}) {
		t.Errorf("binary attribute %v", got)
	}
	if len(r.DeadLetters) != 1 || *r.DeadLetters[0].Body != *r.Received[0].Body ||
		r.DeadLetters[0].Attributes["DeadLetterQueueSourceArn"] != r.Attributes["QueueArn"] ||
		r.DeadLetters[0].Attributes["ApproximateReceiveCount"] != "2" { // one receive in the source, one here
		t.Fatalf("dead letters %+v", r.DeadLetters)
	}
	checkMD5s(t, r.DeadLetters[0])
}

// checkBoto3Batches checks the answers of boto3's batch calls, and its
// typed error.
func checkBoto3Batches(t *testing.T, r boto3Check) {
	if len(r.BatchSent.Successful) != 1 || len(r.BatchSent.Failed) != 1 || *r.BatchSent.Failed[0].Id != "b" ||
		*r.BatchSent.Failed[0].Code != "InvalidParameterValue" || !r.BatchSent.Failed[0].SenderFault {
		t.Errorf("send_message_batch %+v", r.BatchSent)
	}
	if len(r.BatchVisibility.Successful) != 1 || len(r.BatchVisibility.Failed) != 0 {
		t.Errorf("change_message_visibility_batch %+v", r.BatchVisibility)
	}
	if len(r.BatchDeleted.Successful) != 1 || len(r.BatchDeleted.Failed) != 1 || *r.BatchDeleted.Failed[0].Code != "ReceiptHandleIsInvalid" {
		t.Errorf("delete_message_batch %+v", r.BatchDeleted)
	}
	if r.TypedError.Class != "QueueDoesNotExist" || r.TypedError.Code != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Errorf("typed error %+v", r.TypedError)
	}
}

// checkMD5s checks a received message's MD5OfBody and, when it has message
// attributes, MD5OfMessageAttributes, by AWS's algorithms.
func checkMD5s(t *testing.T, m types.Message) {
	t.Helper()
	sum := md5.Sum([]byte(aws.ToString(m.Body)))
	if aws.ToString(m.MD5OfBody) != hex.EncodeToString(sum[:]) {
		t.Errorf("message %s: MD5OfBody %s, want %x", aws.ToString(m.MessageId), aws.ToString(m.MD5OfBody), sum)
	}
	if len(m.MessageAttributes) > 0 && aws.ToString(m.MD5OfMessageAttributes) != md5OfAttrs(m.MessageAttributes) {
		t.Errorf("message %s: MD5OfMessageAttributes %s, want %s", aws.ToString(m.MessageId), aws.ToString(m.MD5OfMessageAttributes), md5OfAttrs(m.MessageAttributes))
	}
}

// readmeAWSExamples returns the aws commands of the README's localaws
// example, as a user would copy them.
func readmeAWSExamples(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(line, "aws --endpoint-url http://127.0.0.1:4566 ") {
			lines = append(lines, strings.TrimSpace(line))
		}
	}
	if len(lines) < 3 {
		t.Fatalf("the README holds %d aws --endpoint-url examples", len(lines))
	}
	return lines
}
