package events

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// countingSQS forwards to localaws and counts the calls that matter.
type countingSQS struct {
	*sqs.Client
	deleteBatches, visibilityBatches, visibilityChanges atomic.Int64
}

func (c *countingSQS) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, o ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	c.deleteBatches.Add(1)
	return c.Client.DeleteMessageBatch(ctx, in, o...)
}

func (c *countingSQS) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, o ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	c.visibilityBatches.Add(1)
	return c.Client.ChangeMessageVisibilityBatch(ctx, in, o...)
}

func (c *countingSQS) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, o ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	c.visibilityChanges.Add(1)
	return c.Client.ChangeMessageVisibility(ctx, in, o...)
}

func newTestSubscriber(t testing.TB, client SQSAPI, tune func(*SQSSubscriberConfig)) *SQSSubscriber {
	t.Helper()
	cfg := SQSSubscriberConfig{Client: client, WaitTime: 2 * time.Second, Logger: testlog.Quiet(), DrainTimeout: 20 * time.Second}
	if tune != nil {
		tune(&cfg)
	}
	s, err := NewSQSSubscriber(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// subscribe starts a test subscriber (see newTestSubscriber) on topic.
func subscribe(t testing.TB, client SQSAPI, topic string, tune func(*SQSSubscriberConfig)) (*SQSSubscriber, <-chan *message.Message) {
	t.Helper()
	s := newTestSubscriber(t, client, tune)
	msgs, err := s.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return s, msgs
}

func bodies(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}

func TestSQSSubscriberAckDeletesInBatches(t *testing.T) {
	t.Parallel()
	q := newQueue(t, 30*time.Second, 0, bodies("m", 40)...)
	client := &countingSQS{Client: local.SQS()}
	_, msgs := subscribe(t, client, q.name, nil)
	seen := map[string]int{}
	for len(seen) < 40 {
		select {
		case m := <-msgs:
			seen[string(m.Payload)]++
			if m.UUID == "" || m.Metadata.Get(MetadataReceiveCount) != "1" || m.Metadata.Get(MetadataQueueURL) != q.url {
				t.Errorf("metadata %v uuid %q", m.Metadata, m.UUID)
			}
			m.Ack()
		case <-time.After(30 * time.Second):
			t.Fatalf("got %d of 40 messages", len(seen))
		}
	}
	eventually(t, 20*time.Second, "queue empty", func() bool { return queueDepth(t, q.url) == 0 })
	for b, n := range seen {
		if n != 1 {
			t.Errorf("%s delivered %d times", b, n)
		}
	}
	if n := client.deleteBatches.Load(); n > 20 || n < 4 {
		t.Errorf("%d DeleteMessageBatch calls for 40 acks: want batches of several", n)
	}
}

func TestSQSSubscriberNackBacksOffByReceiveCount(t *testing.T) {
	t.Parallel()
	// Visibility 60s: without the backoff a nacked message would be away a minute.
	q := newQueue(t, 60*time.Second, 0, "retry-me")
	s := newTestSubscriber(t, local.SQS(), func(c *SQSSubscriberConfig) {
		c.InitialBackoff = time.Second
		c.MaxBackoff = 2 * time.Second
		c.Receivers = 1
	})
	msgs, err := s.Subscribe(context.Background(), q.url)
	if err != nil {
		t.Fatal(err)
	}
	var counts []string
	var gaps []time.Duration
	last := time.Now()
	for len(counts) < 3 {
		select {
		case m := <-msgs:
			counts = append(counts, m.Metadata.Get(MetadataReceiveCount))
			gaps = append(gaps, time.Since(last))
			last = time.Now()
			if len(counts) < 3 {
				m.Nack()
			} else {
				m.Ack()
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("redelivery did not come; receive counts so far %v", counts)
		}
	}
	if strings.Join(counts, ",") != "1,2,3" {
		t.Errorf("receive counts %v", counts)
	}
	// The first retry waits InitialBackoff (1s, rounded to SQS seconds), the second 2s.
	if gaps[1] < 900*time.Millisecond || gaps[2] < 1900*time.Millisecond {
		t.Errorf("redelivered too early: %v", gaps)
	}
	eventually(t, 20*time.Second, "queue empty", func() bool { return queueDepth(t, q.url) == 0 })
}

func TestSQSSubscriberHeartbeatKeepsSlowMessages(t *testing.T) {
	t.Parallel()
	q := newQueue(t, 2*time.Second, 0, "slow")
	client := &countingSQS{Client: local.SQS()}
	_, msgs := subscribe(t, client, q.url, nil)
	var m *message.Message
	select {
	case m = <-msgs:
	case <-time.After(30 * time.Second):
		t.Fatal("no message")
	}
	// Hold it for three visibility timeouts; a competing consumer must
	// never see it meanwhile.
	other := local.SQS()
	deadline := time.Now().Add(6 * time.Second)
	for time.Now().Before(deadline) {
		out, err := other.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.url), WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) > 0 {
			t.Fatalf("message visible again while its handler was working (after %v)", 6*time.Second-time.Until(deadline))
		}
	}
	if client.visibilityBatches.Load() == 0 {
		t.Error("no visibility extension sent")
	}
	m.Ack()
	eventually(t, 20*time.Second, "queue empty", func() bool { return queueDepth(t, q.url) == 0 })
	select {
	case m := <-msgs:
		t.Errorf("delivered again: %s", m.Payload)
	default:
	}
}

func TestSQSSubscriberPoisonGoesToDLQ(t *testing.T) {
	t.Parallel()
	q := newQueue(t, 30*time.Second, 5, "poison", "fine")
	_, msgs := subscribe(t, local.SQS(), q.name, nil)
	for range 2 {
		select {
		case m := <-msgs:
			if string(m.Payload) == "poison" {
				MarkPoison(m, "billing", fmt.Errorf("schema says no"))
				m.Nack()
			} else {
				m.Ack()
			}
		case <-time.After(30 * time.Second):
			t.Fatal("messages did not come")
		}
	}
	dead := receiveAll(t, q.dlqURL, 1, 30*time.Second)
	if len(dead) != 1 || aws.ToString(dead[0].Body) != "poison" {
		t.Fatalf("dlq holds %v", dead)
	}
	attrs := dead[0].MessageAttributes
	for k, want := range map[string]string{MetadataPoisonReason: "schema says no", MetadataPoisonHandler: "billing", MetadataPoisonSource: q.arn} {
		if got := aws.ToString(attrs[k].StringValue); got != want {
			t.Errorf("dlq attribute %s = %q, want %q", k, got, want)
		}
	}
	eventually(t, 20*time.Second, "source queue empty", func() bool { return queueDepth(t, q.url) == 0 })
}

func TestSQSSubscriberLeavesRedriveToSQS(t *testing.T) {
	t.Parallel()
	q := newQueue(t, 30*time.Second, 2, "flaky")
	_, msgs := subscribe(t, local.SQS(), q.name, func(c *SQSSubscriberConfig) { c.MaxBackoff = time.Second })
	go func() {
		for m := range msgs {
			m.Nack()
		}
	}()
	dead := receiveAll(t, q.dlqURL, 1, 30*time.Second)
	if len(dead) != 1 || aws.ToString(dead[0].Body) != "flaky" {
		t.Fatalf("dlq holds %v", dead)
	}
	if _, ok := dead[0].MessageAttributes[MetadataPoisonReason]; ok {
		t.Error("a redriven message carries a poison reason")
	}
}

// A message replayed from a dead-letter queue keeps the attributes saying
// why it died; they must not make its next retryable failure a poison one.
func TestSQSSubscriberIgnoresThePoisonMarksOfAnEarlierDeath(t *testing.T) {
	t.Parallel()
	q := newQueue(t, 30*time.Second, 5)
	attrs := map[string]sqstypes.MessageAttributeValue{"keep": stringAttr("k")}
	for _, k := range []string{MetadataPoisonReason, MetadataPoisonHandler, MetadataPoisonSource} {
		attrs[k] = stringAttr("from an earlier death")
	}
	if _, err := local.SQS().SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q.url),
		MessageBody: aws.String("replayed"), MessageAttributes: attrs}); err != nil {
		t.Fatal(err)
	}
	_, msgs := subscribe(t, local.SQS(), q.url, nil)
	for _, count := range []string{"1", "2"} {
		select {
		case m := <-msgs:
			if got := m.Metadata.Get(MetadataReceiveCount); got != count {
				t.Fatalf("receive count %s, want %s (dead-lettered on a retryable failure?)", got, count)
			}
			if m.Metadata.Get(MetadataPoisonReason) != "" || m.Metadata.Get("keep") != "k" {
				t.Errorf("metadata %v", m.Metadata)
			}
			if count == "1" {
				m.Nack() // retryable: no MarkPoison
			} else {
				m.Ack()
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("delivery %s did not come", count)
		}
	}
	eventually(t, 20*time.Second, "queue empty", func() bool { return queueDepth(t, q.url) == 0 })
	if n := queueDepth(t, q.dlqURL); n != 0 {
		t.Errorf("%d messages in the dead-letter queue", n)
	}
}

func TestSQSSubscriberDrainsOnClose(t *testing.T) {
	t.Parallel()
	q := newQueue(t, 30*time.Second, 0, bodies("d", 15)...)
	s, msgs := subscribe(t, local.SQS(), q.name, func(c *SQSSubscriberConfig) { c.MaxInFlight = 5; c.Receivers = 1 })
	var mu sync.Mutex
	var handled []string
	var wg sync.WaitGroup
	got := 0
	for got < 5 {
		select {
		case m := <-msgs:
			got++
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(500 * time.Millisecond) // a handler mid-work at Close
				mu.Lock()
				handled = append(handled, string(m.Payload))
				mu.Unlock()
				m.Ack()
			}()
		case <-time.After(30 * time.Second):
			t.Fatal("messages did not come")
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	n := len(handled)
	mu.Unlock()
	if n != 5 {
		t.Errorf("Close returned with %d of 5 handlers done", n)
	}
	for m := range msgs { // closed by Close; anything left was never handed out
		t.Errorf("message %s delivered during drain", m.Payload)
	}
	// The 5 acks were flushed: 10 remain, all visible at once (not stuck
	// invisible for 30s).
	c := local.SQS()
	eventually(t, 20*time.Second, "10 visible messages", func() bool {
		out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q.url),
			AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
		return err == nil && out.Attributes["ApproximateNumberOfMessages"] == "10" && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
	})
	rest := receiveAll(t, q.url, 10, 20*time.Second)
	var all []string
	for _, m := range rest {
		all = append(all, aws.ToString(m.Body))
	}
	all = append(all, handled...)
	sort.Strings(all)
	if strings.Join(all, ",") != strings.Join(bodies("d", 15), ",") {
		t.Errorf("messages after drain: %v", all)
	}
	if _, err := s.Subscribe(context.Background(), q.name); err == nil {
		t.Error("Subscribe after Close succeeded")
	}
	wg.Wait()
}

// lossCountingSQS forwards to localaws without SDK retries of
// ReceiveMessage and counts the receives that failed other than by being
// canceled: a failed receive may have taken messages that stay invisible
// until their visibility timeout (see the brief on lost responses).
type lossCountingSQS struct {
	*sqs.Client
	lost atomic.Int64
}

func (c *lossCountingSQS) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, o ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	out, err := c.Client.ReceiveMessage(ctx, in, append(o, func(o *sqs.Options) { o.RetryMaxAttempts = 1 })...)
	if err != nil && ctx.Err() == nil {
		c.lost.Add(1)
	}
	return out, err
}

// Close right after acks, while receives for the freed slots are being
// answered: what those receives took is released, not left invisible for
// the queue's visibility timeout.
func TestSQSSubscriberCloseReleasesWhatReceivesTook(t *testing.T) {
	t.Parallel()
	q := newQueue(t, 60*time.Second, 0, bodies("c", 50)...)
	client := &lossCountingSQS{Client: local.SQS()}
	s, msgs := subscribe(t, client, q.url, nil)
	for got := 0; got < 25; got++ {
		select {
		case m := <-msgs:
			m.Ack()
		case <-time.After(30 * time.Second):
			t.Fatalf("got %d of 25 messages", got)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := local.SQS().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q.url),
		AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if err != nil {
		t.Fatal(err)
	}
	visible, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
	hidden, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessagesNotVisible"])
	if visible+hidden != 25 {
		t.Errorf("%d visible + %d invisible after 25 acks of 50", visible, hidden)
	}
	if lost := int(client.lost.Load()); hidden > 10*lost {
		t.Errorf("%d messages invisible after Close (%d receives failed in transport)", hidden, lost)
	}
}

// A message's context carries the values of Subscribe's, survives its
// cancellation (a handler finishes during the drain) and ends once the
// message is acked, nacked, or given up on at the end of the drain.
func TestSQSSubscriberMessageContext(t *testing.T) {
	t.Parallel()
	q := newQueue(t, 30*time.Second, 0, bodies("ctx", 3)...)
	s := newTestSubscriber(t, local.SQS(), func(c *SQSSubscriberConfig) { c.DrainTimeout = time.Second })
	type key struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	msgs, err := s.Subscribe(ctx, q.url)
	if err != nil {
		t.Fatal(err)
	}
	var got []*message.Message
	for len(got) < 3 {
		select {
		case m := <-msgs:
			got = append(got, m)
		case <-time.After(30 * time.Second):
			t.Fatalf("got %d of 3 messages", len(got))
		}
	}
	cancel() // starts the drain; the messages are still being handled
	for i, m := range got {
		if m.Context().Value(key{}) != "v" {
			t.Errorf("message %d: context lacks Subscribe's values", i)
		}
		if m.Context().Err() != nil {
			t.Errorf("message %d: context ended before its message was settled", i)
		}
	}
	got[0].Ack()
	got[1].Nack()
	for i, m := range got {
		select {
		case <-m.Context().Done(): // the third one at the end of the drain
		case <-time.After(20 * time.Second):
			t.Errorf("message %d: context still open", i)
		}
	}
}

func TestSQSSubscriberConfig(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]SQSSubscriberConfig{
		"no client":   {},
		"max 11":      {Client: local.SQS(), MaxMessages: 11},
		"wait 30s":    {Client: local.SQS(), WaitTime: 30 * time.Second},
		"backoff inv": {Client: local.SQS(), InitialBackoff: time.Minute, MaxBackoff: time.Second},
	} {
		if _, err := NewSQSSubscriber(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s := newTestSubscriber(t, local.SQS(), nil)
	if _, err := s.Subscribe(context.Background(), "no-such-queue-"+localawstest.FreshName(t, "x")); err == nil {
		t.Error("Subscribe to a missing queue succeeded")
	}
	if d := nackDelay(time.Second, time.Minute, 4); d != 8*time.Second {
		t.Errorf("nackDelay(4) = %v", d)
	}
	if d := nackDelay(time.Second, time.Minute, 40); d != time.Minute {
		t.Errorf("nackDelay(40) = %v", d)
	}
}
