package dlq

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/testlog"
)

// TestPoisonFixReplayOnce is the operator's story end to end: a handler
// bug sends events to the DLQ (as poison, and after maxReceiveCount), the
// handler is fixed, replay puts them back, and the business effect happens
// exactly once per event.
func TestPoisonFixReplayOnce(t *testing.T) {
	t.Parallel()
	p := newPair(t, 2, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

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
	sub, err := events.NewSQSSubscriber(events.SQSSubscriberConfig{Client: client(), WaitTime: time.Second,
		InitialBackoff: 100 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, Logger: testlog.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	runDone := make(chan error, 1)
	go func() {
		runDone <- events.Run(ctx, sub, p.src, handler, events.WithName("accounts"), events.WithLogger(testlog.Quiet()))
	}()

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
	cancel()
	if err := <-runDone; err != nil {
		t.Fatalf("run: %v", err)
	}
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
