package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
	"github.com/licenseflow/licenseflow/pipeline"
)

// TestMain lets a test start this package's test binary as the licenseflow
// binary itself: with LICENSEFLOW_TEST_MAIN=1 it runs main and exits, so a
// test can exercise what a real process does (the Lambda runtime's start,
// signals, exit codes) without building the binary first.
func TestMain(m *testing.M) {
	if os.Getenv("LICENSEFLOW_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// execute runs cmd with args in process and returns what it wrote to
// stdout and stderr together.
func execute(cmd *cobra.Command, args ...string) (string, error) {
	var out bytes.Buffer
	err := executeTo(cmd, &out, &out, args...)
	return out.String(), err
}

// executeTo runs cmd with args in process, writing to stdout and stderr.
func executeTo(cmd *cobra.Command, stdout, stderr io.Writer, args ...string) error {
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetArgs(args)
	return cmd.Execute()
}

// wantAll fails t for each of wants that text (what names it) lacks.
func wantAll(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// startLocalAWS starts a localaws of the test's own, in memory on loopback
// and stopped when the test ends, with the template's queues, bus and rules
// when withTopology (as `localaws --topology` creates them), and returns it
// with SDK clients for it.
func startLocalAWS(t *testing.T, withTopology bool) (*localaws.Server, pipeline.Clients) {
	t.Helper()
	ctx := context.Background()
	srv := localawstest.Start(t, localaws.Config{NoSync: true, Logger: testlog.Quiet()})
	if withTopology {
		if err := applyTopology(ctx, srv, "", "embedded"); err != nil {
			t.Fatal(err)
		}
	}
	c, err := pipeline.LocalClients(ctx, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}
