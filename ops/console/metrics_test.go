package console

import (
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// TestRatesFromMetrics: handled and failed rates and the mean lag over the
// window between two samples, read from a registry in process and from
// the same metrics scraped over HTTP.
func TestRatesFromMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	handled := prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricHandled}, []string{"stage", "detail_type", "outcome"})
	lag := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: metricLag}, []string{"stage"})
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricRequests}, []string{"route", "code"})
	reg.MustRegister(handled, lag, requests)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()

	for name, src := range map[string]MetricsSource{"gatherer": reg, "scraped": Scrape(srv.URL)} {
		r := newRates([]MetricsSource{src})
		t0 := time.Now()
		first, err := r.get(t0)
		if err != nil || first["payment"].Known {
			t.Fatalf("%s: first sample %+v %v", name, first, err)
		}
		handled.WithLabelValues("payment", "Invoice Paid", "ok").Add(20)
		handled.WithLabelValues("payment", "Subscription Changed", "ok").Add(10)
		handled.WithLabelValues("payment", "Invoice Paid", "error").Add(3)
		requests.WithLabelValues("webhook", "200").Add(50)
		for range 4 {
			lag.WithLabelValues("payment").Observe(0.5)
		}
		got, err := r.get(t0.Add(10 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		p := got["payment"]
		if !p.Known || !near(p.Handled, 3) || !near(p.Failed, 0.3) || !p.LagKnown || p.Lag != 500*time.Millisecond ||
			!near(got["route:webhook"].RequestsBySecond, 5) {
			t.Fatalf("%s: rates %+v, webhook %+v", name, p, got["route:webhook"])
		}
	}
	if _, err := newRates([]MetricsSource{Scrape("http://127.0.0.1:1/metrics")}).get(time.Now()); err == nil {
		t.Fatal("an unreachable metrics endpoint gave no error")
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
