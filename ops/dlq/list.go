package dlq

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// QueueInfo describes one dead-letter queue.
type QueueInfo struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	ARN  string `json:"arn"`
	FIFO bool   `json:"fifo,omitempty"`
	// Sources are the names of the queues whose RedrivePolicy targets it.
	Sources []string `json:"sources"`
	// Messages and InFlight are SQS's approximate counts.
	Messages int64 `json:"messages"`
	InFlight int64 `json:"in_flight"`
	// OldestSentAt is the earliest SentTimestamp among the messages a
	// peek saw (a sample on standard queues; zero when empty).
	OldestSentAt time.Time `json:"oldest_sent_at,omitzero"`
	// OldestAge is how long ago OldestSentAt was.
	OldestAge time.Duration `json:"oldest_age_ns,omitempty"`
}

// List returns every queue that is some queue's dead-letter queue, by name.
// The age of the oldest message comes from a peek (receive, then visibility
// back to zero), which adds one to the receive count of the peeked messages.
func (t *Tool) List(ctx context.Context) ([]QueueInfo, error) {
	urls, err := t.QueueURLs(ctx)
	if err != nil {
		return nil, err
	}
	refs := map[string]queueRef{} // by ARN
	var order []string
	for _, u := range urls {
		out, err := t.cfg.Client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(u),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
		if err != nil {
			return nil, fmt.Errorf("queue %s attributes: %w", u, err)
		}
		q := newQueueRef(u, out.Attributes)
		refs[q.ARN] = q
		order = append(order, q.ARN)
	}
	sources := map[string][]string{}
	for _, arn := range order {
		if target := ParseRedrivePolicy(refs[arn].attrs["RedrivePolicy"]).Target; target != "" {
			sources[target] = append(sources[target], refs[arn].Name)
		}
	}
	var infos []QueueInfo
	for arn, srcs := range sources {
		q, ok := refs[arn]
		if !ok {
			continue // the DLQ is in another account or region, or gone
		}
		sort.Strings(srcs)
		info := QueueInfo{Name: q.Name, URL: q.URL, ARN: q.ARN, FIFO: q.FIFO, Sources: srcs}
		info.Messages, info.InFlight = q.count()
		if info.Messages > 0 {
			msgs, err := t.peek(ctx, q, maxBatch)
			if err != nil {
				return nil, err
			}
			for _, m := range msgs {
				if !m.SentAt.IsZero() && (info.OldestSentAt.IsZero() || m.SentAt.Before(info.OldestSentAt)) {
					info.OldestSentAt = m.SentAt
				}
			}
			if !info.OldestSentAt.IsZero() {
				info.OldestAge = time.Since(info.OldestSentAt).Round(time.Second)
			}
		}
		infos = append(infos, info)
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	return infos, nil
}

// QueueURLs lists the URL of every queue of the endpoint.
func (t *Tool) QueueURLs(ctx context.Context) ([]string, error) {
	var urls []string
	in := &sqs.ListQueuesInput{MaxResults: aws.Int32(1000)}
	for {
		out, err := t.cfg.Client.ListQueues(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing queues: %w", err)
		}
		urls = append(urls, out.QueueUrls...)
		if aws.ToString(out.NextToken) == "" {
			return urls, nil
		}
		in.NextToken = out.NextToken
	}
}

// FormatAge prints an age like 3d4h, 5m10s.
func FormatAge(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	if d >= 24*time.Hour {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d" + strconv.Itoa(int(d%(24*time.Hour)/time.Hour)) + "h"
	}
	return d.Round(time.Second).String()
}
