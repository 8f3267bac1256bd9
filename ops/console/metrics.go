package console

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// MetricsSource gives the Prometheus metrics of one or more of the
// pipeline's processes; a prometheus.Gatherer is one.
type MetricsSource interface {
	Gather() ([]*dto.MetricFamily, error)
}

// The metrics the console reads (package pipeline writes them).
const (
	metricHandled  = "licenseflow_events_handled_total" // {stage, outcome="ok"|"error"}
	metricLag      = "licenseflow_event_lag_seconds"    // histogram {stage}
	metricRequests = "licenseflow_http_requests_total"  // {route, code}
)

// Scrape is the metrics served at url (a /metrics endpoint), read over
// HTTP in the Prometheus text format. url comes from the operator's
// configuration, never from a request.
func Scrape(url string) MetricsSource {
	return scraper{url: url, client: &http.Client{Timeout: 5 * time.Second}}
}

type scraper struct {
	url    string
	client *http.Client
}

// maxMetricsBytes bounds a scraped /metrics answer.
const maxMetricsBytes = 16 << 20

func (s scraper) Gather() ([]*dto.MetricFamily, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics %s: %w", s.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics %s: HTTP %d", s.url, resp.StatusCode)
	}
	dec := expfmt.NewDecoder(io.LimitReader(resp.Body, maxMetricsBytes), expfmt.NewFormat(expfmt.TypeTextPlain))
	var out []*dto.MetricFamily
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, fmt.Errorf("metrics %s: %w", s.url, err)
		}
		out = append(out, mf)
	}
}

// counters are one stage's cumulative figures at one instant.
type counters struct {
	ok, failed, lagSum, lagCount float64
}

type sample struct {
	at     time.Time
	stages map[string]counters
	routes map[string]float64 // requests by route
}

// stageRates are a stage's rates over the window between two samples.
type stageRates struct {
	Known            bool
	Handled, Failed  float64 // events a second
	Lag              time.Duration
	LagKnown         bool
	Window           time.Duration
	HandledTotal     float64
	FailedTotal      float64
	RequestsBySecond float64 // for edges: requests a second
}

// rates samples the metrics when asked, and turns two samples into rates.
type rates struct {
	sources []MetricsSource

	mu      sync.Mutex
	samples []sample // oldest first, within rateHistory
	err     error
}

// Sampling: at most one sample a second, kept for two minutes; rates span
// up to a minute.
const (
	sampleEvery = time.Second
	rateHistory = 2 * time.Minute
	rateWindow  = time.Minute
	minWindow   = 2 * time.Second
)

func newRates(sources []MetricsSource) *rates { return &rates{sources: sources} }

// get takes a sample if the last is older than a second and returns the
// rates of every stage and edge route it knows; nil without sources.
func (r *rates) get(now time.Time) (map[string]stageRates, error) {
	if len(r.sources) == 0 {
		return nil, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.samples); n == 0 || now.Sub(r.samples[n-1].at) >= sampleEvery {
		s, err := r.take(now)
		r.err = err
		if err == nil {
			r.samples = append(r.samples, s)
		}
	}
	for len(r.samples) > 0 && now.Sub(r.samples[0].at) > rateHistory {
		r.samples = r.samples[1:]
	}
	return r.compute(), r.err
}

func (r *rates) take(now time.Time) (sample, error) {
	s := sample{at: now, stages: map[string]counters{}, routes: map[string]float64{}}
	for _, src := range r.sources {
		fams, err := src.Gather()
		if err != nil {
			return s, err
		}
		for _, f := range fams {
			addFamily(&s, f)
		}
	}
	return s, nil
}

func addFamily(s *sample, f *dto.MetricFamily) {
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		switch f.GetName() {
		case metricHandled:
			c := s.stages[labels["stage"]]
			if labels["outcome"] == "ok" {
				c.ok += m.GetCounter().GetValue()
			} else {
				c.failed += m.GetCounter().GetValue()
			}
			s.stages[labels["stage"]] = c
		case metricLag:
			c := s.stages[labels["stage"]]
			c.lagSum += m.GetHistogram().GetSampleSum()
			c.lagCount += float64(m.GetHistogram().GetSampleCount())
			s.stages[labels["stage"]] = c
		case metricRequests:
			s.routes[labels["route"]] += m.GetCounter().GetValue()
		}
	}
}

// compute compares the newest sample with the oldest one within the
// window. Caller holds r.mu.
func (r *rates) compute() map[string]stageRates {
	out := map[string]stageRates{}
	if len(r.samples) == 0 {
		return out
	}
	last := r.samples[len(r.samples)-1]
	var base *sample
	for i := range r.samples {
		if d := last.at.Sub(r.samples[i].at); d <= rateWindow && d >= minWindow {
			base = &r.samples[i]
			break
		}
	}
	for name, c := range last.stages {
		sr := stageRates{HandledTotal: c.ok, FailedTotal: c.failed}
		if base != nil {
			b := base.stages[name]
			secs := last.at.Sub(base.at).Seconds()
			sr.Known, sr.Window = true, last.at.Sub(base.at)
			sr.Handled, sr.Failed = (c.ok-b.ok)/secs, (c.failed-b.failed)/secs
			if n := c.lagCount - b.lagCount; n > 0 {
				sr.Lag, sr.LagKnown = time.Duration((c.lagSum-b.lagSum)/n*float64(time.Second)), true
			}
		}
		out[name] = sr
	}
	for route, n := range last.routes {
		sr := stageRates{HandledTotal: n}
		if base != nil {
			sr.Known, sr.Window = true, last.at.Sub(base.at)
			sr.RequestsBySecond = (n - base.routes[route]) / last.at.Sub(base.at).Seconds()
		}
		out["route:"+route] = sr
	}
	return out
}
