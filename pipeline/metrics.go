package pipeline

import (
	"net/http"
	"strconv"
	"time"

	"github.com/licenseflow/licenseflow/internal/httpapi"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the pipeline's Prometheus metrics, on a registry of its own.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	handled  *prometheus.CounterVec
	handling *prometheus.HistogramVec
	lag      *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "licenseflow_http_requests_total", Help: "Edge HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "licenseflow_http_request_seconds", Help: "Edge HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"route"}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "licenseflow_events_handled_total", Help: "Events handled by stage, detail-type and outcome.",
		}, []string{"stage", "detail_type", "outcome"}),
		handling: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "licenseflow_event_handling_seconds", Help: "Time a stage spent on one event.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"stage"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "licenseflow_event_lag_seconds", Help: "Time from an event's time (whole seconds) to the start of its handling, by stage.",
			Buckets: prometheus.ExponentialBuckets(0.25, 2, 14),
		}, []string{"stage"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.handled, m.handling, m.lag,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeEvent(stage, detailType string, err error, d time.Duration) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.handled.WithLabelValues(stage, detailType, outcome).Inc()
	m.handling.WithLabelValues(stage).Observe(d.Seconds())
}

// handler serves /metrics.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// instrument counts and times requests of one route.
func (m *metrics) instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := httpapi.NewStatusRecorder(w)
		h.ServeHTTP(rec, r)
		m.requests.WithLabelValues(route, strconv.Itoa(rec.Status)).Inc()
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}
