package eventstest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/licenseflow/licenseflow/events"
)

// Envelope wraps d as a queue delivers it to a stage: an EventBridge
// envelope with event id id and time at, d's detail-type and source, and d
// as the detail. It fails tb when d cannot be encoded.
func Envelope(tb testing.TB, id string, at time.Time, d events.Detail) events.Envelope {
	tb.Helper()
	raw, err := json.Marshal(d)
	if err != nil {
		tb.Fatalf("encoding %T: %v", d, err)
	}
	return events.Envelope{Version: "0", ID: id, DetailType: d.DetailType(), Source: d.Source(), Time: at, Detail: raw}
}

// Consume runs handler on queue through sub as a stage does (events.Run
// with opts) until the test ends; then it stops the run, fails tb if Run
// returned an error, and closes sub.
func Consume(tb testing.TB, sub message.Subscriber, queue string, handler events.Handler, opts ...events.Option) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- events.Run(ctx, sub, queue, handler, opts...) }()
	tb.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			tb.Errorf("consuming %s: %v", queue, err)
		}
		if err := sub.Close(); err != nil {
			tb.Errorf("closing the subscriber of %s: %v", queue, err)
		}
	})
}
