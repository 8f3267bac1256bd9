package pipeline

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/licenseflow/licenseflow/events"
)

// Observer counts and times what parts handle (Prometheus metrics on a
// registry of its own) and reports every handled event as a Hop. Parts
// built in one process share one Observer, so one /metrics shows them all.
// It is safe for concurrent use.
type Observer struct {
	metrics *metrics
	hops    chan<- Hop

	mu        sync.RWMutex
	listeners []func(Hop)
}

// NewObserver returns an Observer sending hops to hops (nil: none). A
// send never blocks: a hop nobody has room for is dropped.
func NewObserver(hops chan<- Hop) *Observer {
	return &Observer{metrics: newMetrics(), hops: hops}
}

// OnHop makes f receive every hop too, before the hops channel. f runs on
// the stage's goroutine: it must return quickly. Call it before the
// stages run.
func (o *Observer) OnHop(f func(Hop)) {
	o.mu.Lock()
	o.listeners = append(o.listeners, f)
	o.mu.Unlock()
}

// Gatherer gives the metrics to an in-process reader (the console).
func (o *Observer) Gatherer() prometheus.Gatherer { return o.metrics.registry }

// Stage wraps the handler of the named stage.
func (o *Observer) Stage(name string, h events.Handler) events.Handler {
	return func(ctx context.Context, e events.Envelope) error {
		start := time.Now()
		if !e.Time.IsZero() {
			o.metrics.lag.WithLabelValues(name).Observe(max(start.Sub(e.Time), 0).Seconds())
		}
		err := h(ctx, e)
		o.metrics.observeEvent(name, e.DetailType, err, time.Since(start))
		o.mu.RLock()
		listeners := o.listeners
		o.mu.RUnlock()
		if o.hops == nil && len(listeners) == 0 {
			return err
		}
		var ids struct {
			CompanyID string `json:"company_id"`
		}
		_ = json.Unmarshal(e.Detail, &ids)
		hop := Hop{Stage: name, DetailType: e.DetailType, CompanyID: ids.CompanyID,
			EventID: e.ID, CorrelationID: events.CorrelationID(ctx), Detail: e.Detail, Err: err, Start: start, At: time.Now()}
		for _, f := range listeners { // first: whoever waits on the channel may look at them next
			f(hop)
		}
		select {
		case o.hops <- hop: // a nil channel is never ready
		default:
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
