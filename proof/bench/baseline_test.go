package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/pipeline"
)

// baseline measures the bare localaws hop: PutEvents of one event on the
// pipeline's bus, routed by its own rule to its own queue, to a long-polling
// ReceiveMessage returning it (then DeleteMessageBatch).
type baseline struct {
	clients pipeline.Clients
	bus     string
	runs    int
}

func newBaseline(c pipeline.Clients) *baseline {
	return &baseline{clients: c, bus: infra.Default().Bus}
}

// baselineDetail is the event the baseline sends; Seq names the sender's
// slot and Pad makes it about as large as a License Issued detail.
type baselineDetail struct {
	Seq int    `json:"seq"`
	Pad string `json:"pad"`
}

// run sends n events from senders goroutines through a fresh rule and
// queue and returns each event's put-to-receive latency and the wall time
// from the first put to the last receive.
func (bl *baseline) run(ctx context.Context, b *testing.B, n, senders int) ([]time.Duration, time.Duration) {
	b.Helper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	bl.runs++
	name := fmt.Sprintf("bench-baseline-%d-%d", time.Now().UnixNano(), bl.runs)
	source := "licenseflow.bench." + name
	url := bl.queue(ctx, b, name, source)

	pad := make([]byte, 900)
	for i := range pad {
		pad[i] = 'x'
	}
	sent := make([]time.Time, n)
	got := make([]time.Time, n)
	var mu sync.Mutex
	received := 0
	done := make(chan struct{})
	recvCtx, stopRecv := context.WithCancel(ctx)
	defer stopRecv()
	var rwg sync.WaitGroup
	recvErr := make(chan error, senders)
	for range max(1, senders/2) {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for recvCtx.Err() == nil {
				out, err := bl.clients.SQS.ReceiveMessage(recvCtx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
					MaxNumberOfMessages: 10, WaitTimeSeconds: 20})
				if err != nil {
					if recvCtx.Err() == nil {
						recvErr <- err
					}
					return
				}
				at := time.Now()
				var del []sqstypes.DeleteMessageBatchRequestEntry
				mu.Lock()
				for i, m := range out.Messages {
					var env struct {
						Detail baselineDetail `json:"detail"`
					}
					if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil || env.Detail.Seq < 0 || env.Detail.Seq >= n {
						mu.Unlock()
						recvErr <- fmt.Errorf("baseline message %q: %v", aws.ToString(m.Body), err)
						return
					}
					if got[env.Detail.Seq].IsZero() {
						got[env.Detail.Seq] = at
						received++
					}
					del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
				}
				if received == n {
					select {
					case <-done:
					default:
						close(done)
					}
				}
				mu.Unlock()
				if len(del) > 0 {
					if _, err := bl.clients.SQS.DeleteMessageBatch(recvCtx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: del}); err != nil && recvCtx.Err() == nil {
						recvErr <- err
						return
					}
				}
			}
		}()
	}

	start := time.Now()
	err := parallel(n, senders, func(k int) error {
		detail, _ := json.Marshal(baselineDetail{Seq: k, Pad: string(pad)})
		sent[k] = time.Now()
		out, err := bl.clients.Events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
			EventBusName: aws.String(bl.bus), Source: aws.String(source), DetailType: aws.String("Bench Baseline"),
			Detail: aws.String(string(detail))}}})
		if err == nil && out.FailedEntryCount > 0 {
			err = fmt.Errorf("PutEvents refused the entry: %s", aws.ToString(out.Entries[0].ErrorMessage))
		}
		return err
	})
	if err != nil {
		b.Fatalf("baseline PutEvents: %v", err)
	}
	select {
	case <-done:
	case err := <-recvErr:
		b.Fatalf("baseline receive: %v", err)
	case <-ctx.Done():
		b.Fatalf("baseline: %d of %d events received: %v", received, n, ctx.Err())
	}
	stopRecv()
	rwg.Wait()
	lat := make([]time.Duration, n)
	var last time.Time
	for k := range n {
		lat[k] = got[k].Sub(sent[k])
		if got[k].After(last) {
			last = got[k]
		}
	}
	bl.cleanup(ctx, name, url)
	return lat, last.Sub(start)
}

// queue creates the queue and a rule on the bus routing source to it.
func (bl *baseline) queue(ctx context.Context, b *testing.B, name, source string) string {
	b.Helper()
	q, err := bl.clients.SQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		b.Fatal(err)
	}
	attrs, err := bl.clients.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		b.Fatal(err)
	}
	pattern, _ := json.Marshal(map[string][]string{"source": {source}})
	if _, err := bl.clients.Events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name),
		EventBusName: aws.String(bl.bus), EventPattern: aws.String(string(pattern))}); err != nil {
		b.Fatal(err)
	}
	if _, err := bl.clients.Events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), EventBusName: aws.String(bl.bus),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(attrs.Attributes["QueueArn"])}}}); err != nil {
		b.Fatal(err)
	}
	return aws.ToString(q.QueueUrl)
}

// cleanup removes the rule and queue so later runs route as before.
func (bl *baseline) cleanup(ctx context.Context, name, url string) {
	_, _ = bl.clients.Events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(name),
		EventBusName: aws.String(bl.bus), Ids: []string{"q"}})
	_, _ = bl.clients.Events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(name), EventBusName: aws.String(bl.bus)})
	_, _ = bl.clients.SQS.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
}
