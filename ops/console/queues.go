package console

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/localaws"
	lfsqs "github.com/licenseflow/licenseflow/localaws/sqs"
	"github.com/licenseflow/licenseflow/ops/dlq"
)

// queueInfo is one queue as the console shows it.
type queueInfo struct {
	Name, URL, ARN string
	Missing        bool // the endpoint has no such queue
	FIFO           bool
	Visible        int64
	InFlight       int64
	Delayed        int64
	// Oldest is the age of the oldest message, when known (OldestKnown).
	Oldest      time.Duration
	OldestKnown bool
	// DLQ is the name of the queue's own dead-letter queue; MaxReceive its
	// maxReceiveCount.
	DLQ        string
	MaxReceive int
	// IsDLQ marks a dead-letter queue: Sources are the queues (and rules)
	// that send to it.
	IsDLQ   bool
	Sources []string
	Err     string
}

// failed is q with err: Missing when the queue does not exist, Err
// otherwise.
func (q queueInfo) failed(err error) queueInfo {
	var missing *sqstypes.QueueDoesNotExist
	if q.Missing = errors.As(err, &missing); !q.Missing {
		q.Err = err.Error()
	}
	return q
}

// Total is every message of the queue.
func (q queueInfo) Total() int64 { return q.Visible + q.InFlight + q.Delayed }

// allQueues lists every queue of the endpoint with its counts, marking the
// dead-letter queues (of a RedrivePolicy or of a rule target of the bus).
func (c *Console) allQueues(ctx context.Context) ([]queueInfo, error) {
	urls, err := c.tool.QueueURLs(ctx)
	if err != nil {
		return nil, err
	}
	qs := c.describe(ctx, urls, false)
	sort.Slice(qs, func(i, j int) bool { return qs[i].Name < qs[j].Name })
	return qs, nil
}

// queuesNamed describes the named queues, by name.
func (c *Console) queuesNamed(ctx context.Context, names []string, oldest bool) map[string]queueInfo {
	out := map[string]queueInfo{}
	for _, q := range c.describe(ctx, names, oldest) {
		out[q.Name] = q
	}
	return out
}

// describe reads each queue's attributes (refs are URLs or names) in
// parallel, the oldest message's age where that costs nothing (localaws)
// or, with oldest, of dead-letter queues by a peek, and marks the DLQs.
func (c *Console) describe(ctx context.Context, refs []string, oldest bool) []queueInfo {
	qs := make([]queueInfo, len(refs))
	var wg sync.WaitGroup
	for i, ref := range refs {
		wg.Go(func() { qs[i] = c.describeOne(ctx, ref) })
	}
	wg.Wait()
	c.markDLQs(ctx, qs)
	for i := range qs {
		q := &qs[i]
		if q.Missing || q.Err != "" || q.OldestKnown || !oldest || !q.IsDLQ || q.Visible == 0 || c.jobs.running(q.Name) {
			continue
		}
		wg.Go(func() { c.sampleOldest(ctx, q) })
	}
	wg.Wait()
	return qs
}

func (c *Console) describeOne(ctx context.Context, ref string) queueInfo {
	q := queueInfo{Name: queueName(ref), URL: ref}
	if !strings.Contains(ref, "/") {
		out, err := c.cfg.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(ref)})
		if err != nil {
			return q.failed(err)
		}
		q.URL = aws.ToString(out.QueueUrl)
	}
	if p, ok := c.peekLocal(ctx, q.URL, 1); ok {
		q.Visible, q.InFlight, q.Delayed = int64(p.Visible), int64(p.InFlight), int64(p.Delayed)
		if p.OldestSentTimestamp > 0 {
			q.Oldest, q.OldestKnown = time.Since(time.UnixMilli(p.OldestSentTimestamp)), true
		}
	}
	out, err := c.cfg.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q.URL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		return q.failed(err)
	}
	a := out.Attributes
	q.ARN = a["QueueArn"]
	q.FIFO = a["FifoQueue"] == "true"
	if !q.OldestKnown { // localaws's peek counted at one instant already
		q.Visible, _ = strconv.ParseInt(a["ApproximateNumberOfMessages"], 10, 64)
		q.InFlight, _ = strconv.ParseInt(a["ApproximateNumberOfMessagesNotVisible"], 10, 64)
		q.Delayed, _ = strconv.ParseInt(a["ApproximateNumberOfMessagesDelayed"], 10, 64)
	}
	if rp := dlq.ParseRedrivePolicy(a["RedrivePolicy"]); rp.Target != "" {
		q.DLQ, q.MaxReceive = queueName(rp.Target), rp.MaxReceive
	}
	return q
}

// markDLQs marks the queues some queue redrives to, or some rule target of
// the bus sends what it cannot deliver to.
func (c *Console) markDLQs(ctx context.Context, qs []queueInfo) {
	byName := map[string]*queueInfo{}
	for i := range qs {
		byName[qs[i].Name] = &qs[i]
	}
	mark := func(dlq, source string) {
		if d, ok := byName[dlq]; ok {
			d.IsDLQ = true
			d.Sources = append(d.Sources, source)
		}
	}
	for _, q := range qs {
		if q.DLQ != "" {
			mark(q.DLQ, q.Name)
		}
	}
	rules, _ := c.topo.rules(ctx) // without rules, only redrive DLQs are known
	for _, r := range rules {
		for _, t := range r.Targets {
			if t.DLQ != "" {
				mark(queueName(t.DLQ), "rule "+r.Name)
			}
		}
	}
	for i := range qs {
		sort.Strings(qs[i].Sources)
		qs[i].Sources = compactStrings(qs[i].Sources)
	}
}

// redriveSources marks q a dead-letter queue if some queue's
// RedrivePolicy targets it, with those queues as its sources.
func (c *Console) redriveSources(ctx context.Context, q *queueInfo) {
	out, err := c.cfg.SQS.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(q.URL)})
	if err != nil || len(out.QueueUrls) == 0 {
		return
	}
	q.IsDLQ = true
	for _, u := range out.QueueUrls {
		q.Sources = append(q.Sources, queueName(u))
	}
	sort.Strings(q.Sources)
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// sampleOldest estimates a dead-letter queue's oldest message from a peek
// of up to 10 (receive, then visible again at once), where no peek free of
// side effects exists.
func (c *Console) sampleOldest(ctx context.Context, q *queueInfo) {
	msgs, _, err := c.tool.Show(ctx, q.URL, 10, nil)
	if err != nil {
		return
	}
	var oldest time.Time
	for _, m := range msgs {
		if !m.SentAt.IsZero() && (oldest.IsZero() || m.SentAt.Before(oldest)) {
			oldest = m.SentAt
		}
	}
	if !oldest.IsZero() {
		q.Oldest, q.OldestKnown = time.Since(oldest), true
	}
}

// peekLocal asks a localaws for a queue's messages without touching them;
// ok is false where the endpoint is not a localaws.
func (c *Console) peekLocal(ctx context.Context, url string, max int) (*lfsqs.PeekOutput, bool) {
	e := c.ext
	e.mu.Lock()
	client := e.sqs
	if e.noPeek {
		client = nil
	}
	e.mu.Unlock()
	if client == nil {
		return nil, false
	}
	out, err := client.PeekMessages(ctx, &lfsqs.PeekInput{QueueURL: url, MaxNumberOfMessages: aws.Int32(int32(max))})
	if errors.Is(err, localaws.ErrNoExtensions) {
		e.mu.Lock()
		e.noPeek = true
		e.mu.Unlock()
	}
	return out, err == nil
}

// hasLocalPeek reports whether the SQS endpoint is a localaws (as far as
// the console found out so far).
func (c *Console) hasLocalPeek() bool {
	c.ext.mu.Lock()
	defer c.ext.mu.Unlock()
	return c.ext.sqs != nil && !c.ext.noPeek
}

// message is one message as a queue page shows it.
type message struct {
	dlq.Message
	// State is "visible", "in flight" or "delayed" on localaws; "" where
	// the peek received the message (it was visible).
	State     string
	VisibleIn time.Duration
}

// peek returns up to max messages of q without consuming them, and says
// how: on localaws with PeekMessages (nothing changes, in-flight and
// delayed messages included); elsewhere as `dlq show` does.
func (c *Console) peek(ctx context.Context, q queueInfo, max int) ([]message, string, error) {
	if p, ok := c.peekLocal(ctx, q.URL, max); ok {
		out := make([]message, len(p.Messages))
		for i, pm := range p.Messages {
			out[i] = message{Message: dlq.View(sqsMessage(pm)), State: strings.ToLower(strings.ReplaceAll(pm.State, "_", " "))}
			if pm.VisibleAt > 0 {
				out[i].VisibleIn = time.Until(time.UnixMilli(pm.VisibleAt))
			}
		}
		return out, "localaws PeekMessages: nothing was received, no receive count or visibility changed", nil
	}
	msgs, _, err := c.tool.Show(ctx, q.URL, max, nil)
	out := make([]message, len(msgs))
	for i, m := range msgs {
		out[i] = message{Message: m}
	}
	return out, "received and made visible again at once (receive counts went up by one); in-flight and delayed messages are not shown", err
}

// sqsMessage is a peeked message in the shape ReceiveMessage gives.
func sqsMessage(p lfsqs.PeekedMessage) sqstypes.Message {
	m := sqstypes.Message{MessageId: aws.String(p.MessageID), Body: aws.String(p.Body), Attributes: p.Attributes,
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{}}
	for k, a := range p.MessageAttributes {
		m.MessageAttributes[k] = sqstypes.MessageAttributeValue{DataType: aws.String(a.DataType), StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	return m
}

// queueName is the name at the end of a queue URL or ARN.
func queueName(ref string) string {
	if i := strings.LastIndexAny(ref, "/:"); i >= 0 {
		return ref[i+1:]
	}
	return ref
}
