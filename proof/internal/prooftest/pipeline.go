package prooftest

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/pipeline/pipelinetest"
)

// PipelineConfig is pipelinetest.Config, the whole pipeline on loopback,
// with hops and log as the caller wants.
func PipelineConfig(dir string, pub ed25519.PublicKey, priv ed25519.PrivateKey, webhookSecret string,
	hops chan<- pipeline.Hop, log *slog.Logger) pipeline.Config {
	cfg := pipelinetest.Config(dir, pub, priv, webhookSecret)
	cfg.Hops, cfg.Logger = hops, log
	return cfg
}

// LocalAWS runs a durable localaws on addr (state under dir) with the
// default topology until the test ends; it returns its URL and clients.
func LocalAWS(ctx context.Context, tb testing.TB, addr, dir string, log *slog.Logger) (string, pipeline.Clients) {
	tb.Helper()
	srv := localawstest.Start(tb, localaws.Config{Addr: addr, DataDir: filepath.Join(dir, "localaws"), Logger: log})
	clients, err := pipeline.LocalClients(ctx, srv.URL())
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := infra.Apply(ctx, clients.SQS, clients.Events, infra.Default()); err != nil {
		tb.Fatal(err)
	}
	return srv.URL(), clients
}

// RunParts runs the parts in the background until the test ends, then
// stops and closes them (before what was set up earlier, like LocalAWS).
func RunParts(tb testing.TB, parts ...pipeline.Part) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pipeline.RunParts(ctx, parts...) }()
	tb.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			tb.Errorf("parts: %v", err)
		}
	})
}
