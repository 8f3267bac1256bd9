// Command benchtable runs every benchmark of the project once and prints one
// Markdown table: each figure beside its baseline from the same run, and
// their ratio. A benchmark that did not run prints "n/a".
//
//	go run ./proof/benchtable [-benchtime 1s] [-raw FILE] [packages]   (default ./...)
//	go run ./proof/benchtable -parse FILE                              (table from a saved run)
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// row is one line of the table: a figure and its baseline, both named by a
// regular expression over "import/path.BenchmarkName/sub" and a unit.
type row struct {
	what, figure, unit, baseline, baseUnit, baseWhat string
}

const goaws = "goaws v0.5.4 in memory, same workload"

var rows = []row{
	{"localaws SQS send, own process, durable", `bench\.BenchmarkSQSServer/localaws-process$`, "send-msgs/s", `bench\.BenchmarkSQSServer/goaws$`, "send-msgs/s", goaws},
	{"localaws SQS receive+delete, own process, durable", `bench\.BenchmarkSQSServer/localaws-process$`, "recv-msgs/s", `bench\.BenchmarkSQSServer/goaws$`, "recv-msgs/s", goaws},
	{"localaws SQS send, in process, durable", `bench\.BenchmarkSQSServer/localaws-in-process$`, "send-msgs/s", `bench\.BenchmarkSQSServer/goaws$`, "send-msgs/s", goaws},
	{"localaws SQS receive+delete, in process, durable", `bench\.BenchmarkSQSServer/localaws-in-process$`, "recv-msgs/s", `bench\.BenchmarkSQSServer/goaws$`, "recv-msgs/s", goaws},
	{"SQS send, canned-answer server (the SDK's ceiling)", `bench\.BenchmarkSQSServer/canned$`, "send-msgs/s", `bench\.BenchmarkSQSServer/goaws$`, "send-msgs/s", goaws},
	{"SQS receive+delete, canned-answer server (the SDK's ceiling)", `bench\.BenchmarkSQSServer/canned$`, "recv-msgs/s", `bench\.BenchmarkSQSServer/goaws$`, "recv-msgs/s", goaws},
	{"localaws SQS SendMessageBatch, durable", `sqs\.BenchmarkSendBatch/durable$`, "msgs/s", `sqs\.BenchmarkSendBatch/memory$`, "msgs/s", "same, in memory"},
	{"localaws SQS receive+delete, durable", `sqs\.BenchmarkReceiveDeleteBatch/durable$`, "msgs/s", `sqs\.BenchmarkReceiveDeleteBatch/memory$`, "msgs/s", "same, in memory"},
	{"localaws SQS long-poll wake", `sqs\.BenchmarkLongPollWake$`, "ms/send-to-wake", `sqs\.BenchmarkLongPollWake$`, "ms/baseline-receive", "receive of a ready message"},
	{"localaws PutEvents -> SQS delivery", `conformance\.BenchmarkEventBridgePutEventsToSQS/PutEvents$`, "events/s", `conformance\.BenchmarkEventBridgePutEventsToSQS/SendMessageBatch-baseline$`, "events/s", "SendMessageBatch straight to SQS"},
	{"our SQS subscriber", `events\.BenchmarkSQSSubscriber/ours$`, "msgs/s", `events\.BenchmarkSQSSubscriber/watermill-aws$`, "msgs/s", "watermill-aws subscriber"},
	{"webhook ingress (verify + map)", `webhook\.BenchmarkIngress/webhook$`, "req/s", `webhook\.BenchmarkIngress/bare$`, "req/s", "bare net/http handler"},
	{"webhook ingress + schema validation", `webhook\.BenchmarkIngress/webhook\+schema$`, "req/s", `webhook\.BenchmarkIngress/bare$`, "req/s", "bare net/http handler"},
	{"storage append, durable, 8x batch 10", `storage\.BenchmarkAppend/durable/goroutines=8/batch=10/impl=log$`, "records/s", `storage\.BenchmarkAppend/durable/goroutines=8/batch=10/impl=naive$`, "records/s", "write+fdatasync per append"},
	{"storage append, durable, 1 goroutine", `storage\.BenchmarkAppend/durable/goroutines=1/batch=1/impl=log$`, "records/s", `storage\.BenchmarkAppend/durable/goroutines=1/batch=1/impl=naive$`, "records/s", "write+fdatasync per append"},
	{"pattern match, 100 rules", `pattern\.BenchmarkMatch100Rules$`, "events/s", `pattern\.BenchmarkMatch100RulesReparse$`, "events/s", "Match per rule (reparse)"},
	{"store consume (Tx + FirstTime), SQLite", `sqlstore\.BenchmarkConsume/sqlite/tx-firsttime$`, "events/s", `sqlstore\.BenchmarkConsume/sqlite/baseline-sql-tx$`, "events/s", "bare sql.Tx insert"},
	{"store consume (Tx + FirstTime), PostgreSQL", `sqlstore\.BenchmarkConsume/postgres/tx-firsttime$`, "events/s", `sqlstore\.BenchmarkConsume/postgres/baseline-sql-tx$`, "events/s", "bare sql.Tx insert"},
	{"store consume, 16 at once, SQLite (group commit)", `sqlstore\.BenchmarkConsume/sqlite/tx-firsttime-concurrent$`, "events/s", `sqlstore\.BenchmarkConsume/sqlite/baseline-sql-tx-concurrent$`, "events/s", "bare sql.Tx insert, 16 at once"},
	{"store consume, 16 at once, PostgreSQL", `sqlstore\.BenchmarkConsume/postgres/tx-firsttime-concurrent$`, "events/s", `sqlstore\.BenchmarkConsume/postgres/baseline-sql-tx-concurrent$`, "events/s", "bare sql.Tx insert, 16 at once"},
	{"burst of 200 webhooks -> licenses, SQLite, p50", `bench\.BenchmarkWebhookToLicense/sqlite$`, "accepted-p50-ms", `bench\.BenchmarkWebhookToLicense/sqlite$`, "baseline-p50-ms", "PutEvents -> ReceiveMessage hop, same burst"},
	{"burst of 200 webhooks -> licenses, SQLite, p99", `bench\.BenchmarkWebhookToLicense/sqlite$`, "accepted-p99-ms", `bench\.BenchmarkWebhookToLicense/sqlite$`, "baseline-p99-ms", "PutEvents -> ReceiveMessage hop, same burst"},
	{"burst of 200 webhooks -> licenses, SQLite", `bench\.BenchmarkWebhookToLicense/sqlite$`, "events/s", `bench\.BenchmarkWebhookToLicense/sqlite$`, "baseline-events/s", "PutEvents -> ReceiveMessage hop, same burst"},
	{"burst of 200 webhooks -> licenses, PostgreSQL, p50", `bench\.BenchmarkWebhookToLicense/postgres$`, "accepted-p50-ms", `bench\.BenchmarkWebhookToLicense/postgres$`, "baseline-p50-ms", "PutEvents -> ReceiveMessage hop, same burst"},
	{"burst of 200 webhooks -> licenses, PostgreSQL, p99", `bench\.BenchmarkWebhookToLicense/postgres$`, "accepted-p99-ms", `bench\.BenchmarkWebhookToLicense/postgres$`, "baseline-p99-ms", "PutEvents -> ReceiveMessage hop, same burst"},
	{"burst of 200 webhooks -> licenses, PostgreSQL", `bench\.BenchmarkWebhookToLicense/postgres$`, "events/s", `bench\.BenchmarkWebhookToLicense/postgres$`, "baseline-events/s", "PutEvents -> ReceiveMessage hop, same burst"},
	{"burst of 200 webhooks -> licenses, localaws process, p50", `bench\.BenchmarkWebhookToLicense/sqlite-localaws-process$`, "accepted-p50-ms", `bench\.BenchmarkWebhookToLicense/sqlite-localaws-process$`, "baseline-p50-ms", "PutEvents -> ReceiveMessage hop, same burst"},
	{"burst of 200 webhooks -> licenses, localaws process, p99", `bench\.BenchmarkWebhookToLicense/sqlite-localaws-process$`, "accepted-p99-ms", `bench\.BenchmarkWebhookToLicense/sqlite-localaws-process$`, "baseline-p99-ms", "PutEvents -> ReceiveMessage hop, same burst"},
	{"burst of 200 webhooks -> licenses, localaws process", `bench\.BenchmarkWebhookToLicense/sqlite-localaws-process$`, "events/s", `bench\.BenchmarkWebhookToLicense/sqlite-localaws-process$`, "baseline-events/s", "PutEvents -> ReceiveMessage hop, same burst"},
	{"single flow webhook -> license, in process, p50", `bench\.BenchmarkSingleFlow/sqlite$`, "accepted-p50-ms", `bench\.BenchmarkSingleFlow/sqlite$`, "baseline-p50-ms", "PutEvents -> ReceiveMessage hop, one at a time"},
	{"single flow webhook -> license, localaws process, p50", `bench\.BenchmarkSingleFlow/sqlite-localaws-process$`, "accepted-p50-ms", `bench\.BenchmarkSingleFlow/sqlite-localaws-process$`, "baseline-p50-ms", "PutEvents -> ReceiveMessage hop, one at a time"},
	{"sustained 500 webhooks/s for 30 s, p50", `bench\.BenchmarkSustained$`, "p50-ms", `bench\.BenchmarkSustained$`, "baseline-p50-ms", "PutEvents -> ReceiveMessage hop at 500/s"},
	{"sustained 500 webhooks/s for 30 s, p99", `bench\.BenchmarkSustained$`, "p99-ms", `bench\.BenchmarkSustained$`, "baseline-p99-ms", "PutEvents -> ReceiveMessage hop at 500/s"},
	{"sustained 500 webhooks/s, worst 5 s window p99", `bench\.BenchmarkSustained$`, "worst-window-p99-ms", `bench\.BenchmarkSustained$`, "baseline-p99-ms", "PutEvents -> ReceiveMessage hop at 500/s"},
	{"DLQ replay on localaws", `dlq\.BenchmarkReplay/dlq$`, "msgs/s", `dlq\.BenchmarkReplay/baseline$`, "msgs/s", "plain receive, send, delete loop"},
	{"DLQ replay, long polling (as on AWS)", `dlq\.BenchmarkReplay/dlq-longpoll$`, "msgs/s", `dlq\.BenchmarkReplay/baseline$`, "msgs/s", "plain receive, send, delete loop"},
	{"license-push poller peak RSS under load", `bench\.BenchmarkPollerRSS$`, "peak-MiB", `bench\.BenchmarkPollerRSS$`, "idle-MiB", "idle poller"},
}

// results holds what `go test -bench -v` printed: the metrics by unit of
// each "import/path.BenchmarkName/sub", and why each skipped one skipped.
type results struct {
	metrics map[string]map[string]float64
	skipped map[string]string
}

var (
	cpuSuffix = regexp.MustCompile(`-\d+$`)
	// logPrefix is the file:line a test log line starts with.
	logPrefix = regexp.MustCompile(`^\s+\S+\.go:\d+: `)
)

// parse reads `go test -bench -v` output.
func parse(r io.Reader) (results, error) {
	res := results{metrics: map[string]map[string]float64{}, skipped: map[string]string{}}
	pkg := ""
	var logged []string // log lines of the benchmark running, which -v prints before its SKIP line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if name, ok := strings.CutPrefix(line, "--- SKIP: "); ok {
			res.skipped[pkg+"."+strings.TrimSpace(name)] = strings.Join(logged, " ")
			continue
		}
		if logPrefix.MatchString(line) {
			logged = append(logged, logPrefix.ReplaceAllString(line, ""))
			continue
		}
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[0], "Benchmark") {
			logged = nil
		}
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue // a log line that starts with a benchmark's name
		}
		name := pkg + "." + cpuSuffix.ReplaceAllString(f[0], "")
		m := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			m[f[i+1]] = v
		}
		res.metrics[name] = m
	}
	return res, sc.Err()
}

// lookup finds the first benchmark matching re that reports unit.
func (r results) lookup(re, unit string) (float64, bool) {
	x := regexp.MustCompile(re)
	for name, m := range r.metrics {
		if v, ok := m[unit]; ok && x.MatchString(name) {
			return v, true
		}
	}
	return 0, false
}

// cell formats the figure of the benchmark re names in unit: "n/a" when it
// did not run, and why when it skipped.
func (r results) cell(re, unit string) (float64, bool, string) {
	v, ok := r.lookup(re, unit)
	if ok {
		return v, true, format(v, display(unit))
	}
	x := regexp.MustCompile(re)
	for name, why := range r.skipped {
		if x.MatchString(name) {
			return 0, false, "skipped: " + why
		}
	}
	return 0, false, "n/a"
}

func format(v float64, unit string) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	case v >= 1:
		return fmt.Sprintf("%.2f %s", v, unit)
	default:
		return fmt.Sprintf("%.3f %s", v, unit)
	}
}

// display is how a metric's unit is printed: without the "baseline-"
// prefix, and without a quantile or phase prefix the row's name already
// says ("p50-ms" is "ms", "peak-MiB" is "MiB").
func display(unit string) string {
	unit = strings.TrimPrefix(unit, "baseline-")
	unit = strings.TrimPrefix(unit, "accepted-")
	unit = strings.TrimPrefix(unit, "worst-window-")
	for _, p := range []string{"p50-", "p99-", "peak-", "idle-", "send-", "recv-"} {
		unit = strings.TrimPrefix(unit, p)
	}
	return unit
}

// table writes the Markdown table.
func table(w io.Writer, r results, when time.Time) {
	fmt.Fprintf(w, "Measured %s on %d cores (%s/%s, %s) with `make bench`; each figure beside its baseline from the same run.\n\n",
		when.Format("2006-01-02"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintln(w, "| what | figure | baseline | baseline is | ratio |")
	fmt.Fprintln(w, "|---|---:|---:|---|---:|")
	for _, row := range rows {
		fv, fok, figure := r.cell(row.figure, row.unit)
		bv, bok, baseline := r.cell(row.baseline, row.baseUnit)
		ratio := "n/a"
		if fok && bok && bv != 0 {
			ratio = fmt.Sprintf("%.2fx", fv/bv)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", row.what, figure, baseline, row.baseWhat, ratio)
	}
}

func main() {
	benchtime := flag.String("benchtime", "1s", "go test -benchtime")
	raw := flag.String("raw", "", "also save the raw go test output to this file")
	saved := flag.String("parse", "", "print the table from a saved raw output instead of running")
	flag.Parse()
	if err := run(*benchtime, *raw, *saved, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(benchtime, raw, saved string, pkgs []string) error {
	if saved != "" {
		f, err := os.Open(saved)
		if err != nil {
			return err
		}
		defer f.Close()
		r, err := parse(f)
		if err != nil {
			return err
		}
		table(os.Stdout, r, time.Now())
		return nil
	}
	if len(pkgs) == 0 {
		pkgs = []string{"./..."}
	}
	// -v prints why a benchmark skipped (a baseline that could not be installed, say).
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-v", "-benchtime", benchtime}, pkgs...)
	cmd := exec.Command("go", args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	var sink io.Writer = os.Stderr // progress: the raw output as it comes
	if raw != "" {
		f, err := os.Create(raw)
		if err != nil {
			return err
		}
		defer f.Close()
		sink = io.MultiWriter(os.Stderr, f)
	}
	r, perr := parse(io.TeeReader(out, sink))
	werr := cmd.Wait()
	if perr != nil {
		return perr
	}
	table(os.Stdout, r, time.Now())
	if werr != nil {
		return fmt.Errorf("go test -bench: %w (figures of failed packages show n/a)", werr)
	}
	return nil
}
