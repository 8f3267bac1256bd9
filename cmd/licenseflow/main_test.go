package main

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/spf13/cobra"
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
