package events

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/schemas"
)

func compact(t testing.TB, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// Run over the real subscriber: a valid event reaches the handler with its
// correlation id; an invalid one goes to the DLQ saying why; a panic is
// retried; slow handlers time out; every hop is logged with its latency.
func TestRunMiddlewareOverSQS(t *testing.T) {
	t.Parallel()
	q := newQueue(t, 30*time.Second, 5)
	good, _ := schemas.Sample("company-signup-requested")
	panicky, _ := schemas.Sample("user-add-requested")
	slow, _ := schemas.Sample("session-requested")
	invalid := strings.Replace(compact(t, good), `"admin_email":"ada@acme.example"`, `"admin_email":12`, 1)
	sendBodies(t, q.url, []string{compact(t, good), compact(t, panicky), compact(t, slow), invalid, "not json at all"})

	var logs testlog.Buffer
	logger := logs.Text()
	sub := newTestSubscriber(t, local.SQS(), func(c *SQSSubscriberConfig) { c.InitialBackoff = time.Second; c.Logger = testlog.Quiet() })

	var mu sync.Mutex
	seen := map[string][]string{} // detail-type -> correlation ids per call
	panicked := false
	slowTimedOut := false
	h := func(ctx context.Context, e Envelope) error {
		mu.Lock()
		seen[e.DetailType] = append(seen[e.DetailType], CorrelationID(ctx))
		mu.Unlock()
		switch e.DetailType {
		case TypeUserAddRequested:
			mu.Lock()
			first := !panicked
			panicked = true
			mu.Unlock()
			if first {
				panic("first try fails")
			}
		case TypeSessionRequested:
			mu.Lock()
			again := slowTimedOut
			mu.Unlock()
			if again {
				return nil
			}
			<-ctx.Done()
			mu.Lock()
			slowTimedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
			mu.Unlock()
			return ctx.Err()
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, sub, q.name, h, WithName("accounts"), WithLogger(logger), WithTimeout(500*time.Millisecond))
	}()

	dead := receiveAll(t, q.dlqURL, 2, 30*time.Second)
	eventually(t, 30*time.Second, "the queue to empty", func() bool { return queueDepth(t, q.url) == 0 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after ctx ended")
	}

	if len(dead) != 2 {
		t.Fatalf("dlq holds %d messages", len(dead))
	}
	reasons := map[string]string{}
	for _, m := range dead {
		reasons[aws.ToString(m.Body)] = aws.ToString(m.MessageAttributes[MetadataPoisonReason].StringValue)
		if h := aws.ToString(m.MessageAttributes[MetadataPoisonHandler].StringValue); h != "accounts" {
			t.Errorf("handler attribute %q", h)
		}
	}
	if r := reasons[invalid]; !strings.Contains(r, "/admin_email") {
		t.Errorf("invalid event's reason %q", r)
	}
	if r := reasons["not json at all"]; !strings.Contains(r, "envelope") {
		t.Errorf("non-JSON reason %q", r)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := seen[TypeCompanySignup]; len(got) != 1 || got[0] != "req-0a1b2c3d4e5f" {
		t.Errorf("valid event calls (correlation ids) %v", got)
	}
	if got := seen[TypeUserAddRequested]; len(got) != 2 {
		t.Errorf("panicking event handled %d times, want 2 (retried)", len(got))
	}
	if got := seen[TypeSessionRequested]; len(got) != 2 || !slowTimedOut {
		t.Errorf("slow event handled %d times (timed out %v), want a timeout then a retry", len(got), slowTimedOut)
	}
	out := logs.String()
	for _, want := range []string{"correlation_id=req-0a1b2c3d4e5f", "latency=", "outcome=dead-letter",
		"outcome=retry", "handler panicked: first try fails", "handler=accounts", "queue=" + q.name, "receive_count=2"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q", want)
		}
	}
	// A handler's error is logged once, by LogMiddleware, under "err".
	if strings.Contains(out, "Handler returned error") || strings.Contains(out, " error=") || !strings.Contains(out, " err=") {
		t.Errorf("handler errors are not logged once under err:\n%s", out)
	}
}
