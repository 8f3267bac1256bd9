package eventbridge

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// batchingQueues adds SendBatchToQueue to flakyQueues and records the
// batch sizes it was called with.
type batchingQueues struct {
	*flakyQueues
	mu      sync.Mutex
	batches map[string][]int
}

func (q *batchingQueues) SendBatchToQueue(ctx context.Context, arn string, ms []QueueMessage) []error {
	q.mu.Lock()
	q.batches[arn] = append(q.batches[arn], len(ms))
	q.mu.Unlock()
	errs := make([]error, len(ms))
	for i, m := range ms {
		errs[i] = q.SendToQueue(ctx, arn, m)
	}
	return errs
}

func TestPutEventsBatchesPerQueue(t *testing.T) {
	t.Parallel()
	std, fifo := queueARN("std"), queueARN("ordered.fifo")
	q := &batchingQueues{flakyQueues: newFlakyQueues(std, fifo), batches: map[string][]int{}}
	svc, c := startService(t, nil, q)
	putRuleWithTarget(t, c, "r", types.Target{Id: aws.String("std"), Arn: aws.String(std),
		RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(3)}})
	if _, err := c.PutTargets(context.Background(), &eb.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{{
		Id: aws.String("fifo"), Arn: aws.String(fifo), SqsParameters: &types.SqsParameters{MessageGroupId: aws.String("g")}}}}); err != nil {
		t.Fatal(err)
	}
	var entries []types.PutEventsRequestEntry
	for i := range 10 {
		entries = append(entries, types.PutEventsRequestEntry{Source: aws.String("app"), DetailType: aws.String("t"),
			Detail: aws.String(fmt.Sprintf(`{"i":%d}`, i))})
	}
	q.failNext(std, 2) // the first two of the standard batch fail and are retried
	out, err := c.PutEvents(context.Background(), &eb.PutEventsInput{Entries: entries})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents = %+v, %v", out, err)
	}
	q.mu.Lock()
	got := fmt.Sprint(q.batches)
	q.mu.Unlock()
	if want := fmt.Sprintf("map[%s:[10] %s:[10]]", fifo, std); got != want {
		t.Fatalf("batches %s, want %s", got, want)
	}
	for i, m := range q.messages(fifo) {
		if !strings.Contains(m.Body, fmt.Sprintf(`"detail":{"i":%d}`, i)) || m.MessageDeduplicationID != aws.ToString(out.Entries[i].EventId) {
			t.Fatalf("FIFO message %d: %s (dedup %s)", i, m.Body, m.MessageDeduplicationID)
		}
	}
	eventually(t, "the two retried deliveries", func() bool {
		svc.retry.mu.Lock()
		defer svc.retry.mu.Unlock()
		return len(q.messages(std)) == 10 && len(svc.retry.byID) == 0
	})
}
