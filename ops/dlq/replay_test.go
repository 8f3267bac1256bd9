package dlq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/eventstest"
	"github.com/licenseflow/licenseflow/internal/testlog"
)

func TestReplayMovesBackUnchanged(t *testing.T) {
	t.Parallel()
	p := newPair(t, 1, false)
	var want []string
	for i := range 25 {
		want = append(want, fmt.Sprintf("body-%02d", i))
		send(t, p.src, msg{body: want[i], attrs: map[string]string{"tenant": "t" + fmt.Sprint(i%3), "n": fmt.Sprint(i)}})
	}
	killToDLQ(t, p, 25)
	rec := newRecorder()
	sum, err := newTool(t, nil).Replay(context.Background(), ReplayOptions{Queue: p.dlqName}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Moved != 25 || sum.Failed != 0 || sum.Skipped != 0 || sum.Destination != p.srcName {
		t.Fatalf("summary %+v", sum)
	}
	if v, f := counts(t, p.dlq); v+f != 0 {
		t.Fatalf("dlq still holds %d+%d", v, f)
	}
	got := drain(t, p.src, len(want))
	gotBodies := bodies(got)
	sort.Strings(gotBodies)
	if !slices.Equal(gotBodies, want) {
		t.Fatalf("bodies %v, want %v", gotBodies, want)
	}
	for _, m := range got {
		n := aws.ToString(m.MessageAttributes["n"].StringValue)
		if aws.ToString(m.Body) != "body-"+fmt.Sprintf("%02s", n) && aws.ToString(m.Body) != "body-0"+n {
			t.Fatalf("attribute n=%s on %s", n, aws.ToString(m.Body))
		}
		if len(m.MessageAttributes) != 2 {
			t.Fatalf("attributes %v", m.MessageAttributes)
		}
	}
	if moved := len(rec.outcomes()); moved != 25 {
		t.Fatalf("observer saw %d outcomes", moved)
	}
}

func TestReplayFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		filters []string
		want    []string // ids that move
	}{
		{"detail-type", []string{"detail-type=Invoice Paid"}, []string{"a1", "a2", "b1"}},
		{"source", []string{"source=licenseflow.signup"}, []string{"c1", "c2"}},
		{"attribute", []string{"tenant=acme"}, []string{"a1", "c1"}},
		{"all must match", []string{"detail-type=Invoice Paid", "tenant=acme"}, []string{"a1"}},
		{"nothing", []string{"source=nobody"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPair(t, 1, false)
			send(t, p.src,
				msg{body: envelope("a1", "licenseflow.payment", "Invoice Paid"), attrs: map[string]string{"tenant": "acme"}},
				msg{body: envelope("a2", "licenseflow.payment", "Invoice Paid"), attrs: map[string]string{"tenant": "globex"}},
				msg{body: envelope("b1", "licenseflow.webhook", "Invoice Paid")},
				msg{body: envelope("c1", "licenseflow.signup", "User Added"), attrs: map[string]string{"tenant": "acme"}},
				msg{body: envelope("c2", "licenseflow.signup", "Company Created")},
				msg{body: "not json", attrs: map[string]string{"tenant": "initech"}},
			)
			killToDLQ(t, p, 6)
			var fs []Filter
			for _, s := range tc.filters {
				f, err := ParseFilter(s)
				if err != nil {
					t.Fatal(err)
				}
				fs = append(fs, f)
			}
			sum, err := newTool(t, nil).Replay(context.Background(), ReplayOptions{Queue: p.dlq, Filters: fs}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Moved != int64(len(tc.want)) || sum.Skipped != int64(6-len(tc.want)) || sum.Failed != 0 {
				t.Fatalf("summary %+v", sum)
			}
			// The rest is visible again at once, not hidden until a timeout.
			if v, f := counts(t, p.dlq); v != 6-len(tc.want) || f != 0 {
				t.Fatalf("dlq: %d visible, %d in flight; want %d visible", v, f, 6-len(tc.want))
			}
			var got []string
			for _, m := range drain(t, p.src, len(tc.want)) {
				got = append(got, ParseEvent(aws.ToString(m.Body)).ID)
			}
			sort.Strings(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("moved %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReplayMaxAndDryRun(t *testing.T) {
	t.Parallel()
	p := deadLetters(t, "m", 30)
	tool := newTool(t, nil)
	ctx := context.Background()

	rec := newRecorder()
	sum, err := tool.Replay(ctx, ReplayOptions{Queue: p.dlqName, DryRun: true}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if sum.WouldMove != 30 || sum.Moved != 0 || !sum.DryRun {
		t.Fatalf("dry run summary %+v", sum)
	}
	for _, o := range rec.outcomes() {
		if o.Action != ActionWouldMove || o.Destination != p.srcName {
			t.Fatalf("dry run outcome %+v", o)
		}
	}
	if v, f := counts(t, p.dlq); v != 30 || f != 0 {
		t.Fatalf("after dry run dlq has %d visible %d in flight", v, f)
	}
	if v, f := counts(t, p.src); v+f != 0 {
		t.Fatalf("dry run moved %d", v+f)
	}

	sum, err = tool.Replay(ctx, ReplayOptions{Queue: p.dlqName, Max: 12}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Moved != 12 || sum.Failed != 0 || !strings.Contains(strings.Join(sum.Notes, " "), "--max 12") {
		t.Fatalf("max summary %+v", sum)
	}
	if v, f := counts(t, p.dlq); v != 18 || f != 0 {
		t.Fatalf("after max dlq has %d visible %d in flight", v, f)
	}
	if v, _ := counts(t, p.src); v != 12 {
		t.Fatalf("source has %d", v)
	}
}

func TestReplayRate(t *testing.T) {
	t.Parallel()
	const n, rate = 40, 20.0
	p := deadLetters(t, "r", n)
	start := time.Now()
	sum, err := newTool(t, nil).Replay(context.Background(), ReplayOptions{Queue: p.dlq, Rate: rate}, nil)
	elapsed := time.Since(start)
	if err != nil || sum.Moved != n {
		t.Fatalf("replay: %v %+v", err, sum)
	}
	// A token bucket of burst 10 at 20/s cannot pass 40 messages in less
	// than (40-10)/20 = 1.5s. Only a lower bound: a slow machine is fine.
	if min := time.Duration((n - 10) / rate * float64(time.Second)); elapsed < min {
		t.Fatalf("moved %d at --rate %v in %v, faster than %v", n, rate, elapsed, min)
	}
}

func TestReplayNeedsToWithSeveralSources(t *testing.T) {
	t.Parallel()
	p := newPair(t, 1, false)
	// A second queue redriving to the same DLQ.
	other := newQueue(t, false)
	_, err := local.SQS().SetQueueAttributes(context.Background(), &sqs.SetQueueAttributesInput{QueueUrl: aws.String(other),
		Attributes: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + p.dlqARN + `","maxReceiveCount":1}`}})
	if err != nil {
		t.Fatal(err)
	}
	send(t, p.src, msg{body: "x"})
	killToDLQ(t, p, 1)
	_, err = newTool(t, nil).Replay(context.Background(), ReplayOptions{Queue: p.dlq}, nil)
	if err == nil || !strings.Contains(err.Error(), "--to") {
		t.Fatalf("error %v, want one asking for --to", err)
	}
	dest := newQueue(t, false)
	sum, err := newTool(t, nil).Replay(context.Background(), ReplayOptions{Queue: p.dlq, To: dest}, nil)
	if err != nil || sum.Moved != 1 {
		t.Fatalf("replay --to: %v %+v", err, sum)
	}
	if got := bodies(drain(t, dest, 1)); !slices.Equal(got, []string{"x"}) {
		t.Fatalf("destination got %v", got)
	}
}

func TestReplayFIFO(t *testing.T) {
	t.Parallel()
	p := newPair(t, 1, true)
	var sent []msg
	for i := range 12 {
		sent = append(sent, msg{body: fmt.Sprint("f", i), group: fmt.Sprint("g", i%3), dedup: fmt.Sprint("d", i),
			attrs: map[string]string{"i": fmt.Sprint(i)}})
	}
	send(t, p.src, sent...)
	killToDLQ(t, p, 12)
	tool := newTool(t, nil)
	ctx := context.Background()

	// Back to the source within the deduplication window: the source drops
	// the copies as duplicates of the first sends, so the replay must keep
	// them in the DLQ rather than lose them.
	sum, err := tool.Replay(ctx, ReplayOptions{Queue: p.dlq}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, f := counts(t, p.src); v+f > 0 {
		// This SQS does not deduplicate against moved messages: then every
		// copy must have arrived.
		if sum.Moved != 12 || v+f != 12 {
			t.Fatalf("summary %+v, source holds %d", sum, v+f)
		}
		checkFIFO(t, drain(t, p.src, len(sent)), sent)
		return
	}
	// (Failed messages hold their groups until the replay ends, so it may
	// not reach all twelve.)
	if sum.Moved != 0 || sum.Failed == 0 || !strings.Contains(strings.Join(sum.Errors, " "), "duplicate") {
		t.Fatalf("summary %+v", sum)
	}
	if v, f := counts(t, p.dlq); v != 12 || f != 0 {
		// The summary tells a release that failed (every held message
		// counted as failed) from a receive whose answer never arrived.
		t.Fatalf("dlq: %d visible %d in flight after the replay %+v", v, f, sum)
	}

	// To another FIFO queue: group ids, deduplication ids, attributes and
	// order within a group are kept.
	dest := newQueue(t, true)
	sum, err = tool.Replay(ctx, ReplayOptions{Queue: p.dlq, To: dest}, nil)
	if err != nil || sum.Moved != 12 || sum.Failed != 0 {
		t.Fatalf("replay --to: %v %+v", err, sum)
	}
	checkFIFO(t, drain(t, dest, len(sent)), sent)
}

func checkFIFO(t *testing.T, got []sqstypes.Message, sent []msg) {
	t.Helper()
	if len(got) != len(sent) {
		t.Fatalf("got %d messages, want %d", len(got), len(sent))
	}
	byGroup := map[string][]string{}
	for _, m := range got {
		var want msg
		for _, s := range sent {
			if s.body == aws.ToString(m.Body) {
				want = s
			}
		}
		if m.Attributes["MessageGroupId"] != want.group || m.Attributes["MessageDeduplicationId"] != want.dedup ||
			aws.ToString(m.MessageAttributes["i"].StringValue) != strings.TrimPrefix(want.body, "f") {
			t.Fatalf("message %s: group %q dedup %q attrs %v; sent %+v", aws.ToString(m.Body),
				m.Attributes["MessageGroupId"], m.Attributes["MessageDeduplicationId"], m.MessageAttributes, want)
		}
		byGroup[want.group] = append(byGroup[want.group], want.body)
	}
	for g, bodies := range byGroup {
		var want []string
		for _, s := range sent {
			if s.group == g {
				want = append(want, s.body)
			}
		}
		if !slices.Equal(bodies, want) {
			t.Fatalf("group %s order %v, want %v", g, bodies, want)
		}
	}
}

// TestPoisonFixReplayOnce is the operator's story end to end: a handler
// bug sends events to the DLQ (as poison, and after maxReceiveCount), the
// handler is fixed, replay puts them back, and the business effect happens
// exactly once per event.
func TestPoisonFixReplayOnce(t *testing.T) {
	t.Parallel()
	p := newPair(t, 2, false)
	ctx := context.Background()

	var fixed atomic.Bool
	var mu sync.Mutex
	effects := map[string]int{} // event id -> times the effect was applied
	handler := func(_ context.Context, e events.Envelope) error {
		if !fixed.Load() {
			return events.Permanent(errors.New("unknown company (bug)"))
		}
		mu.Lock()
		defer mu.Unlock()
		if effects[e.ID] == 0 { // idempotent: keyed by event id
			effects[e.ID] = 1
		} else {
			effects[e.ID+"#dup"]++
		}
		return nil
	}
	sub, err := events.NewSQSSubscriber(events.SQSSubscriberConfig{Client: local.SQS(), WaitTime: time.Second,
		InitialBackoff: 100 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Logger: testlog.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	eventstest.Consume(t, sub, p.src, handler, events.WithName("accounts"), events.WithLogger(testlog.Quiet()))

	const n = 5
	var ids []string
	for i := range n {
		id := fmt.Sprintf("6f1c2a4e-0009-4b7e-9a51-%012d", i)
		ids = append(ids, id)
		send(t, p.src, msg{body: userAddRequested(id)})
	}
	waitFor(t, "poison events in the DLQ", func() bool { v, f := counts(t, p.dlq); return v+f == n })

	tool := newTool(t, nil)
	msgs, _, err := tool.Show(ctx, p.dlq, 10, nil)
	if err != nil || len(msgs) != n {
		t.Fatalf("show: %v, %d messages", err, len(msgs))
	}
	for _, m := range msgs {
		if m.Reason[events.MetadataPoisonHandler] != "accounts" || m.Reason[events.MetadataPoisonSource] != p.srcARN || m.Event == nil ||
			m.Event.DetailType != "User Add Requested" {
			t.Fatalf("dead message %+v", m)
		}
	}

	fixed.Store(true)
	sum, err := tool.Replay(ctx, ReplayOptions{Queue: p.dlq}, nil)
	if err != nil || sum.Moved != n || sum.Failed != 0 {
		t.Fatalf("replay: %v %+v", err, sum)
	}
	waitFor(t, "every event handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(effects) >= n
	})
	waitFor(t, "source queue empty", func() bool { v, f := counts(t, p.src); return v+f == 0 })
	mu.Lock()
	defer mu.Unlock()
	for _, id := range ids {
		if effects[id] != 1 || effects[id+"#dup"] != 0 {
			t.Fatalf("effects %v", effects)
		}
	}
	if v, f := counts(t, p.dlq); v+f != 0 {
		t.Fatalf("dlq still holds %d+%d", v, f)
	}
}

func userAddRequested(id string) string {
	return fmt.Sprintf(`{"version":"0","id":%q,"detail-type":"User Add Requested","source":"licenseflow.signup",`+
		`"account":"000000000000","time":"2026-03-01T11:59:00Z","region":"us-east-1","resources":[],`+
		`"detail":{"company_id":"cmp_7f3a9c01","user_id":"usr_e5f6a7b8","email":"grace@acme.example","name":"Grace Hopper",`+
		`"role":"member","requested_by":"usr_a1b2c3d4","requested_at":"2026-03-01T11:58:59Z"}}`, id)
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
