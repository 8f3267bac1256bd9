package main

import (
	"os"
	"testing"
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
