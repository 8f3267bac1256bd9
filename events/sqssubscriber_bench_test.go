package events

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmsqs "github.com/ThreeDotsLabs/watermill-aws/sqs"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/licenseflow/licenseflow/internal/testlog"
)

// BenchmarkSQSSubscriber compares our subscriber with watermill-aws v1.0.3's
// on the same localaws, same queue setup, same no-op handler (ack at once)
// and the same number of concurrent receivers. One op is one message
// received, handled and deleted; msgs/s is the throughput until the queue
// is empty.
func BenchmarkSQSSubscriber(b *testing.B) {
	const workers = 4
	subscribers := []struct {
		name string
		new  func(b *testing.B) message.Subscriber
	}{
		{"ours", func(b *testing.B) message.Subscriber {
			s, err := NewSQSSubscriber(SQSSubscriberConfig{Client: local.SQS(), Receivers: workers,
				WaitTime: time.Second, Logger: testlog.Quiet()})
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
		{"watermill-aws", func(b *testing.B) message.Subscriber {
			s, err := wmsqs.NewSubscriber(wmsqs.SubscriberConfig{AWSConfig: local.Config(), DoNotCreateQueueIfNotExists: true,
				ConsumeWorkers: workers}, watermill.NopLogger{})
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
	}
	for _, sc := range subscribers {
		b.Run(sc.name, func(b *testing.B) {
			q := newQueue(b, 30*time.Second, 0, bodies("bench", b.N)...)
			sub := sc.new(b)
			defer sub.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b.ResetTimer()
			start := time.Now()
			msgs, err := sub.Subscribe(ctx, q.name)
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				select {
				case m := <-msgs:
					m.Ack()
				case <-time.After(60 * time.Second):
					b.Fatalf("received %d of %d", i, b.N)
				}
			}
			for queueDepth(b, q.url) != 0 {
				time.Sleep(5 * time.Millisecond)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// Example-sized sanity check that the benchmark's comparison runs: both
// subscribers drain the same small queue.
func TestBothSubscribersDrainTheSameQueue(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"ours", "watermill-aws"} {
		q := newQueue(t, 30*time.Second, 0, bodies(name, 12)...)
		var sub message.Subscriber
		if name == "ours" {
			sub = newTestSubscriber(t, local.SQS(), nil)
		} else {
			s, err := wmsqs.NewSubscriber(wmsqs.SubscriberConfig{AWSConfig: local.Config(), DoNotCreateQueueIfNotExists: true}, watermill.NopLogger{})
			if err != nil {
				t.Fatal(err)
			}
			sub = s
		}
		msgs, err := sub.Subscribe(context.Background(), q.name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 12 {
			select {
			case m := <-msgs:
				m.Ack()
			case <-time.After(30 * time.Second):
				t.Fatalf("%s: got %d of 12", name, i)
			}
		}
		eventually(t, 30*time.Second, fmt.Sprintf("%s: queue empty", name), func() bool { return queueDepth(t, q.url) == 0 })
		sub.Close()
	}
}
