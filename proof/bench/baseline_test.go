package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
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

// baselineDetail is the event the baseline sends; Seq names the event and
// Pad makes it about as large as a License Issued detail.
type baselineDetail struct {
	Seq int    `json:"seq"`
	Pad string `json:"pad"`
}

// hops is one baseline run in progress, for its load shape to drive.
type hops struct {
	bl     *baseline
	source string
	pad    string
	sent   []time.Time
	got    []time.Time
	in     []chan struct{} // closed when event k was received
}

// put sends event k; its latency counts from at (when it was due).
func (h *hops) put(ctx context.Context, k int, at time.Time) error {
	detail, _ := json.Marshal(baselineDetail{Seq: k, Pad: h.pad})
	h.sent[k] = at
	out, err := h.bl.clients.Events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String(h.bl.bus), Source: aws.String(h.source), DetailType: aws.String("Bench Baseline"),
		Detail: aws.String(string(detail))}}})
	if err == nil && out.FailedEntryCount > 0 {
		err = fmt.Errorf("PutEvents refused the entry: %s", aws.ToString(out.Entries[0].ErrorMessage))
	}
	return err
}

// wait waits until event k was received.
func (h *hops) wait(ctx context.Context, k int) error {
	select {
	case <-h.in[k]:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("baseline event %d never arrived: %w", k, ctx.Err())
	}
}

// run creates a fresh rule and queue, lets drive send n events through
// them (with put, in the load shape it stands for), and returns each
// event's put-to-receive latency and the wall time from the first put to
// the last receive.
func (bl *baseline) run(ctx context.Context, b *testing.B, n int, drive func(ctx context.Context, h *hops) error) ([]time.Duration, time.Duration) {
	b.Helper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	bl.runs++
	name := fmt.Sprintf("bench-baseline-%d-%d", time.Now().UnixNano(), bl.runs)
	h := &hops{bl: bl, source: "licenseflow.bench." + name, pad: strings.Repeat("x", 900),
		sent: make([]time.Time, n), got: make([]time.Time, n), in: make([]chan struct{}, n)}
	for k := range h.in {
		h.in[k] = make(chan struct{})
	}
	url := bl.queue(ctx, b, name, h.source)
	defer bl.cleanup(ctx, name, url)

	recvCtx, stopRecv := context.WithCancel(ctx)
	defer stopRecv()
	recvErr := make(chan error, e2eSenders)
	var rwg sync.WaitGroup
	for range e2eSenders / 2 {
		rwg.Go(func() {
			if err := h.receive(recvCtx, url, n); err != nil && recvCtx.Err() == nil {
				recvErr <- err
			}
		})
	}
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		if err := drive(ctx, h); err != nil {
			done <- err
			return
		}
		for k := range n {
			if err := h.wait(ctx, k); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			b.Fatalf("baseline: %v", err)
		}
	case err := <-recvErr:
		b.Fatalf("baseline receive: %v", err)
	}
	stopRecv()
	rwg.Wait()
	lat := make([]time.Duration, n)
	var last time.Time
	for k := range n {
		lat[k] = h.got[k].Sub(h.sent[k])
		if h.got[k].After(last) {
			last = h.got[k]
		}
	}
	return lat, last.Sub(start)
}

// receive long-polls the queue, recording when each event first arrives
// and deleting what it got, until ctx ends.
func (h *hops) receive(ctx context.Context, url string, n int) error {
	var mu sync.Mutex
	for ctx.Err() == nil {
		out, err := h.bl.clients.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
			MaxNumberOfMessages: 10, WaitTimeSeconds: 20})
		if err != nil {
			return err
		}
		at := time.Now()
		var del []sqstypes.DeleteMessageBatchRequestEntry
		for i, m := range out.Messages {
			var env struct {
				Detail baselineDetail `json:"detail"`
			}
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil || env.Detail.Seq < 0 || env.Detail.Seq >= n {
				return fmt.Errorf("baseline message %q: %v", aws.ToString(m.Body), err)
			}
			mu.Lock()
			if k := env.Detail.Seq; h.got[k].IsZero() {
				h.got[k] = at
				close(h.in[k])
			}
			mu.Unlock()
			del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
		}
		if len(del) > 0 {
			if _, err := h.bl.clients.SQS.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: del}); err != nil {
				return err
			}
		}
	}
	return nil
}

// burst sends n events from e2eSenders goroutines at once.
func burst(n int) func(context.Context, *hops) error {
	return func(ctx context.Context, h *hops) error {
		return parallel(n, e2eSenders, func(k int) error { return h.put(ctx, k, time.Now()) })
	}
}

// oneByOne sends n events, each once the one before arrived.
func oneByOne(n int) func(context.Context, *hops) error {
	return func(ctx context.Context, h *hops) error {
		for k := range n {
			if err := h.put(ctx, k, time.Now()); err != nil {
				return err
			}
			if err := h.wait(ctx, k); err != nil {
				return err
			}
		}
		return nil
	}
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
