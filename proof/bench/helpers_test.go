// Package bench holds the end-to-end benchmarks of the whole pipeline on
// loopback: webhook → license on the app server (with the bare localaws
// PutEvents → ReceiveMessage hop as baseline), the license-push poller's
// peak RSS under load (with the idle poller as baseline), and localaws's
// SQS as users run it, its own process driven through the SDK (with goaws
// as baseline).
//
//	go test -run '^$' -bench . ./proof/bench
package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

// binDir holds the binaries built for the benchmarks; TestMain removes it.
var binDir string

// cliBinary is the licenseflow CLI, built on first use and then shared by
// every benchmark that runs it as its own process.
var cliBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "licenseflow-bench-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	return prooftest.Build(dir, "github.com/licenseflow/licenseflow/cmd/licenseflow")
})

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// percentile returns the q-quantile (0..1) of ds by the nearest-rank
// method; ds need not be sorted. It returns 0 for no samples.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(q*float64(len(s)) + 0.999999999) // ceil
	rank = max(1, min(rank, len(s)))
	return s[rank-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// EnvCPUProfile and EnvTrace name file prefixes: when set, the end-to-end
// benchmarks write a CPU profile (PREFIX-PHASE.cpu) or an execution trace
// (PREFIX-PHASE.trace) of each measured phase alone, without the set-up
// around it.
const (
	EnvCPUProfile = "LICENSEFLOW_BENCH_CPUPROFILE"
	EnvTrace      = "LICENSEFLOW_BENCH_TRACE"
)

// profile starts the CPU profile and the trace of a phase when asked to;
// the function it returns stops them.
func profile(tb testing.TB, phase string) func() {
	var stops []func()
	if prefix := os.Getenv(EnvCPUProfile); prefix != "" {
		f := create(tb, prefix+"-"+phase+".cpu")
		if err := pprof.StartCPUProfile(f); err != nil {
			tb.Fatal(err)
		}
		stops = append(stops, func() { pprof.StopCPUProfile(); _ = f.Close() })
	}
	if prefix := os.Getenv(EnvTrace); prefix != "" {
		f := create(tb, prefix+"-"+phase+".trace")
		if err := trace.Start(f); err != nil {
			tb.Fatal(err)
		}
		stops = append(stops, func() { trace.Stop(); _ = f.Close() })
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
	}
}

func create(tb testing.TB, name string) *os.File {
	f, err := os.Create(name)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// cpuTime is the CPU time (user and system) this process has used so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU returns the CPU time (user and system) process pid has used so
// far, from /proc/PID/stat.
func procCPU(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count from its ")".
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields after the name", pid, len(f))
	}
	// utime and stime are fields 14 and 15, in clock ticks (USER_HZ, 100
	// on Linux).
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// vmHWM returns the peak resident set size ("VmHWM") of process pid in
// MiB, from /proc/PID/status.
func vmHWM(pid int) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("VmHWM line %q", sc.Text())
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, fmt.Errorf("VmHWM line %q: %w", sc.Text(), err)
		}
		return kb / 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
