package dlq

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Purge deletes every message of queue with PurgeQueue. The count is SQS's
// approximate number of messages just before. SQS allows one purge a
// minute per queue.
func (t *Tool) Purge(ctx context.Context, queue string, obs Observer) (Summary, error) {
	obs = observerOr(obs)
	sum := Summary{Operation: "purge", Queue: queue}
	q, err := t.resolve(ctx, queue)
	if err != nil {
		return sum, beforeStart(err)
	}
	sum.Queue = q.Name
	visible, inFlight := q.count()
	obs.Planned(visible + inFlight)
	if _, err := t.cfg.Client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(q.URL)}); err != nil {
		sum.Failed = 1
		sum.Errors = append(sum.Errors, err.Error())
		return sum, fmt.Errorf("purging %s: %w", q.Name, err)
	}
	sum.Purged = visible + inFlight
	obs.Done(Outcome{Action: ActionPurged, Count: sum.Purged})
	return sum, nil
}
