package bench

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

// The sustained load: sustainedRate webhooks a second for sustainedFor,
// spread over sustainedCompanies companies, so that each company gets one
// every sustainedCompanies/sustainedRate seconds (1.2 s); latency
// percentiles per sustainedWindow of send time.
const (
	sustainedRate      = 500
	sustainedFor       = 30 * time.Second
	sustainedWindow    = 5 * time.Second
	sustainedCompanies = 600
	// sustainedInFlight bounds the webhooks being sent at once; when it
	// is reached the sender falls behind, which the latency (counted from
	// when each webhook was due) shows.
	sustainedInFlight = 256
)

// BenchmarkSustained offers the in-process pipeline (SQLite) a fixed
// arrival rate, sustainedRate webhooks a second for sustainedFor, each a
// subscription update of one of sustainedCompanies companies (set up
// first) changing its seats, so each is a new license. Latency counts from
// when a webhook was due, not when it went out, so a sender held back by a
// slow pipeline shows as latency (no coordinated omission); it ends when
// the app server holds the license of that update or of a later one of the
// same company (an update the stage applied after a newer one is
// superseded, and says so in "superseded").
//
// Reported: p50-ms and p99-ms over the whole load, p99-ms per window of
// send time (wNNs-p99-ms: the window starting NN seconds in), the worst
// window's worst-window-p99-ms, events/s achieved, CPU per event. The
// baseline is the bare hop at the same rate for sustainedWindow, same run.
func BenchmarkSustained(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := startE2E(ctx, b, shapes[0])
	var (
		lat, baseLat []time.Duration
		windows      = make([][]time.Duration, sustainedFor/sustainedWindow)
		superseded   int
		wall         time.Duration
	)
	cpu := e.iterate(ctx, b, "sustained", sustainedCompanies, func(run string, cos []prooftest.Company) {
		flows, w := sustain(ctx, b, e, run, cos)
		wall += w
		start := flows[0].due
		for _, f := range flows {
			lat = append(lat, f.latency())
			k := min(int(f.due.Sub(start)/sustainedWindow), len(windows)-1)
			windows[k] = append(windows[k], f.latency())
			if f.push.CorrelationID != f.eventID {
				superseded++
			}
		}
	}, func(string, []prooftest.Company) {
		n := int(sustainedRate * sustainedWindow / time.Second)
		bl, _ := e.base.run(ctx, b, n, atRate(n, sustainedRate))
		baseLat = append(baseLat, bl...)
	})
	reportLatency(b, "", lat)
	var worst time.Duration
	for k, ds := range windows {
		p99 := percentile(ds, 0.99)
		worst = max(worst, p99)
		b.ReportMetric(ms(p99), fmt.Sprintf("w%02ds-p99-ms", k*int(sustainedWindow/time.Second)))
	}
	b.ReportMetric(ms(worst), "worst-window-p99-ms")
	b.ReportMetric(float64(len(lat))/wall.Seconds(), "events/s")
	b.ReportMetric(float64(superseded), "superseded")
	reportCPU(b, cpu, wall, len(lat))
	reportLatency(b, "baseline-", baseLat)
}

// sustain offers the load to cos and returns its flows, each ended by the
// license that covers it, and the wall time from the first due webhook to
// the last license.
func sustain(ctx context.Context, b *testing.B, e *e2e, run string, cos []prooftest.Company) ([]flow, time.Duration) {
	b.Helper()
	ctx, cancel := context.WithTimeout(ctx, sustainedFor+5*time.Minute)
	defer cancel()
	n := int(sustainedRate * sustainedFor / time.Second)
	flows := make([]flow, n)
	created := time.Now().Unix()
	// Every company's j-th update is created 2j seconds after the load
	// started: strictly newer than its last, whatever the clock does.
	payloads := make([][]byte, n)
	for i := range flows {
		k, j := i%len(cos), i/len(cos)
		id, payload := webhook(run, k, cos[k].CompanyID, j, created+int64(2*j), 10+j%40)
		flows[i] = flow{company: cos[k].CompanyID, eventID: id}
		payloads[i] = payload
	}
	c := *e.c
	c.HTTP = &http.Client{Timeout: e.c.HTTP.Timeout, Transport: &http.Transport{MaxIdleConnsPerHost: sustainedInFlight}}
	defer c.HTTP.CloseIdleConnections()
	err := paced(ctx, n, sustainedRate, func(i int, due time.Time) error {
		flows[i].due = due
		return flows[i].send(ctx, &c, payloads[i])
	})
	if err != nil {
		b.Fatalf("sending webhooks: %v", err)
	}
	// Each company's last update is never superseded: wait for those.
	for i := n - len(cos); i < n; i++ {
		if _, err := e.watch.wait(ctx, flowKey(pipeline.StageLicensePush, events.TypeLicenseIssued, flows[i].eventID)); err != nil {
			b.Fatal(err)
		}
	}
	// An update's flow ends with its own license or the first later one
	// of its company.
	var last time.Time
	for i := n - 1; i >= 0; i-- {
		f := &flows[i]
		push, ok := e.watch.first(flowKey(pipeline.StageLicensePush, events.TypeLicenseIssued, f.eventID))
		if next := i + len(cos); !ok || (next < n && flows[next].push.At.Before(push.At)) {
			push = flows[next].push
		}
		f.push = push
		f.payment, _ = e.watch.first(flowKey(pipeline.StagePayment, events.TypeSubscriptionChanged, f.eventID))
		last = latest(last, push.At)
	}
	return flows, last.Sub(flows[0].due)
}

// paced calls send(i, due) for i in 0..n-1, the i-th due i/rate seconds
// after the start, each in its own goroutine (at most sustainedInFlight at
// once), and returns the first error once all returned.
func paced(ctx context.Context, n, rate int, send func(i int, due time.Time) error) error {
	start := time.Now()
	slots := make(chan struct{}, sustainedInFlight)
	errs := make(chan error, n)
	for i := range n {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		go func() {
			defer func() { <-slots }()
			errs <- send(i, due)
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// atRate sends the baseline's n events at rate a second, as paced does.
func atRate(n, rate int) func(context.Context, *hops) error {
	return func(ctx context.Context, h *hops) error {
		return paced(ctx, n, rate, func(k int, due time.Time) error { return h.put(ctx, k, due) })
	}
}
