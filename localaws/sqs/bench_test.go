package sqs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/localaws/internal/benchtest"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// The throughput benchmarks follow the project's yardstick: the SDK over
// loopback, 8 client goroutines, batches of 10, 500-byte bodies. Each runs
// in memory (the baseline) and with a durable data directory.

const (
	benchWorkers = 8
	benchBody    = 500
)

func benchModes(b *testing.B, fn func(b *testing.B, e *testEnv)) {
	for _, mode := range []string{"memory", "durable"} {
		b.Run(mode, func(b *testing.B) {
			dir := ""
			if mode == "durable" {
				dir = b.TempDir()
			}
			fn(b, newEnv(b, envOptions{dir: dir}))
		})
	}
}

func benchEntries(prefix string) []types.SendMessageBatchRequestEntry {
	body := strings.Repeat("x", benchBody)
	es := make([]types.SendMessageBatchRequestEntry, 10)
	for i := range es {
		es[i] = types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprintf("%s%d", prefix, i)), MessageBody: aws.String(body)}
	}
	return es
}

func BenchmarkSendBatch(b *testing.B) {
	benchModes(b, func(b *testing.B, e *testEnv) {
		url := mustQueue(b, e, "bench-send")
		es := benchEntries("m")
		benchtest.Run(b, benchWorkers, b.N, "msgs/s", func(int) (int, error) {
			out, err := e.client.SendMessageBatch(context.Background(), &awssqs.SendMessageBatchInput{QueueUrl: &url, Entries: es})
			if err == nil && len(out.Successful) != 10 {
				err = fmt.Errorf("%d of 10 sent", len(out.Successful))
			}
			return 10, err
		})
	})
}

func BenchmarkReceiveDeleteBatch(b *testing.B) {
	benchModes(b, func(b *testing.B, e *testEnv) {
		url := mustQueue(b, e, "bench-recv")
		q := e.svc.lookupName("bench-recv")
		body := strings.Repeat("x", benchBody)
		ins := make([]*sendInput, 10)
		for i := range ins {
			ins[i] = &sendInput{MessageBody: &body}
		}
		for i := 0; i < b.N+benchWorkers; i++ {
			if _, err := e.svc.send(context.Background(), q, ins, "bench"); err != nil {
				b.Fatal(err)
			}
		}
		benchtest.Run(b, benchWorkers, b.N, "msgs/s", func(int) (int, error) {
			ctx := context.Background()
			out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
			if err != nil || len(out.Messages) == 0 {
				return 0, err
			}
			es := make([]types.DeleteMessageBatchRequestEntry, len(out.Messages))
			for i, m := range out.Messages {
				es[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle}
			}
			d, err := e.client.DeleteMessageBatch(ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: es})
			if err == nil && len(d.Failed) > 0 {
				err = fmt.Errorf("%d deletes failed", len(d.Failed))
			}
			return len(d.Successful), err
		})
	})
}

// BenchmarkLongPollWake measures how long a waiting ReceiveMessage takes
// to return after a SendMessage lands; the baseline is a receive of a
// message already there.
func BenchmarkLongPollWake(b *testing.B) {
	e := newEnv(b, envOptions{})
	url := mustQueue(b, e, "bench-wake")
	ctx := context.Background()
	var wake, direct time.Duration
	for i := 0; i < b.N; i++ {
		got := make(chan time.Time, 1)
		go func() {
			out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
			if err != nil || len(out.Messages) != 1 {
				b.Error("long poll", err)
			} else {
				e.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: out.Messages[0].ReceiptHandle})
			}
			got <- time.Now()
		}()
		waitForWaiter(e.svc.lookupName("bench-wake"))
		sent := time.Now()
		e.send(b, url, "x")
		wake += (<-got).Sub(sent)

		e.send(b, url, "y")
		t0 := time.Now()
		out, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url})
		direct += time.Since(t0)
		if err != nil || len(out.Messages) != 1 {
			b.Fatal("receive", err)
		}
		e.client.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: out.Messages[0].ReceiptHandle})
	}
	b.ReportMetric(float64(wake.Microseconds())/float64(b.N)/1000, "ms/send-to-wake")
	b.ReportMetric(float64(direct.Microseconds())/float64(b.N)/1000, "ms/baseline-receive")
}

func waitForWaiter(q *queue) {
	for {
		q.mu.Lock()
		w := q.waiters
		q.mu.Unlock()
		if w > 0 {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
}

func mustQueue(b testing.TB, e *testEnv, name string) string {
	out, err := e.client.CreateQueue(context.Background(), &awssqs.CreateQueueInput{QueueName: &name})
	if err != nil {
		b.Fatal(err)
	}
	return *out.QueueUrl
}
