package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

// The SQS server workload, as users run it: the server in its own process,
// aws-sdk-go-v2 over loopback, sqsWorkers client goroutines, batches of 10
// sqsBody-byte bodies; receives wait up to a second, hide what they return
// for a minute and are followed by a DeleteMessageBatch.
const (
	sqsWorkers = 8
	sqsBody    = 500
	// sqsLoad is the number of messages one round sends and then drains.
	sqsLoad = 24000
	// goawsModule is the baseline's command, installed with go install.
	goawsModule = "github.com/Admiral-Piett/goaws/app/cmd@v0.5.4"
)

// BenchmarkSQSServer runs the workload against four servers, each fresh:
// `licenseflow localaws` as its own process (durable, fsync on), the same
// server started in this process (durable), goaws v0.5.4 (in memory, the
// baseline users compare with) as its own process, and the ceiling: a
// net/http server in its own process that answers every request with a
// prepared answer (proof/internal/cannedsqs), so its rates are what the SDK
// and net/http allow on the machine, whatever a server does. Each round sends
// sqsLoad messages to a new queue (send-msgs/s), then receives and deletes
// them (recv-msgs/s, until the last delete). A receive whose answer the SDK
// could not read leaves its messages hidden for the visibility timeout:
// those are counted (hidden-msgs), not waited for. For the servers in their
// own process, server-cpu-us/send-msg and server-cpu-us/recv-msg are the
// CPU time the server process spent per message in each phase, which the
// noise of a shared machine moves less than the rates. goaws scans a queue's
// messages on every receive, so its receive rate falls as the queue
// deepens: the ratios hold for this depth (sqsLoad).
//
//	go test -run '^$' -bench SQSServer ./proof/bench
func BenchmarkSQSServer(b *testing.B) {
	dir := b.TempDir()
	bin, buildErr := cliBinary()
	goaws, goawsErr := installGoaws(dir)
	canned, cannedErr := prooftest.Build(dir, "github.com/licenseflow/licenseflow/proof/internal/cannedsqs")
	servers := []struct {
		name  string
		start func(b *testing.B) (url string, pid int) // pid 0: this process
	}{
		{"localaws-process", func(b *testing.B) (string, int) {
			if buildErr != nil {
				b.Fatal(buildErr)
			}
			p, url := prooftest.StartLocalAWS(b, bin, filepath.Join(b.TempDir(), "data"))
			return url, p.Pid()
		}},
		{"localaws-in-process", func(b *testing.B) (string, int) {
			srv := localawstest.Start(b, localaws.Config{DataDir: filepath.Join(b.TempDir(), "data")})
			return srv.URL(), 0
		}},
		{"goaws", func(b *testing.B) (string, int) {
			if goawsErr != nil {
				b.Skipf("goaws v0.5.4 could not be installed: %v", goawsErr)
			}
			return startGoaws(b, goaws)
		}},
		{"canned", func(b *testing.B) (string, int) {
			if cannedErr != nil {
				b.Fatal(cannedErr)
			}
			return startCanned(b, canned)
		}},
	}
	for _, srv := range servers {
		b.Run(srv.name, func(b *testing.B) {
			ctx := context.Background()
			url, pid := srv.start(b)
			// The SDK's own HTTP client, as users have it (not the one of
			// internal/sdkhttp that localawstest's and the pipeline's
			// clients carry, which works around a race of the SDK's).
			cfg := localawstest.Config(url)
			cfg.HTTPClient = nil
			client := sqs.NewFromConfig(cfg)
			cpu := func() time.Duration {
				if pid == 0 {
					return 0
				}
				d, err := procCPU(pid)
				if err != nil {
					b.Fatal(err)
				}
				return d
			}
			var sum sqsRound
			for i := range b.N {
				r := runSQSRound(ctx, b, client, fmt.Sprintf("bench-server-%d", i), cpu)
				sum.send += r.send
				sum.recv += r.recv
				sum.hidden += r.hidden
				sum.sendCPU += r.sendCPU
				sum.recvCPU += r.recvCPU
			}
			n := float64(b.N)
			b.ReportMetric(sum.send/n, "send-msgs/s")
			b.ReportMetric(sum.recv/n, "recv-msgs/s")
			b.ReportMetric(float64(sum.hidden)/n, "hidden-msgs")
			if pid != 0 {
				b.ReportMetric(float64(sum.sendCPU.Microseconds())/n/sqsLoad, "server-cpu-us/send-msg")
				b.ReportMetric(float64(sum.recvCPU.Microseconds())/n/sqsLoad, "server-cpu-us/recv-msg")
			}
		})
	}
}

// sqsRound is what one round measured.
type sqsRound struct {
	send, recv       float64       // msgs/s
	hidden           int           // sent but not drained: their receive's answer was lost
	sendCPU, recvCPU time.Duration // the server's CPU time in each phase
}

// runSQSRound sends sqsLoad messages to a new queue named name, then
// drains it with receive + DeleteMessageBatch; cpu reads the server's CPU
// time so far.
func runSQSRound(ctx context.Context, b *testing.B, c *sqs.Client, name string, cpu func() time.Duration) sqsRound {
	b.Helper()
	b.StopTimer()
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		b.Fatal(err)
	}
	url := q.QueueUrl
	body := strings.Repeat("x", sqsBody)
	entries := make([]sqstypes.SendMessageBatchRequestEntry, 10)
	for i := range entries {
		entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: &body}
	}
	b.StartTimer()
	cpu0 := cpu()
	start := time.Now()
	err = parallel(sqsLoad/10, sqsWorkers, func(int) error {
		out, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: entries})
		if err == nil && len(out.Failed) > 0 {
			// Successful is not checked: goaws names it in a way the SDK does not read.
			err = fmt.Errorf("%d of %d entries failed: %+v", len(out.Failed), len(entries), out.Failed)
		}
		return err
	})
	sendTime := time.Since(start)
	if err != nil {
		b.Fatalf("sending: %v", err)
	}
	cpu1 := cpu()

	var deleted atomic.Int64
	var last atomic.Int64 // nanoseconds after start of the last delete
	start = time.Now()
	err = parallel(sqsWorkers, sqsWorkers, func(int) error {
		for deleted.Load() < sqsLoad {
			out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10,
				WaitTimeSeconds: 1, VisibilityTimeout: 60})
			if err != nil {
				return fmt.Errorf("receiving: %w", err)
			}
			if len(out.Messages) == 0 {
				return nil // the rest are hidden behind a lost answer
			}
			es := make([]sqstypes.DeleteMessageBatchRequestEntry, len(out.Messages))
			for i, m := range out.Messages {
				es[i] = sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
			}
			d, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: es})
			if err != nil {
				return fmt.Errorf("deleting: %w", err)
			}
			if len(d.Failed) > 0 {
				return fmt.Errorf("deleting: %+v", d.Failed)
			}
			deleted.Add(int64(len(es)))
			last.Store(int64(time.Since(start)))
		}
		return nil
	})
	b.StopTimer()
	cpu2 := cpu()
	if err != nil {
		b.Fatal(err)
	}
	// The canned server never runs dry: the workers' last rounds overshoot.
	n := min(deleted.Load(), sqsLoad)
	if n < sqsLoad*9/10 {
		b.Fatalf("drained %d of %d messages", n, sqsLoad)
	}
	return sqsRound{send: sqsLoad / sendTime.Seconds(), recv: float64(n) / time.Duration(last.Load()).Seconds(),
		hidden: sqsLoad - int(n), sendCPU: cpu1 - cpu0, recvCPU: cpu2 - cpu1}
}

// installGoaws installs the baseline into dir/goaws-bin and returns the
// binary's path.
func installGoaws(dir string) (string, error) {
	gobin := filepath.Join(dir, "goaws-bin")
	cmd := exec.Command("go", "install", goawsModule)
	cmd.Dir = dir // outside this module: install the version named, nothing else
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s: %w: %s", goawsModule, err, strings.TrimSpace(string(out)))
	}
	return filepath.Join(gobin, "cmd"), nil
}

// startGoaws runs goaws on a free loopback port (goaws itself binds every
// interface; only loopback is used) until the benchmark ends, and returns
// its URL and pid once it answers.
func startGoaws(b *testing.B, bin string) (string, int) {
	b.Helper()
	addrs, err := prooftest.FreeAddrs(1)
	if err != nil {
		b.Fatal(err)
	}
	_, port, _ := strings.Cut(addrs[0], ":")
	dir := b.TempDir()
	conf := filepath.Join(dir, "goaws.yaml")
	yaml := fmt.Sprintf("Local:\n  Host: 127.0.0.1\n  Port: %q\n  Region: us-east-1\n  AccountId: \"000000000000\"\n"+
		"  LogToFile: false\n  QueueAttributeDefaults:\n    VisibilityTimeout: 30\n    ReceiveMessageWaitTimeSeconds: 0\n"+
		"    MaximumMessageSize: 262144\n", port)
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "-config", conf, "-loglevel", "warn", "Local")
	cmd.Dir = dir
	cmd.Stderr = prooftest.LogFile(b, filepath.Join(dir, "goaws.stderr"), "goaws")
	p, err := prooftest.StartProc(cmd, "\x00") // goaws prints no ready line we rely on
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Stop(10 * time.Second) })
	url := "http://" + addrs[0]
	client := localawstest.SQS(url)
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := client.ListQueues(context.Background(), &sqs.ListQueuesInput{})
		if err == nil {
			return url, p.Pid()
		}
		select {
		case <-p.Done():
			b.Fatalf("goaws exited: %v; stdout: %q", err, p.Lines())
		default:
		}
		if time.Now().After(deadline) {
			b.Fatalf("goaws not answering within a minute: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startCanned runs the ceiling server on a free loopback port until the
// benchmark ends and returns its URL and pid.
func startCanned(b *testing.B, bin string) (string, int) {
	b.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-body", strconv.Itoa(sqsBody))
	cmd.Stderr = prooftest.LogFile(b, filepath.Join(b.TempDir(), "cannedsqs.stderr"), "cannedsqs")
	p, url := prooftest.StartReady(b, cmd, "cannedsqs listening on ")
	return url, p.Pid()
}
