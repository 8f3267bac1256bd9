package bench

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

// e2eCompanies is how many companies (one webhook each) one iteration of
// the burst drives through the pipeline.
const e2eCompanies = 200

// BenchmarkWebhookToLicense measures the whole pipeline on loopback, in
// each shape (sub-benchmark): per company, from sending a signed
// customer.subscription.created webhook to the app server holding the
// license the payment stage signed for it. The license-push stage reports
// the event only after the app server acknowledged the PUT, so that moment
// is when the server holds the license; every license is then read back
// over GET and verified.
//
// Before the clock starts, e2eCompanies companies sign up and their admins
// log in, so a session exists and License Issued is pushed at once. Then
// all their webhooks are sent as a burst by e2eSenders goroutines.
// Reported: p50-ms, p99-ms and events/s (companies licensed per second of
// wall time), the median of each leg (see reportFlows) and the CPU time the
// whole process spent per event.
//
// The baseline, in the same run and the same localaws, is the bare hop the
// pipeline crosses several times: PutEvents of one event (same bus, a fresh
// rule and queue) to a long-polling ReceiveMessage getting it, as many
// events from as many goroutines: baseline-p50-ms, baseline-p99-ms,
// baseline-events/s.
func BenchmarkWebhookToLicense(b *testing.B) {
	for _, sh := range shapes {
		b.Run(sh.name, func(b *testing.B) { benchFlows(b, sh, "burst", e2eCompanies, fireWebhooks, burst) })
	}
}

// singleFlows is how many flows, one after another, one iteration of
// BenchmarkSingleFlow times.
const singleFlows = 50

// BenchmarkSingleFlow measures one webhook with nothing else running: from
// sending it to the app server holding its license, for singleFlows
// companies in turn (each set up first, as in the burst), in the
// in-process shape and with localaws in its own process. Reported as the
// burst; the baseline is the bare hop, one event at a time.
func BenchmarkSingleFlow(b *testing.B) {
	for _, sh := range shapes {
		if !sh.postgres {
			b.Run(sh.name, func(b *testing.B) { benchFlows(b, sh, "single", singleFlows, oneAtATime, oneByOne) })
		}
	}
}

// benchFlows runs the pipeline in shape sh; each round sets up n
// companies, fires one webhook for each (timed), verifies their licenses
// and drives the baseline hop with as many events in the same way.
func benchFlows(b *testing.B, sh shape, phase string, n int,
	fire func(context.Context, *testing.B, *e2e, string, []prooftest.Company) ([]flow, time.Duration),
	drive func(n int) func(context.Context, *hops) error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := startE2E(ctx, b, sh)
	var flows []flow
	var baseLat []time.Duration
	var wall, baseWall time.Duration
	cpu := e.iterate(ctx, b, sh.name+"-"+phase, n, func(run string, cos []prooftest.Company) {
		f, w := fire(ctx, b, e, run, cos)
		flows, wall = append(flows, f...), wall+w
	}, func(run string, cos []prooftest.Company) {
		verifyLicenses(ctx, b, e.c, e.pub, cos)
		bl, bw := e.base.run(ctx, b, len(cos), drive(len(cos)))
		baseLat, baseWall = append(baseLat, bl...), baseWall+bw
	})
	reportFlows(b, flows)
	b.ReportMetric(float64(len(flows))/wall.Seconds(), "events/s")
	reportCPU(b, cpu, wall, len(flows))
	reportLatency(b, "baseline-", baseLat)
	b.ReportMetric(float64(len(baseLat))/baseWall.Seconds(), "baseline-events/s")
}

// oneAtATime sends one webhook per company, each once the license of the
// one before is on the app server.
func oneAtATime(ctx context.Context, b *testing.B, e *e2e, run string, cos []prooftest.Company) ([]flow, time.Duration) {
	b.Helper()
	flows := make([]flow, len(cos))
	start := time.Now()
	for k, co := range cos {
		id, payload := webhook(run, k, co.CompanyID, 0, time.Now().Unix(), 10)
		flows[k] = flow{company: co.CompanyID, eventID: id}
		if err := flows[k].send(ctx, e.c, payload); err != nil {
			b.Fatal(err)
		}
		if err := flows[k].await(ctx, e.watch); err != nil {
			b.Fatal(err)
		}
	}
	return flows, time.Since(start)
}

// reportCPU reports the CPU the measured phases took per event
// (cpu-ms/event) and how many cores they kept busy on average (cpu-cores):
// events/s is at most the cores the process gets over cpu-ms/event.
func reportCPU(b *testing.B, cpu, wall time.Duration, events int) {
	b.ReportMetric(ms(cpu)/float64(events), "cpu-ms/event")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cpu-cores")
}

// reportLatency reports the median and 99th percentile of ds as
// PREFIXp50-ms and PREFIXp99-ms.
func reportLatency(b *testing.B, prefix string, ds []time.Duration) {
	b.ReportMetric(ms(percentile(ds, 0.5)), prefix+"p50-ms")
	b.ReportMetric(ms(percentile(ds, 0.99)), prefix+"p99-ms")
}

// setupCompanies signs up n companies, logs each admin in and waits until
// the license-push stage recorded every session.
func setupCompanies(ctx context.Context, b *testing.B, c *prooftest.Client, watch *hopWatch, run string, n int) []prooftest.Company {
	b.Helper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cos := make([]prooftest.Company, n)
	err := parallel(n, e2eSenders, func(k int) error {
		// The signup API limits requests per client address: each
		// company's admin comes from its own loopback address.
		c := fromAddr(c, loopbackAddr(k))
		defer c.HTTP.CloseIdleConnections()
		co, err := c.Signup(ctx, fmt.Sprintf("Bench %s %d", run, k), fmt.Sprintf("admin-%s-%d@bench.example", run, k))
		if err != nil {
			return err
		}
		if _, err := watch.wait(ctx, companyKey(pipeline.StageAccounts, events.TypeCompanySignup, co.CompanyID)); err != nil {
			return err
		}
		if _, err := c.Login(ctx, co.Token); err != nil {
			return err
		}
		if _, err := watch.wait(ctx, companyKey(pipeline.StageLicensePush, events.TypeSessionStarted, co.CompanyID)); err != nil {
			return err
		}
		cos[k] = co
		return nil
	})
	if err != nil {
		b.Fatalf("setting up companies: %v", err)
	}
	return cos
}

// flow is one webhook on its way to the app server: when it was due, sent
// and accepted, and the payment and license-push hops it caused (found by
// its correlation id, the provider event id).
type flow struct {
	company, eventID    string
	due, sent, accepted time.Time
	payment, push       pipeline.Hop
}

// latency is from when the webhook was due to the app server holding the
// license.
func (f flow) latency() time.Duration { return f.push.At.Sub(f.due) }

// webhook is a customer.subscription.created (j = 0) or .updated event of
// company k's subscription, its j-th, setting quantity seats.
func webhook(run string, k int, company string, j int, created int64, quantity int) (eventID string, payload []byte) {
	eventID = fmt.Sprintf("evt_bench_%s_%d_%d", run, k, j)
	sub := prooftest.NewSubscription(run, k, company)
	return eventID, sub.Update(eventID, created, j == 0, "team_monthly", quantity)
}

// send posts the webhook; anything but 200 is an error.
func (f *flow) send(ctx context.Context, c *prooftest.Client, payload []byte) error {
	f.sent = time.Now()
	if f.due.IsZero() {
		f.due = f.sent
	}
	code, err := c.Webhook(ctx, payload, "")
	f.accepted = time.Now()
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("webhook %s for %s answered %d", f.eventID, f.company, code)
	}
	return nil
}

// await waits for the flow's payment and license-push hops.
func (f *flow) await(ctx context.Context, watch *hopWatch) error {
	var err error
	if f.push, err = watch.wait(ctx, flowKey(pipeline.StageLicensePush, events.TypeLicenseIssued, f.eventID)); err != nil {
		return fmt.Errorf("license never reached the app server: %w", err)
	}
	f.payment, err = watch.wait(ctx, flowKey(pipeline.StagePayment, events.TypeSubscriptionChanged, f.eventID))
	return err
}

// fireWebhooks sends one subscription webhook per company as a burst and
// returns each company's flow and the wall time from the first send to the
// last license.
func fireWebhooks(ctx context.Context, b *testing.B, e *e2e, run string, cos []prooftest.Company) ([]flow, time.Duration) {
	b.Helper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	flows := make([]flow, len(cos))
	start := time.Now()
	err := parallel(len(cos), e2eSenders, func(k int) error {
		id, payload := webhook(run, k, cos[k].CompanyID, 0, start.Unix(), 10)
		flows[k] = flow{company: cos[k].CompanyID, eventID: id}
		return flows[k].send(ctx, e.c, payload)
	})
	if err != nil {
		b.Fatalf("sending webhooks: %v", err)
	}
	var last time.Time
	for k := range flows {
		if err := flows[k].await(ctx, e.watch); err != nil {
			b.Fatal(err)
		}
		last = latest(last, flows[k].push.At)
	}
	return flows, last.Sub(start)
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// reportFlows reports the flows' p50-ms and p99-ms (from when each webhook
// was due, or sent), accepted-p50-ms and accepted-p99-ms (from its 200)
// and the median of each leg: ingress (send to 200), to-payment (200 to the payment handler's
// start: EventBridge rule, SQS, receive), payment (its handler:
// transaction, outbox, PutEvents), to-push (to the license-push handler's
// start) and push (its handler: transactions and the PUT to the app
// server).
func reportFlows(b *testing.B, flows []flow) {
	lat := make([]time.Duration, len(flows))
	accepted := make([]time.Duration, len(flows))
	for i, f := range flows {
		lat[i] = f.latency()
		accepted[i] = f.push.At.Sub(f.accepted)
	}
	reportLatency(b, "", lat)
	reportLatency(b, "accepted-", accepted)
	legs := []struct {
		name     string
		from, to func(flow) time.Time
	}{
		{"ingress", func(f flow) time.Time { return f.sent }, func(f flow) time.Time { return f.accepted }},
		{"to-payment", func(f flow) time.Time { return f.accepted }, func(f flow) time.Time { return f.payment.Start }},
		{"payment", func(f flow) time.Time { return f.payment.Start }, func(f flow) time.Time { return f.payment.At }},
		{"to-push", func(f flow) time.Time { return f.payment.At }, func(f flow) time.Time { return f.push.Start }},
		{"push", func(f flow) time.Time { return f.push.Start }, func(f flow) time.Time { return f.push.At }},
	}
	for _, l := range legs {
		ds := make([]time.Duration, len(flows))
		for i, f := range flows {
			ds[i] = l.to(f).Sub(l.from(f))
		}
		b.ReportMetric(ms(percentile(ds, 0.5)), l.name+"-p50-ms")
	}
}

// verifyLicenses reads every company's license back from the app server.
func verifyLicenses(ctx context.Context, b *testing.B, c *prooftest.Client, pub ed25519.PublicKey, cos []prooftest.Company) {
	b.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := parallel(len(cos), e2eSenders, func(k int) error {
		code, lic, _, err := c.License(ctx, pub, cos[k].CompanyID)
		switch {
		case err != nil:
			return err
		case code != http.StatusOK:
			return fmt.Errorf("app server answered %d for %s", code, cos[k].CompanyID)
		case lic.CompanyID != cos[k].CompanyID || lic.Serial != 1 || lic.Plan != "team" || lic.Seats != 10:
			return fmt.Errorf("app server holds %+v for %s", lic, cos[k].CompanyID)
		}
		return nil
	})
	if err != nil {
		b.Fatalf("verifying licenses: %v", err)
	}
}

// loopbackAddr returns the k-th address of 127.1.0.0/16 (k < 65024).
func loopbackAddr(k int) net.IP {
	return net.IPv4(127, 1, byte(k/254), byte(k%254+1))
}

// fromAddr returns a copy of c whose connections leave from ip.
func fromAddr(c *prooftest.Client, ip net.IP) *prooftest.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: ip}}
	cp := *c
	cp.HTTP = &http.Client{Timeout: c.HTTP.Timeout, Transport: &http.Transport{DialContext: d.DialContext}}
	return &cp
}

// parallel runs fn(0..n-1) on workers goroutines and returns the first
// error; after an error the remaining items are skipped.
func parallel(n, workers int, fn func(k int) error) error {
	var next atomic.Int64
	var once sync.Once
	var first error
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for !failed.Load() {
				k := int(next.Add(1)) - 1
				if k >= n {
					return
				}
				if err := fn(k); err != nil {
					once.Do(func() { first = err })
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	return first
}
