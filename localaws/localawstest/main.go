package localawstest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"

	"github.com/licenseflow/licenseflow/localaws"
)

// Main is the TestMain of a package whose tests share one in-process
// localaws: it starts a server with cfg (Addr defaults to a free loopback
// port and Logger to one that discards; leave DataDir empty to keep state
// in memory), points *local at it, runs the tests, stops the server and
// exits with the tests' result:
//
//	var local *localaws.Server
//
//	func TestMain(m *testing.M) { localawstest.Main(m, localaws.Config{NoSync: true}, &local) }
func Main(m *testing.M, cfg localaws.Config, local **localaws.Server) {
	os.Exit(run(m, cfg, local))
}

func run(m *testing.M, cfg localaws.Config, local **localaws.Server) int {
	srv, err := localaws.Start(context.Background(), withDefaults(cfg))
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting localaws:", err)
		return 1
	}
	defer srv.Close()
	*local = srv
	return m.Run()
}

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

// withDefaults gives cfg a free loopback port and a logger that discards
// unless it names its own.
func withDefaults(cfg localaws.Config) localaws.Config {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}
