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
pkg: github.com/licenseflow/licenseflow/services/localaws/sqs
BenchmarkLongPollWake-2   	  100	  1000 ns/op	  1.500 ms/send-to-wake	  0.5000 ms/baseline-receive
`

func TestTable(t *testing.T) {
	r, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got := r["github.com/licenseflow/licenseflow/services/webhook.BenchmarkIngress/webhook"]["req/s"]; got != 10000 {
		t.Fatalf("parsed req/s %v", got)
	}
	var b bytes.Buffer
	table(&b, r, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
	out := b.String()
	for _, want := range []string{
		"Measured 2026-01-02 on ",
		"| webhook ingress (verify + map) | 10000 req/s | 20000 req/s | bare net/http handler | 0.50x |",
		"| localaws SQS long-poll wake | 1.50 ms/send-to-wake | 0.500 ms/baseline-receive |",
		"| DLQ replay | n/a | n/a | see services/dlq | n/a |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
