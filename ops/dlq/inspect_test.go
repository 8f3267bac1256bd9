package dlq

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
)

func TestShowDoesNotConsumeAndList(t *testing.T) {
	t.Parallel()
	p := deadLetters(t, "filler-", 13,
		msg{body: envelope("e1", "licenseflow.payment", "Invoice Paid"), attrs: map[string]string{"tenant": "acme"}},
		msg{body: "plain text"})
	tool := newTool(t, nil)
	ctx := context.Background()

	msgs, sum, err := tool.Show(ctx, p.dlqName, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 15 || sum.Shown != 15 {
		t.Fatalf("shown %d (%+v)", len(msgs), sum)
	}
	if v, f := counts(t, p.dlq); v != 15 || f != 0 {
		t.Fatalf("after show: %d visible, %d in flight", v, f)
	}
	var ev *Message
	for i, m := range msgs {
		if m.Event != nil {
			ev = &msgs[i]
		}
		if m.ReceiveCount < 1 || m.SentAt.IsZero() || time.Since(m.SentAt) > time.Hour || m.SourceARN != p.srcARN {
			t.Fatalf("message %+v", m)
		}
	}
	if ev == nil || ev.Event.Source != "licenseflow.payment" || ev.Event.DetailType != "Invoice Paid" || ev.Attributes["tenant"] != "acme" {
		t.Fatalf("envelope summary %+v", ev)
	}
	// Show again: the same messages, one more receive each.
	again, _, err := tool.Show(ctx, p.dlq, 3, nil)
	if err != nil || len(again) != 3 {
		t.Fatalf("second show: %d, %v", len(again), err)
	}

	infos, err := tool.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(infos, func(q QueueInfo) bool { return q.Name == p.dlqName })
	if i < 0 {
		t.Fatalf("%s not listed", p.dlqName)
	}
	q := infos[i]
	if !slices.Equal(q.Sources, []string{p.srcName}) || q.Messages != 15 || q.OldestSentAt.IsZero() {
		t.Fatalf("list entry %+v", q)
	}
	for _, q := range infos {
		if q.Name == p.srcName {
			t.Fatalf("source queue listed as a dlq")
		}
	}
	if v, f := counts(t, p.dlq); v != 15 || f != 0 {
		t.Fatalf("after list: %d visible, %d in flight", v, f)
	}
}

func TestShowPoisonReason(t *testing.T) {
	t.Parallel()
	p := newPair(t, 5, false)
	// What our subscriber stamps on a poison message, and what EventBridge
	// stamps on an event a target refused.
	send(t, p.dlq, msg{body: envelope("p1", "licenseflow.signup", "User Added"), attrs: map[string]string{
		events.MetadataPoisonReason: "permanent: unknown company", events.MetadataPoisonHandler: "accounts", events.MetadataPoisonSource: p.srcARN,
		AttrErrorCode: "SQS.QueueDoesNotExist", AttrRuleARN: "arn:aws:events:us-east-1:000000000000:rule/bus/r"}})
	msgs, _, err := newTool(t, nil).Show(context.Background(), p.dlq, 1, nil)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("show: %v %d", err, len(msgs))
	}
	r := msgs[0].Reason
	if r[events.MetadataPoisonReason] != "permanent: unknown company" || r[events.MetadataPoisonHandler] != "accounts" || r[events.MetadataPoisonSource] != p.srcARN ||
		r[AttrErrorCode] != "SQS.QueueDoesNotExist" || !strings.HasSuffix(r[AttrRuleARN], "rule/bus/r") || msgs[0].SourceARN != p.srcARN {
		t.Fatalf("reason %+v", msgs[0])
	}
}

func TestReplayToEachMessagesSource(t *testing.T) {
	t.Parallel()
	// A DLQ no queue redrives to (our subscriber sent poison there, or an
	// EventBridge target gave up): each message goes back to the queue its
	// topic_poisoned or TARGET_ARN attribute names.
	dlq := newQueue(t, false)
	a, b := newQueue(t, false), newQueue(t, false)
	send(t, dlq,
		msg{body: "to-a", attrs: map[string]string{events.MetadataPoisonSource: arnOf(t, a)}},
		msg{body: "to-b", attrs: map[string]string{AttrTargetARN: arnOf(t, b), AttrErrorCode: "SDK_CLIENT_ERROR"}},
		msg{body: "nowhere"})
	sum, err := newTool(t, nil).Replay(context.Background(), ReplayOptions{Queue: dlq}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Moved != 2 || sum.Failed != 1 || len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0], "--to") {
		t.Fatalf("summary %+v", sum)
	}
	if got := bodies(drain(t, a, 1)); !slices.Equal(got, []string{"to-a"}) {
		t.Fatalf("a got %v", got)
	}
	if got := bodies(drain(t, b, 1)); !slices.Equal(got, []string{"to-b"}) {
		t.Fatalf("b got %v", got)
	}
	if v, f := counts(t, dlq); v != 1 || f != 0 {
		t.Fatalf("dlq: %d visible %d in flight", v, f)
	}
}

func TestPurge(t *testing.T) {
	t.Parallel()
	p := newPair(t, 1, false)
	for i := range 7 {
		send(t, p.dlq, msg{body: fmt.Sprint(i)})
	}
	sum, err := newTool(t, nil).Purge(context.Background(), p.dlqName, nil)
	if err != nil || sum.Purged != 7 {
		t.Fatalf("purge: %v %+v", err, sum)
	}
	if v, f := counts(t, p.dlq); v+f != 0 {
		t.Fatalf("after purge %d+%d", v, f)
	}
	if _, err := newTool(t, nil).Purge(context.Background(), "no-such-queue-"+p.dlqName, nil); err == nil {
		t.Fatal("purging a missing queue succeeded")
	}
}

func TestMoveTask(t *testing.T) {
	t.Parallel()
	p := deadLetters(t, "mt", 20)
	tool := newTool(t, func(c *Config) { c.AllowMoveTask = true; c.PollInterval = 100 * time.Millisecond })
	sum, err := tool.Replay(context.Background(), ReplayOptions{Queue: p.dlq}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.MoveTask == "" || sum.Moved != 20 || !strings.Contains(strings.Join(sum.Notes, " "), "StartMessageMoveTask") {
		t.Fatalf("summary %+v", sum)
	}
	if got := drain(t, p.src, 20); len(got) != 20 {
		t.Fatalf("source got %d", len(got))
	}
	// A filter makes it copy itself even when move tasks are allowed.
	send(t, p.dlq, msg{body: "f", attrs: map[string]string{"k": "v"}})
	sum, err = tool.Replay(context.Background(), ReplayOptions{Queue: p.dlq, Filters: []Filter{{Key: "k", Value: "v"}}}, nil)
	if err != nil || sum.MoveTask != "" || sum.Moved != 1 {
		t.Fatalf("filtered: %v %+v", err, sum)
	}
}

func TestParseRedrivePolicy(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		attr string
		want RedrivePolicy
	}{
		{`{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:q-dlq","maxReceiveCount":3}`, RedrivePolicy{"arn:aws:sqs:us-east-1:1:q-dlq", 3}},
		{`{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:q-dlq","maxReceiveCount":"5"}`, RedrivePolicy{"arn:aws:sqs:us-east-1:1:q-dlq", 5}},
		{`{"maxReceiveCount":"x"}`, RedrivePolicy{}},
		{"", RedrivePolicy{}},
		{"{not json", RedrivePolicy{}},
	} {
		if got := ParseRedrivePolicy(c.attr); got != c.want {
			t.Errorf("ParseRedrivePolicy(%q) = %+v, want %+v", c.attr, got, c.want)
		}
	}
}
