package localawstest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/localaws"
)

// Shared is the one in-process localaws the tests of a package share, with
// one SQS and one EventBridge client of it (one connection pool for all the
// tests). The package's TestMain starts it:
//
//	var local localawstest.Shared
//
//	func TestMain(m *testing.M) { local.Main(m, localaws.Config{NoSync: true}) }
type Shared struct {
	*localaws.Server
	sqs *sqs.Client
	eb  *eventbridge.Client
}

// Main starts a server with cfg (Addr defaults to a free loopback port and
// Logger to testlog.Quiet; leave DataDir empty to keep state in memory),
// points s at it, runs the tests, stops the server and exits with the
// tests' result.
func (s *Shared) Main(m *testing.M, cfg localaws.Config) {
	os.Exit(s.run(m, cfg))
}

func (s *Shared) run(m *testing.M, cfg localaws.Config) int {
	srv, err := localaws.Start(context.Background(), withDefaults(cfg))
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting localaws:", err)
		return 1
	}
	defer srv.Close()
	s.Server, s.sqs, s.eb = srv, SQS(srv.URL()), EventBridge(srv.URL())
	return m.Run()
}

// Config is SDK configuration for the shared server (see Config).
func (s *Shared) Config() aws.Config { return Config(s.URL()) }

// SQS returns the SQS client of the shared server.
func (s *Shared) SQS() *sqs.Client { return s.sqs }

// EventBridge returns the EventBridge client of the shared server.
func (s *Shared) EventBridge() *eventbridge.Client { return s.eb }

// Start starts a localaws of the test's own with cfg (defaults as Main's)
// and stops it when the test ends.
func Start(tb testing.TB, cfg localaws.Config) *localaws.Server {
	tb.Helper()
	srv, err := localaws.Start(context.Background(), withDefaults(cfg))
	if err != nil {
		tb.Fatalf("starting localaws: %v", err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv
}

// withDefaults gives cfg a free loopback port and a quiet logger unless it
// names its own.
func withDefaults(cfg localaws.Config) localaws.Config {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = testlog.Quiet()
	}
	return cfg
}
