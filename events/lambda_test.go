package events

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/licenseflow/licenseflow/internal/testlog"
)

func loadSQSEvent(t *testing.T) awsevents.SQSEvent {
	t.Helper()
	raw, err := os.ReadFile("testdata/sqs-event.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev awsevents.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func failedIDs(r awsevents.SQSEventResponse) []string {
	var out []string
	for _, f := range r.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	return out
}

func TestSQSLambdaHandler(t *testing.T) {
	t.Parallel()
	v := newTestValidator(t)
	ev := loadSQSEvent(t)
	id := func(i int) string { return ev.Records[i].MessageId }
	fifo := loadSQSEvent(t)
	for i := range fifo.Records {
		fifo.Records[i].EventSourceARN += ".fifo"
	}
	for _, tc := range []struct {
		name    string
		ev      awsevents.SQSEvent
		h       Handler
		failed  []string
		logHas  []string
		handled int
	}{
		{name: "invalid record fails alone", ev: ev, h: func(context.Context, Envelope) error { return nil },
			failed: []string{id(1)}, logHas: []string{"outcome=dead-letter", "correlation_id=req-0a1b2c3d4e5f", "queue=licenseflow-signup"}, handled: 2},
		{name: "retryable error", ev: ev, h: func(_ context.Context, e Envelope) error {
			if e.DetailType == TypeUserAddRequested {
				return errors.New("store down")
			}
			return nil
		}, failed: []string{id(1), id(2)}, logHas: []string{"outcome=retry", "store down"}, handled: 2},
		{name: "panic fails its record", ev: ev, h: func(_ context.Context, e Envelope) error {
			if e.DetailType == TypeCompanySignup {
				panic("boom")
			}
			return nil
		}, failed: []string{id(0), id(1)}, logHas: []string{"level=ERROR", "handler panicked: boom", "stack="}, handled: 2},
		{name: "fifo fails the rest", ev: fifo, h: func(context.Context, Envelope) error { return nil },
			failed: []string{id(1), id(2)}, handled: 1},
		{name: "empty event", ev: awsevents.SQSEvent{}, h: func(context.Context, Envelope) error { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs testlog.Buffer
			var mu sync.Mutex
			handled := 0
			h := func(ctx context.Context, e Envelope) error {
				mu.Lock()
				handled++
				mu.Unlock()
				return tc.h(ctx, e)
			}
			lh := SQSLambdaHandler(h, WithValidator(v), WithName("test"),
				WithLogger(logs.Text()))
			resp, err := lh(context.Background(), tc.ev)
			if err != nil {
				t.Fatalf("handler error: %v", err)
			}
			if got := failedIDs(resp); strings.Join(got, ",") != strings.Join(tc.failed, ",") {
				t.Errorf("failed = %v, want %v", got, tc.failed)
			}
			if handled != tc.handled {
				t.Errorf("handler ran %d times, want %d", handled, tc.handled)
			}
			for _, s := range tc.logHas {
				if !strings.Contains(logs.String(), s) {
					t.Errorf("log lacks %q:\n%s", s, logs.String())
				}
			}
		})
	}
}

// The handler sees the detail's correlation id in its context.
func TestSQSLambdaHandlerCorrelation(t *testing.T) {
	t.Parallel()
	ev := loadSQSEvent(t)
	ev.Records = ev.Records[:1]
	var got string
	lh := SQSLambdaHandler(func(ctx context.Context, e Envelope) error {
		got = CorrelationID(ctx)
		return nil
	}, WithLogger(testlog.Quiet()))
	if resp, _ := lh(context.Background(), ev); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %v", resp.BatchItemFailures)
	}
	if got != "req-0a1b2c3d4e5f" {
		t.Errorf("correlation id %q", got)
	}
}
