package eventstest

import (
	"encoding/json"
	"testing"
	"time"

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
