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

// putRuleWithTarget routes source "app" on the default bus to target.
func putRuleWithTarget(t *testing.T, c *eb.Client, rule string, target types.Target) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String(rule), EventPattern: aws.String(`{"source":["app"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String(rule), Targets: []types.Target{target}}); err != nil {
		t.Fatal(err)
	}
}

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

func TestRetryDeliversAfterFailures(t *testing.T) {
	t.Parallel()
	target, dlq := queueARN("target"), queueARN("dlq")
	q := newFlakyQueues(target, dlq)
	_, c := startService(t, nil, q)
	putRuleWithTarget(t, c, "r", types.Target{Id: aws.String("t"), Arn: aws.String(target),
		DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String(dlq)},
		RetryPolicy:      &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(5)}})
	q.failNext(target, 3)
	id := putEvent(t, c, `{"n":1}`)
	eventually(t, "the event after three failed attempts", func() bool { return len(q.messages(target)) == 1 })
	var env map[string]any
	if err := json.Unmarshal([]byte(q.messages(target)[0].Body), &env); err != nil || env["id"] != id {
		t.Fatalf("delivered %s (%v), want event %s", q.messages(target)[0].Body, err, id)
	}
	if got := q.attempts(target); got != 4 {
		t.Fatalf("%d attempts, want 4", got)
	}
	if n := len(q.messages(dlq)); n != 0 {
		t.Fatalf("%d messages in the DLQ", n)
	}
}

func TestRetryExhaustedGoesToTargetDLQ(t *testing.T) {
	t.Parallel()
	missing, dlq := queueARN("missing"), queueARN("dlq")
	q := newFlakyQueues(dlq) // the target queue does not exist
	_, c := startService(t, nil, q)
	putRuleWithTarget(t, c, "r", types.Target{Id: aws.String("t"), Arn: aws.String(missing),
		InputTransformer: &types.InputTransformer{InputPathsMap: map[string]string{"n": "$.detail.n"}, InputTemplate: aws.String(`{"n":<n>}`)},
		DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String(dlq)},
		RetryPolicy:      &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(2)}})
	id := putEvent(t, c, `{"n":7}`)
	eventually(t, "the dead-lettered event", func() bool { return len(q.messages(dlq)) == 1 })
	m := q.messages(dlq)[0]
	var env map[string]any
	if err := json.Unmarshal([]byte(m.Body), &env); err != nil || env["id"] != id {
		t.Fatalf("DLQ body %s (%v): want the original event %s", m.Body, err, id)
	}
	want := map[string]string{
		"ERROR_CODE":                "RESOURCE_NOT_FOUND",
		"EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
		"RETRY_ATTEMPTS":            "2",
		"RULE_ARN":                  "arn:aws:events:us-east-1:000000000000:rule/r",
		"TARGET_ARN":                missing,
	}
	for k, v := range want {
		if m.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, m.Attributes[k], v)
		}
	}
	if m.Attributes["ERROR_MESSAGE"] == "" {
		t.Error("no ERROR_MESSAGE attribute")
	}
	if got := q.attempts(missing); got != 3 {
		t.Errorf("%d attempts, want 1 + 2 retries", got)
	}
}

func TestNoRetriesGoesStraightToDLQ(t *testing.T) {
	t.Parallel()
	target, dlq := queueARN("target"), queueARN("dlq")
	q := newFlakyQueues(target, dlq)
	svc, c := startService(t, nil, q)
	putRuleWithTarget(t, c, "r", types.Target{Id: aws.String("t"), Arn: aws.String(target),
		DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String(dlq)},
		RetryPolicy:      &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(0)}})
	q.failNext(target, 1)
	putEvent(t, c, `{}`)
	// PutEvents dead-letters before it answers: nothing waits.
	if n := len(q.messages(dlq)); n != 1 {
		t.Fatalf("%d DLQ messages right after PutEvents, want 1", n)
	}
	if got := q.messages(dlq)[0].Attributes["RETRY_ATTEMPTS"]; got != "0" {
		t.Fatalf("RETRY_ATTEMPTS = %s", got)
	}
	svc.retry.mu.Lock()
	pending := len(svc.retry.byID)
	svc.retry.mu.Unlock()
	if pending != 0 {
		t.Fatalf("%d deliveries pending", pending)
	}
}

func TestExhaustedWithoutDLQIsDropped(t *testing.T) {
	t.Parallel()
	target := queueARN("target")
	q := newFlakyQueues(target)
	svc, c := startService(t, nil, q)
	putRuleWithTarget(t, c, "r", types.Target{Id: aws.String("t"), Arn: aws.String(target),
		RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(1)}})
	q.failNext(target, 5)
	putEvent(t, c, `{}`)
	eventually(t, "the retry to end", func() bool {
		svc.retry.mu.Lock()
		defer svc.retry.mu.Unlock()
		return len(svc.retry.byID) == 0
	})
	if got := q.attempts(target); got != 2 {
		t.Fatalf("%d attempts, want 2", got)
	}
	if n := len(q.messages(target)); n != 0 {
		t.Fatalf("%d messages delivered", n)
	}
}

func TestFIFOTargetGetsGroupAndDedupID(t *testing.T) {
	t.Parallel()
	target := queueARN("orders.fifo")
	q := newFlakyQueues(target)
	_, c := startService(t, nil, q)
	putRuleWithTarget(t, c, "r", types.Target{Id: aws.String("t"), Arn: aws.String(target),
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
