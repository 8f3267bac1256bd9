package conformance

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

const (
	benchClients = 8
	benchBatch   = 10
)

// BenchmarkEventBridgePutEventsToSQS measures PutEvents→SQS delivery: 8
// goroutines put batches of 10 events that one rule routes to a standard
// queue (PutEvents answers once each delivery is durable). The baseline
// sends the same envelopes straight to a queue with SendMessageBatch, so
// the gap is what routing costs. Durable when LOCALAWS_TEST_DATA is set:
//
//	LOCALAWS_TEST_DATA=$(mktemp -d) go test -run - -bench EventBridge ./localaws/conformance
func BenchmarkEventBridgePutEventsToSQS(b *testing.B) {
	ctx := context.Background()
	ebc, sqsc := newEventBridge(b), newSQS(b)
	detail := `{"company":{"id":"c-1","name":"Acme"},"plan":"team","seats":25,"note":"` + strings.Repeat("x", 380) + `"}`

	queue := func(prefix string) (string, string) {
		out, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(localawstest.FreshName(b, prefix))})
		if err != nil {
			b.Fatal(err)
		}
		attrs, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			b.Fatal(err)
		}
		return aws.ToString(out.QueueUrl), attrs.Attributes["QueueArn"]
	}
	depth := func(url string) int {
		out, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
		if err != nil {
			b.Fatal(err)
		}
		n, _ := strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)])
		return n
	}

	b.Run("PutEvents", func(b *testing.B) {
		bus := localawstest.FreshName(b, "bench-bus")
		if _, err := ebc.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)}); err != nil {
			b.Fatal(err)
		}
		url, arn := queue("bench-eb")
		// A few rules that do not match, as on a real bus, and the one that does.
		for i := range 4 {
			if _, err := ebc.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(fmt.Sprint("other-", i)), EventBusName: aws.String(bus),
				EventPattern: aws.String(fmt.Sprintf(`{"source":["other-%d"]}`, i))}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := ebc.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("licenses"), EventBusName: aws.String(bus),
			EventPattern: aws.String(`{"source":["licenseflow.payment"],"detail-type":["License Issued"]}`)}); err != nil {
			b.Fatal(err)
		}
		if _, err := ebc.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("licenses"), EventBusName: aws.String(bus),
			Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(arn)}}}); err != nil {
			b.Fatal(err)
		}
		entries := make([]ebtypes.PutEventsRequestEntry, benchBatch)
		for i := range entries {
			entries[i] = ebtypes.PutEventsRequestEntry{EventBusName: aws.String(bus), Source: aws.String("licenseflow.payment"),
				DetailType: aws.String("License Issued"), Detail: aws.String(detail)}
		}
		runBatches(b, func(n int) error {
			out, err := ebc.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries[:n]})
			if err == nil && out.FailedEntryCount > 0 {
				err = fmt.Errorf("%d entries failed: %s", out.FailedEntryCount, aws.ToString(out.Entries[0].ErrorMessage))
			}
			return err
		})
		if got := depth(url); got != b.N {
			b.Fatalf("%d events delivered, want %d", got, b.N)
		}
	})

	b.Run("SendMessageBatch-baseline", func(b *testing.B) {
		url, _ := queue("bench-base")
		envelope := `{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"License Issued",` +
			`"source":"licenseflow.payment","account":"000000000000","time":"2026-01-01T00:00:00Z","region":"us-east-1",` +
			`"resources":[],"detail":` + detail + `}`
		entries := make([]sqstypes.SendMessageBatchRequestEntry, benchBatch)
		for i := range entries {
			entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(envelope)}
		}
		runBatches(b, func(n int) error {
			out, err := sqsc.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries[:n]})
			if err == nil && len(out.Failed) > 0 {
				err = fmt.Errorf("%d entries failed: %s", len(out.Failed), aws.ToString(out.Failed[0].Message))
			}
			return err
		})
		if got := depth(url); got != b.N {
			b.Fatalf("%d messages sent, want %d", got, b.N)
		}
	})
}

// runBatches sends b.N items in batches of benchBatch from benchClients
// goroutines and reports items per second.
func runBatches(b *testing.B, send func(n int) error) {
	b.Helper()
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				end := next.Add(benchBatch)
				n := benchBatch
				if over := int(end) - b.N; over > 0 {
					n -= over
				}
				if n <= 0 {
					return
				}
				if err := send(n); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}
