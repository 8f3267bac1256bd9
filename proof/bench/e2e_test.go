package bench

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

const (
	webhookSecret = "whsec_bench_e2e"
	// e2eSenders is how many goroutines send webhooks (and, for the
	// baseline, PutEvents) at once in a burst.
	e2eSenders = 8
)

// shape is how an end-to-end benchmark runs the pipeline: always every
// part in this process (edge, stages, app server) on loopback, localaws
// durable.
type shape struct {
	name string
	// postgres puts the stages' store on the test PostgreSQL server
	// (storetest.EnvPostgresURL; skipped without it) instead of SQLite.
	postgres bool
	// localawsProcess runs localaws as a process of its own (`licenseflow
	// localaws`), as users run it, instead of inside this process.
	localawsProcess bool
}

// shapes are the ways the end-to-end benchmarks run, each a sub-benchmark.
var shapes = []shape{
	{name: "sqlite"},
	{name: "postgres", postgres: true},
	{name: "sqlite-localaws-process", localawsProcess: true},
}

// e2e is a running pipeline, the client that drives it, the watch on its
// hops and the baseline hop on its localaws.
type e2e struct {
	p     *pipeline.Pipeline
	c     *prooftest.Client
	watch *hopWatch
	base  *baseline
	pub   ed25519.PublicKey
	// localaws is the localaws process, when it runs as one.
	localaws *prooftest.Proc
}

// cpu is the CPU time this process and the localaws process (if any) have
// used so far.
func (e *e2e) cpu(b *testing.B) time.Duration {
	b.Helper()
	t := cpuTime(b)
	if e.localaws != nil {
		c, err := procCPU(e.localaws.Pid())
		if err != nil {
			b.Fatal(err)
		}
		t += c
	}
	return t
}

// startE2E starts the pipeline in shape sh; it stops when b ends.
func startE2E(ctx context.Context, b *testing.B, sh shape) *e2e {
	b.Helper()
	pub, priv, err := license.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	hops := make(chan pipeline.Hop, 1<<16)
	cfg := prooftest.PipelineConfig(dir, pub, priv, webhookSecret, hops, testlog.Quiet())
	if sh.postgres {
		cfg.Store = storetest.PostgresURL(b)
	}
	var proc *prooftest.Proc
	if sh.localawsProcess {
		var url string
		bin, err := cliBinary()
		if err != nil {
			b.Fatal(err)
		}
		proc, url = prooftest.StartLocalAWS(b, bin, filepath.Join(dir, "localaws-process"))
		clients, err := pipeline.LocalClients(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		cfg.AWS = &clients
	}
	p, err := pipeline.Start(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := p.Close(); err != nil {
			b.Errorf("closing the pipeline: %v", err)
		}
	})
	c := prooftest.NewClient(p.Edge.URL(), p.AppServer.URL(), webhookSecret)
	c.HTTP.Transport = &http.Transport{MaxIdleConnsPerHost: 4 * e2eSenders}
	return &e2e{p: p, c: c, watch: watchHops(ctx, hops), base: newBaseline(p.Clients), pub: pub, localaws: proc}
}

// iterate runs b.N rounds of: set up n companies (not timed), measure
// them (timed, its CPU counted and, when asked, profiled as PHASE-rN),
// then after (not timed: checks, the baseline). It returns the CPU time
// the measured phases used, in this process and the localaws process.
func (e *e2e) iterate(ctx context.Context, b *testing.B, phase string, n int,
	measure func(run string, cos []prooftest.Company), after func(run string, cos []prooftest.Company)) time.Duration {
	b.Helper()
	var cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		run := fmt.Sprintf("%s-r%d", phase, i)
		cos := setupCompanies(ctx, b, e.c, e.watch, run, n)
		b.StartTimer()
		cpu0 := e.cpu(b)
		stopProfile := profile(b, run)
		measure(run, cos)
		stopProfile()
		b.StopTimer()
		cpu += e.cpu(b) - cpu0
		after(run, cos)
		b.StartTimer()
	}
	b.StopTimer()
	return cpu
}
