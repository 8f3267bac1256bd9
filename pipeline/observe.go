package pipeline

import (
	"context"
	"encoding/json"
	"time"

	"github.com/licenseflow/licenseflow/events"
)

// observe wraps a stage handler so that every handled event is reported as
// a Hop (without blocking the stage when nobody listens) and counted.
func observe(stage string, h events.Handler, hops chan<- Hop, m *metrics) events.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		start := time.Now()
		err := h(ctx, e)
		m.observeEvent(stage, e.DetailType, err, time.Since(start))
		if hops != nil {
			var ids struct {
				CompanyID string `json:"company_id"`
			}
			_ = json.Unmarshal(e.Detail, &ids)
			select {
			case hops <- Hop{Stage: stage, DetailType: e.DetailType, CompanyID: ids.CompanyID,
				EventID: e.ID, Detail: e.Detail, Err: err, At: time.Now()}:
			default:
			}
		}
		return err
	}
}
