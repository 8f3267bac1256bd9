// Package crashtest runs a test's child process (the test binary again)
// and kills it with SIGKILL mid-stream, for the tests that prove a kill -9
// of an engine loses nothing it acknowledged. For tests only.
package crashtest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// childDirEnv names the directory of a child Run started.
const childDirEnv = "LOCALAWS_CRASHTEST_CHILD_DIR"

// Main is the TestMain of a package with a kill test: in a child Run
// started it calls child with the child's directory (child serves until
// it is killed); otherwise it runs the tests.
func Main(m *testing.M, child func(dir string)) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		child(dir)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Must ends a child that meets err: it prints err to stderr and exits 2.
func Must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
}

// Run starts this test binary as a child running no test, on directory dir
// and with the extra "KEY=value" environment, and hands each line the child
// prints to line. It kills the child with SIGKILL once line returns false
// or within has passed, still handing line what the child printed before
// it died (with the same answer ignored), and returns when the child's
// output ends.
func Run(tb testing.TB, dir string, extra []string, within time.Duration, line func(string) bool) {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childDirEnv+"="+dir), extra...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	timer := time.AfterFunc(within, func() { cmd.Process.Kill() })
	defer timer.Stop()
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if !line(sc.Text()) && !killed {
			killed = true
			cmd.Process.Kill() // lines already in the pipe still count
		}
	}
	_ = cmd.Wait()
}
