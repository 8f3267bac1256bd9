package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// newRoutedBus creates a bus whose rule sends every licenseflow event to a
// fresh queue.
func newRoutedBus(t testing.TB) (string, testQueue) {
	t.Helper()
	ctx := context.Background()
	eb := local.EventBridge()
	q := newQueue(t, 30*time.Second, 0)
	bus := localawstest.FreshName(t, "bus")
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)}); err != nil {
		t.Fatalf("creating bus: %v", err)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("all"), EventBusName: aws.String(bus),
		EventPattern: aws.String(`{"source":[{"prefix":"licenseflow."}]}`)}); err != nil {
		t.Fatalf("putting rule: %v", err)
	}
	out, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("all"), EventBusName: aws.String(bus),
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(q.arn)}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("putting targets: %v %+v", err, out)
	}
	return bus, q
}

// faultyEventBridge forwards PutEvents to localaws, except that entries
// fail(call, index) names are kept back and reported failed with that code,
// the way EventBridge reports a partial failure. It records every call's
// entry count.
type faultyEventBridge struct {
	real *eventbridge.Client
	fail func(call, index int, e ebtypes.PutEventsRequestEntry) string

	mu    sync.Mutex
	calls []int
}

func (f *faultyEventBridge) PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.mu.Lock()
	call := len(f.calls)
	f.calls = append(f.calls, len(in.Entries))
	f.mu.Unlock()
	results := make([]ebtypes.PutEventsResultEntry, len(in.Entries))
	var forward []ebtypes.PutEventsRequestEntry
	var at []int
	for i, e := range in.Entries {
		if code := f.failCode(call, i, e); code != "" {
			results[i] = ebtypes.PutEventsResultEntry{ErrorCode: aws.String(code), ErrorMessage: aws.String("injected")}
			continue
		}
		forward = append(forward, e)
		at = append(at, i)
	}
	out := &eventbridge.PutEventsOutput{}
	if len(forward) > 0 {
		real, err := f.real.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: forward}, opts...)
		if err != nil {
			return nil, err
		}
		for j, r := range real.Entries {
			results[at[j]] = r
		}
	}
	for _, r := range results {
		if r.ErrorCode != nil {
			out.FailedEntryCount++
		}
	}
	out.Entries = results
	return out, nil
}

func (f *faultyEventBridge) failCode(call, i int, e ebtypes.PutEventsRequestEntry) string {
	if f.fail == nil {
		return ""
	}
	return f.fail(call, i, e)
}

func (f *faultyEventBridge) callSizes() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.calls...)
}

func userAdded(i int) UserAdded {
	return UserAdded{CompanyID: "cmp_1", UserID: fmt.Sprintf("usr_%03d", i), Email: fmt.Sprintf("u%d@acme.example", i),
		Role: "member", CreatedAt: time.Date(2026, 3, 1, 12, 0, i, 0, time.UTC)}
}

func newMessages(t testing.TB, n int) []*message.Message {
	t.Helper()
	var msgs []*message.Message
	for i := range n {
		m, err := NewMessage(context.Background(), fmt.Sprintf("m-%03d", i), userAdded(i))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// userIDsOf decodes the queue messages as envelopes of User Added events.
func userIDsOf(t testing.TB, bodies []string) map[string]int {
	t.Helper()
	v := newTestValidator(t)
	ids := map[string]int{}
	for _, b := range bodies {
		env, err := ParseEnvelope([]byte(b))
		if err != nil {
			t.Fatalf("queue message is not an envelope: %v", err)
		}
		d, err := v.Decode(env)
		if err != nil {
			t.Fatalf("decoding delivered event: %v", err)
		}
		ids[d.(UserAdded).UserID]++
	}
	return ids
}

func bodiesOf(t testing.TB, url string, n int) []string {
	t.Helper()
	var out []string
	for _, m := range receiveAll(t, url, n, 30*time.Second) {
		out = append(out, aws.ToString(m.Body))
	}
	return out
}

func TestEventBridgePublisherBatchesAndRetriesOnlyFailedEntries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		n     int
		fail  func(call, i int, e ebtypes.PutEventsRequestEntry) string
		calls []int
	}{
		{name: "batches of ten", n: 25, calls: []int{10, 10, 5}},
		{name: "partial failure retried", n: 7, calls: []int{7, 2},
			fail: func(call, i int, _ ebtypes.PutEventsRequestEntry) string {
				if call == 0 && (i == 1 || i == 4) {
					return "ThrottlingException"
				}
				return ""
			}},
		{name: "failures across attempts", n: 4, calls: []int{4, 3, 1},
			fail: func(call, i int, _ ebtypes.PutEventsRequestEntry) string {
				if (call == 0 && i > 0) || (call == 1 && i == 2) {
					return "InternalFailure"
				}
				return ""
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bus, q := newRoutedBus(t)
			client := &faultyEventBridge{real: local.EventBridge(), fail: tc.fail}
			p, err := NewEventBridgePublisher(EventBridgePublisherConfig{Client: client, Concurrency: 1,
				InitialBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Logger: testlog.Quiet()})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Publish(bus, newMessages(t, tc.n)...); err != nil {
				t.Fatalf("Publish: %v", err)
			}
			if got := client.callSizes(); !slices.Equal(got, tc.calls) {
				t.Errorf("PutEvents entry counts %v, want %v", got, tc.calls)
			}
			ids := userIDsOf(t, bodiesOf(t, q.url, tc.n))
			if len(ids) != tc.n {
				t.Errorf("%d distinct events delivered, want %d", len(ids), tc.n)
			}
			for id, c := range ids {
				if c != 1 {
					t.Errorf("%s delivered %d times", id, c)
				}
			}
		})
	}
}

func TestEventBridgePublisherReportsRejectedEntries(t *testing.T) {
	t.Parallel()
	bus, q := newRoutedBus(t)
	client := &faultyEventBridge{real: local.EventBridge(), fail: func(call, i int, e ebtypes.PutEventsRequestEntry) string {
		if strings.Contains(aws.ToString(e.Detail), "usr_001") {
			return "ThrottlingException" // never clears
		}
		return ""
	}}
	p, err := NewEventBridgePublisher(EventBridgePublisherConfig{Client: client, MaxAttempts: 3,
		InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Logger: testlog.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	msgs := newMessages(t, 3)
	// An entry the real bus refuses for good: a detail-type over 128
	// characters.
	bad := message.NewMessage("m-bad", []byte(`{}`))
	bad.Metadata.Set(MetadataSource, SourceAccounts)
	bad.Metadata.Set(MetadataDetailType, strings.Repeat("d", 129))
	err = p.Publish(bus, append(msgs, bad)...)
	var pe *PublishError
	if !errors.As(err, &pe) {
		t.Fatalf("Publish = %v, want a *PublishError", err)
	}
	rejected := map[string]string{}
	for _, r := range pe.Rejected {
		rejected[r.MessageUUID] = r.Code
	}
	if len(rejected) != 2 || rejected["m-001"] != "ThrottlingException" || rejected["m-bad"] == "" {
		t.Errorf("rejected = %v", rejected)
	}
	if got := client.callSizes(); !slices.Equal(got, []int{4, 1, 1}) {
		t.Errorf("calls %v: want the throttled entry retried alone, the malformed one never", got)
	}
	ids := userIDsOf(t, bodiesOf(t, q.url, 2))
	if ids["usr_000"] != 1 || ids["usr_002"] != 1 || len(ids) != 2 {
		t.Errorf("delivered %v", ids)
	}
}

func TestEventBridgePublisherRefusesBadInput(t *testing.T) {
	t.Parallel()
	client := &faultyEventBridge{real: local.EventBridge()}
	p, err := NewEventBridgePublisher(EventBridgePublisherConfig{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	noMeta := message.NewMessage("x", []byte(`{}`))
	huge := message.NewMessage("y", []byte(`{"a":"`+strings.Repeat("a", MaxEventBytes)+`"}`))
	huge.Metadata.Set(MetadataSource, "s")
	huge.Metadata.Set(MetadataDetailType, "d")
	notObject := message.NewMessage("z", []byte(`{"unterminated`))
	taken := message.NewMessage("w", []byte(`{"`+DetailMessageMember+`":{}}`))
	for _, m := range []*message.Message{notObject, taken} {
		m.Metadata.Set(MetadataSource, "s")
		m.Metadata.Set(MetadataDetailType, "d")
	}
	for name, m := range map[string]*message.Message{"no metadata": noMeta, "oversized": huge,
		"not a JSON object": notObject, "reserved member": taken} {
		if err := p.Publish("bus", m); err == nil {
			t.Errorf("%s: Publish succeeded", name)
		}
	}
	if err := p.Publish("", newMessages(t, 1)...); err == nil {
		t.Error("empty bus accepted")
	}
	if n := len(client.callSizes()); n != 0 {
		t.Errorf("%d calls made for refused input", n)
	}
	p.Close()
	if err := p.Publish("bus", newMessages(t, 1)...); !errors.Is(err, ErrPublisherClosed) {
		t.Errorf("Publish after Close = %v", err)
	}
	if _, err := NewEventBridgePublisher(EventBridgePublisherConfig{}); err == nil {
		t.Error("config without client accepted")
	}
}

func TestPackBatchesBySize(t *testing.T) {
	t.Parallel()
	var entries []pendingEntry
	for i := range 5 {
		entries = append(entries, pendingEntry{uuid: fmt.Sprint(i), size: 400})
	}
	batches, err := packBatches(entries, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, b := range batches {
		sizes = append(sizes, len(b))
	}
	if !slices.Equal(sizes, []int{2, 2, 1}) {
		t.Errorf("batches %v", sizes)
	}
	if _, err := packBatches([]pendingEntry{{size: 1001}}, 1000); err == nil {
		t.Error("entry over the batch limit accepted")
	}
}

func TestBusPublisher(t *testing.T) {
	t.Parallel()
	bus, q := newRoutedBus(t)
	client := &faultyEventBridge{real: local.EventBridge()}
	eb, err := NewEventBridgePublisher(EventBridgePublisherConfig{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewBusPublisher(BusPublisherConfig{Publisher: eb, Bus: bus})
	if err != nil {
		t.Fatal(err)
	}
	ctx := WithCorrelationID(context.Background(), "corr-42")
	invalid := userAdded(9)
	invalid.Email = "nope"
	var ve *ValidationError
	if err := p.Publish(ctx, userAdded(1), invalid); !errors.As(err, &ve) {
		t.Fatalf("Publish with an invalid detail = %v", err)
	}
	if n := len(client.callSizes()); n != 0 {
		t.Fatalf("an invalid detail let %d calls through", n)
	}
	if err := p.Publish(ctx, userAdded(1), userAdded(2)); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	bodies := bodiesOf(t, q.url, 2)
	if ids := userIDsOf(t, bodies); len(ids) != 2 {
		t.Fatalf("delivered %v", ids)
	}
	for _, b := range bodies {
		var env Envelope
		if err := json.Unmarshal([]byte(b), &env); err != nil {
			t.Fatal(err)
		}
		if got := DetailCorrelationID(env.Detail); got != "corr-42" {
			t.Errorf("correlation id %q", got)
		}
		if env.Source != SourceAccounts || env.DetailType != TypeUserAdded || env.ID == "" {
			t.Errorf("envelope %+v", env)
		}
	}
	if _, err := NewBusPublisher(BusPublisherConfig{}); err == nil {
		t.Error("empty config accepted")
	}
}
