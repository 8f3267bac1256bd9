package eventbridge

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func putEvent(t *testing.T, c *eb.Client, detail string) string {
	t.Helper()
	out, err := c.PutEvents(context.Background(), &eb.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("app"), DetailType: aws.String("Thing Happened"), Detail: aws.String(detail)}}})
	if err != nil {
		t.Fatalf("PutEvents: %v", err)
	}
	if out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents failed: %s %s", aws.ToString(out.Entries[0].ErrorCode), aws.ToString(out.Entries[0].ErrorMessage))
	}
	return aws.ToString(out.Entries[0].EventId)
}

// TestRetryPolicy holds a target's RetryPolicy and DeadLetterConfig to
// AWS's: retries until a send succeeds, then the event is delivered once;
// a send that fails past its retries goes to the target's dead-letter
// queue (the original event, with why), or is dropped without one.
func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	for _, tt := range retryPolicyCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := newFlakyQueues(retryTarget, retryDLQ)
			svc, c := startService(t, nil, q)
			tg := types.Target{Id: aws.String("t"), Arn: aws.String(tt.arn), InputTransformer: tt.transform,
				RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(tt.retries)}}
			if tt.dlq {
				tg.DeadLetterConfig = &types.DeadLetterConfig{Arn: aws.String(retryDLQ)}
			}
			route(t, c, "", "r", fromApp, tg)
			q.failNext(tt.arn, tt.fails)
			tt.check(t, svc, q, putEvent(t, c, `{"n":7}`))
		})
	}
}

// The queues of TestRetryPolicy; retryMissing does not exist.
var retryTarget, retryMissing, retryDLQ = queueARN("target"), queueARN("missing"), queueARN("dlq")

// retryPolicyCases are the targets TestRetryPolicy routes an event to,
// each with the check of what became of the event.
var retryPolicyCases = []struct {
	name      string
	arn       string
	retries   int32
	fails     int                     // sends that fail before one succeeds
	dlq       bool                    // the target has a dead-letter queue
	transform *types.InputTransformer // what the target sends instead of the event
	check     func(t *testing.T, svc *Service, q *flakyQueues, id string)
}{
	{name: "delivers after failures", arn: retryTarget, retries: 5, fails: 3, dlq: true, check: checkDeliveredAfterFailures},
	{name: "exhausted goes to the target's DLQ", arn: retryMissing, retries: 2, dlq: true,
		transform: &types.InputTransformer{InputPathsMap: map[string]string{"n": "$.detail.n"}, InputTemplate: aws.String(`{"n":<n>}`)},
		check:     checkDeadLettered},
	{name: "no retries goes straight to the DLQ", arn: retryTarget, retries: 0, fails: 1, dlq: true, check: checkDeadLetteredAtOnce},
	{name: "exhausted without a DLQ is dropped", arn: retryTarget, retries: 1, fails: 5, check: checkDropped},
}

// pendingRetries is the number of deliveries svc has yet to retry.
func pendingRetries(svc *Service) int {
	svc.retry.mu.Lock()
	defer svc.retry.mu.Unlock()
	return len(svc.retry.byID)
}

func checkDeliveredAfterFailures(t *testing.T, _ *Service, q *flakyQueues, id string) {
	eventually(t, "the event after three failed attempts", func() bool { return len(q.messages(retryTarget)) == 1 })
	wantEvent(t, q.messages(retryTarget)[0], id)
	if got := q.attempts(retryTarget); got != 4 {
		t.Fatalf("%d attempts, want 4", got)
	}
	if n := len(q.messages(retryDLQ)); n != 0 {
		t.Fatalf("%d messages in the DLQ", n)
	}
}

func checkDeadLettered(t *testing.T, _ *Service, q *flakyQueues, id string) {
	eventually(t, "the dead-lettered event", func() bool { return len(q.messages(retryDLQ)) == 1 })
	m := q.messages(retryDLQ)[0]
	wantEvent(t, m, id) // the original event, not the transformed one
	want := map[string]string{
		"ERROR_CODE":                "RESOURCE_NOT_FOUND",
		"EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
		"RETRY_ATTEMPTS":            "2",
		"RULE_ARN":                  "arn:aws:events:us-east-1:000000000000:rule/r",
		"TARGET_ARN":                retryMissing,
	}
	for k, v := range want {
		if m.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, m.Attributes[k], v)
		}
	}
	if m.Attributes["ERROR_MESSAGE"] == "" {
		t.Error("no ERROR_MESSAGE attribute")
	}
	if got := q.attempts(retryMissing); got != 3 {
		t.Errorf("%d attempts, want 1 + 2 retries", got)
	}
}

func checkDeadLetteredAtOnce(t *testing.T, svc *Service, q *flakyQueues, _ string) {
	// PutEvents dead-letters before it answers: nothing waits.
	if n := len(q.messages(retryDLQ)); n != 1 {
		t.Fatalf("%d DLQ messages right after PutEvents, want 1", n)
	}
	if got := q.messages(retryDLQ)[0].Attributes["RETRY_ATTEMPTS"]; got != "0" {
		t.Fatalf("RETRY_ATTEMPTS = %s", got)
	}
	if n := pendingRetries(svc); n != 0 {
		t.Fatalf("%d deliveries pending", n)
	}
}

func checkDropped(t *testing.T, svc *Service, q *flakyQueues, _ string) {
	eventually(t, "the retry to end", func() bool { return pendingRetries(svc) == 0 })
	if got := q.attempts(retryTarget); got != 2 {
		t.Fatalf("%d attempts, want 2", got)
	}
	if n := len(q.messages(retryTarget)); n != 0 {
		t.Fatalf("%d messages delivered", n)
	}
}

// wantEvent checks that m carries the event id in its envelope.
func wantEvent(t *testing.T, m QueueMessage, id string) {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal([]byte(m.Body), &env); err != nil || env["id"] != id {
		t.Fatalf("message body %s (%v): want the event %s", m.Body, err, id)
	}
}

func TestFIFOTargetGetsGroupAndDedupID(t *testing.T) {
	t.Parallel()
	target := queueARN("orders.fifo")
	q := newFlakyQueues(target)
	_, c := startService(t, nil, q)
	route(t, c, "", "r", fromApp, types.Target{Id: aws.String("t"), Arn: aws.String(target),
		SqsParameters: &types.SqsParameters{MessageGroupId: aws.String("company-1")}})
	var ids []string
	for i := range 3 {
		ids = append(ids, putEvent(t, c, `{"i":`+strconv.Itoa(i)+`}`))
	}
	got := q.messages(target)
	if len(got) != 3 {
		t.Fatalf("%d messages, want 3", len(got))
	}
	for i, m := range got {
		if m.MessageGroupID != "company-1" || m.MessageDeduplicationID != ids[i] {
			t.Errorf("message %d: group %q dedup %q, want company-1 and %s", i, m.MessageGroupID, m.MessageDeduplicationID, ids[i])
		}
	}
}
