package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

const sample = `goos: linux
pkg: github.com/licenseflow/licenseflow/services/webhook
BenchmarkIngress/bare-2         	   20000	     50000 ns/op	  20000 req/s	 1000 B/op
BenchmarkIngress/webhook-2      	   10000	    100000 ns/op	  10000 req/s	 2000 B/op
BenchmarkIngress/webhook logged line
ok  	github.com/licenseflow/licenseflow/services/webhook	3.1s
pkg: github.com/licenseflow/licenseflow/localaws/sqs
BenchmarkLongPollWake-2   	  100	  1000 ns/op	  1.500 ms/send-to-wake	  0.5000 ms/baseline-receive
pkg: github.com/licenseflow/licenseflow/ops/dlq
BenchmarkReplay/dlq-2         	       1	1057028766 ns/op	      1892 msgs/s	42682896 B/op	  376000 allocs/op
BenchmarkReplay/baseline-2              	      14	  86645849 ns/op	     23083 msgs/s	40090660 B/op	  350850 allocs/op
pkg: github.com/licenseflow/licenseflow/proof/bench
BenchmarkPollerRSS-2   	       1	5405801842 ns/op	       370.0 deliveries/s	        37.37 idle-MiB	        48.36 peak-MiB
BenchmarkSQSServer
BenchmarkSQSServer/localaws-process
BenchmarkSQSServer/localaws-process-2         	       1	2358357213 ns/op	        10.00 hidden-msgs	     35590 recv-msgs/s	     36309 send-msgs/s
BenchmarkSQSServer/goaws
    sqsserver_test.go:77: goaws v0.5.4 could not be installed: exit status 1
--- SKIP: BenchmarkSQSServer/goaws
BenchmarkWebhookToLicense/sqlite-2   	       1	 429141708 ns/op	      3925 baseline-events/s	         2.583 baseline-p50-ms	         4.632 baseline-p99-ms	        16.31 ingress-p50-ms	        46.80 p50-ms	        80.53 p99-ms	        40.00 accepted-p99-ms	  466.1 events/s
`

func TestTable(t *testing.T) {
	r, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.metrics["github.com/licenseflow/licenseflow/services/webhook.BenchmarkIngress/webhook"]["req/s"]; got != 10000 {
		t.Fatalf("parsed req/s %v", got)
	}
	var b bytes.Buffer
	table(&b, r, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
	out := b.String()
	for _, want := range []string{
		"Measured 2026-01-02 on ",
		"| webhook ingress (verify + map) | 10000 req/s | 20000 req/s | bare net/http handler | 0.50x |",
		"| localaws SQS long-poll wake | 1.50 ms/send-to-wake | 0.500 ms/baseline-receive |",
		"| DLQ replay on localaws | 1892 msgs/s | 23083 msgs/s | plain receive, send, delete loop | 0.08x |",
		"| DLQ replay, long polling (as on AWS) | n/a | 23083 msgs/s | plain receive, send, delete loop | n/a |",
		"| license-push poller peak RSS under load | 48.36 MiB | 37.37 MiB | idle poller | 1.29x |",
		"| localaws SQS send, own process, durable | 36309 msgs/s | skipped: goaws v0.5.4 could not be installed: exit status 1 | goaws v0.5.4 in memory, same workload | n/a |",
		"| localaws SQS receive+delete, in process, durable | n/a | skipped: goaws",
		"| burst of 200 webhooks -> licenses, SQLite, p99 | 40.00 ms | 4.63 ms | PutEvents -> ReceiveMessage hop, same burst | 8.64x |",
		"| burst of 200 webhooks -> licenses, SQLite | 466 events/s | 3925 events/s | PutEvents -> ReceiveMessage hop, same burst | 0.12x |",
		"| burst of 200 webhooks -> licenses, PostgreSQL, p99 | n/a |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
