package pipeline

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/licenseflow/licenseflow/internal/httpapi"
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
		requests: counterVec("licenseflow_http_requests_total", "Edge HTTP requests by route and status code.", "route", "code"),
		latency:  histogramVec("licenseflow_http_request_seconds", "Edge HTTP request latency by route.", 0.0005, "route"),
		handled: counterVec("licenseflow_events_handled_total", "Events handled by stage, detail-type and outcome.",
			"stage", "detail_type", "outcome"),
		handling: histogramVec("licenseflow_event_handling_seconds", "Time a stage spent on one event.", 0.0005, "stage"),
		lag: histogramVec("licenseflow_event_lag_seconds",
			"Time from an event's time (whole seconds) to the start of its handling, by stage.", 0.25, "stage"),
	}
	m.registry.MustRegister(m.requests, m.latency, m.handled, m.handling, m.lag,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// histogramVec has 14 buckets, each twice the one before, from first
// (seconds).
func histogramVec(name, help string, first float64, labels ...string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help,
		Buckets: prometheus.ExponentialBuckets(first, 2, 14)}, labels)
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
