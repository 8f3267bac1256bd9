package pipeline

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/licenseflow/licenseflow/events"
)

// Observer counts and times what parts handle (Prometheus metrics on a
// registry of its own) and reports every handled event as a Hop. Parts
// built in one process share one Observer, so one /metrics shows them all.
// It is safe for concurrent use.
type Observer struct {
	metrics *metrics
	hops    chan<- Hop
}

// NewObserver returns an Observer sending hops to hops (nil: none). A
// send never blocks: a hop nobody has room for is dropped.
func NewObserver(hops chan<- Hop) *Observer {
	return &Observer{metrics: newMetrics(), hops: hops}
}

// Stage wraps the handler of the named stage.
func (o *Observer) Stage(name string, h events.Handler) events.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		start := time.Now()
		err := h(ctx, e)
		o.metrics.observeEvent(name, e.DetailType, err, time.Since(start))
		if o.hops != nil {
			var ids struct {
				CompanyID string `json:"company_id"`
			}
			_ = json.Unmarshal(e.Detail, &ids)
			select {
			case o.hops <- Hop{Stage: name, DetailType: e.DetailType, CompanyID: ids.CompanyID,
				EventID: e.ID, CorrelationID: events.CorrelationID(ctx), Detail: e.Detail, Err: err, Start: start, At: time.Now()}:
			default:
			}
		}
		return err
	}
}

// Route wraps the handler of one HTTP route.
func (o *Observer) Route(name string, h http.Handler) http.Handler {
	return o.metrics.instrument(name, h)
}

// Metrics serves the metrics in the Prometheus text format.
func (o *Observer) Metrics() http.Handler { return o.metrics.handler() }
