package bench

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	if sh.localawsProcess {
		clients, err := pipeline.LocalClients(ctx, startLocalAWS(b, dir))
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
	return &e2e{p: p, c: c, watch: watchHops(ctx, hops), base: newBaseline(p.Clients), pub: pub}
}

// startLocalAWS runs `licenseflow localaws` (durable, state under dir)
// until b ends and returns its URL.
func startLocalAWS(b *testing.B, dir string) string {
	b.Helper()
	bin, err := prooftest.Build(dir, "github.com/licenseflow/licenseflow/cmd/licenseflow")
	if err != nil {
		b.Fatal(err)
	}
	addrs, err := prooftest.FreeAddrs(1)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "localaws", "--addr", addrs[0], "--data", filepath.Join(dir, "localaws-process"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	cmd.Stderr = os.Stderr
	p, err := prooftest.StartProc(cmd, "localaws listening on ")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Stop(10 * time.Second) })
	line, err := p.WaitReady(time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "localaws listening on "))
}
