package events

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/internal/problems"
)

// SQSAPI is what SQSSubscriber needs of an SQS client (*sqs.Client).
type SQSAPI interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
	ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// SQSSubscriberConfig configures an SQSSubscriber.
type SQSSubscriberConfig struct {
	// Client talks to SQS. Required.
	Client SQSAPI
	// Receivers is the number of concurrent long-polling ReceiveMessage
	// loops per subscription. Default 4.
	Receivers int
	// MaxMessages is the most messages one receive asks for (1..10).
	// Default 10.
	MaxMessages int
	// WaitTime is the long-poll wait of one receive (1s..20s, whole
	// seconds). Default 20s.
	WaitTime time.Duration
	// MaxInFlight bounds the messages received but not yet acked or
	// nacked per subscription. Default Receivers*MaxMessages.
	MaxInFlight int
	// VisibilityTimeout is asked for on every receive and used by the
	// heartbeat, which keeps extending the messages still in flight. Zero
	// means the queue's own VisibilityTimeout.
	VisibilityTimeout time.Duration
	// InitialBackoff is how long a nacked message stays invisible after
	// its first receive; it doubles with every further receive
	// (ApproximateReceiveCount) up to MaxBackoff. Defaults 1s and 5m.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// DeleteDelay bounds how long an ack waits to be batched with others
	// into DeleteMessageBatch (a batch of 10 goes at once). Default 50ms.
	DeleteDelay time.Duration
	// DrainTimeout bounds how long Close waits for handlers still
	// processing messages. Default 30s.
	DrainTimeout time.Duration
	// CallTimeout bounds each SQS call other than ReceiveMessage.
	// Default 10s.
	CallTimeout time.Duration
	// Logger receives operational logs. Default slog.Default().
	Logger *slog.Logger
}

func (c *SQSSubscriberConfig) setDefaults() {
	c.Receivers = cmp.Or(c.Receivers, 4)
	c.MaxMessages = cmp.Or(c.MaxMessages, 10)
	c.WaitTime = cmp.Or(c.WaitTime, 20*time.Second)
	c.MaxInFlight = cmp.Or(c.MaxInFlight, c.Receivers*c.MaxMessages)
	c.InitialBackoff = cmp.Or(c.InitialBackoff, time.Second)
	c.MaxBackoff = cmp.Or(c.MaxBackoff, 5*time.Minute)
	c.DeleteDelay = cmp.Or(c.DeleteDelay, 50*time.Millisecond)
	c.DrainTimeout = cmp.Or(c.DrainTimeout, 30*time.Second)
	c.CallTimeout = cmp.Or(c.CallTimeout, 10*time.Second)
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every problem with the configuration.
func (c SQSSubscriberConfig) Validate() error {
	var errs problems.List
	errs.If(c.Client == nil, "client is required")
	errs.If(c.Receivers < 1, "receivers must be at least 1")
	errs.If(c.MaxMessages < 1 || c.MaxMessages > 10, "max messages must be 1..10")
	errs.If(c.WaitTime < time.Second || c.WaitTime > 20*time.Second, "wait time must be 1s..20s")
	errs.If(c.MaxInFlight < 1, "max in flight must be at least 1")
	errs.If(c.VisibilityTimeout < 0 || c.VisibilityTimeout > 12*time.Hour, "visibility timeout must be 0..12h")
	errs.If(c.InitialBackoff < 0 || c.MaxBackoff < c.InitialBackoff || c.MaxBackoff > 12*time.Hour, "backoffs must satisfy 0 <= initial <= max <= 12h")
	errs.If(c.DeleteDelay < 0 || c.DrainTimeout < 0 || c.CallTimeout <= 0, "delete delay, drain timeout and call timeout must not be negative")
	return errs.Err()
}

// SQSSubscriber is a watermill message.Subscriber over SQS. The topic is a
// queue name or URL. Each subscription runs Receivers long-polling loops;
// the payload of a message is its body. When the body is an EventBridge
// envelope, the message has the UUID and metadata its publisher gave it
// (see DetailMessageMember) and the envelope's source, detail-type and
// resources as MetadataSource, MetadataDetailType and MetadataResources;
// otherwise its UUID is the SQS MessageId. The String and Number message
// attributes are metadata too, except the poison marks of an earlier
// dead-lettering (MetadataPoisonReason and friends), and every message has
// MetadataMessageID, MetadataReceiveCount and MetadataQueueURL.
//
// Ack deletes the message (batched). Nack makes it visible again after a
// backoff that grows with its receive count; once the queue's
// maxReceiveCount is exceeded SQS itself moves it to the dead-letter queue.
// A nacked message marked with MarkPoison goes straight to the queue's
// dead-letter queue (from its RedrivePolicy) with attributes saying why,
// and is deleted. While a handler works, the message's visibility is
// extended. Messages are delivered concurrently (up to MaxInFlight); the
// order of delivery is not the order of the queue.
type SQSSubscriber struct {
	cfg SQSSubscriberConfig

	mu     sync.Mutex
	closed bool
	subs   []*subscription
}

// NewSQSSubscriber checks cfg and returns a subscriber.
func NewSQSSubscriber(cfg SQSSubscriberConfig) (*SQSSubscriber, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sqs subscriber config: %w", err)
	}
	return &SQSSubscriber{cfg: cfg}, nil
}

// ErrSubscriberClosed is returned by Subscribe after Close.
var ErrSubscriberClosed = errors.New("subscriber closed")

// Subscribe starts receiving from topic (a queue name or URL) and returns
// the channel of its messages, closed once the subscription drained after
// ctx ended or Close. A message's context carries ctx's values but is not
// canceled with ctx, so that handlers can finish during the drain; it ends
// once the message is acked or nacked, or when the drain gives up on it.
func (s *SQSSubscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrSubscriberClosed
	}
	q, err := s.resolveQueue(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("subscribing to %s: %w", topic, err)
	}
	sub := newSubscription(s.cfg, q, context.WithoutCancel(ctx))
	s.subs = append(s.subs, sub)
	go func() {
		select {
		case <-ctx.Done():
			sub.close()
		case <-sub.closed:
		}
	}()
	return sub.out, nil
}

// Close stops every subscription: no new receives (a receive sent within
// the last second may still answer, so that what it took is released
// rather than left invisible), handlers already holding a message get up to
// DrainTimeout to ack or nack it, messages not yet handed out are made
// visible again, pending deletes are flushed. It returns once all of that
// is done.
func (s *SQSSubscriber) Close() error {
	s.mu.Lock()
	s.closed = true
	subs := s.subs
	s.subs = nil
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sub.close()
		}()
	}
	wg.Wait()
	return nil
}

// queueInfo is what a subscription knows of its queue.
type queueInfo struct {
	url, arn   string
	visibility time.Duration
	// dlqARN is the RedrivePolicy's deadLetterTargetArn, or "".
	dlqARN string
	client SQSAPI
}

func (s *SQSSubscriber) resolveQueue(ctx context.Context, topic string) (queueInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	q := queueInfo{url: topic, client: s.cfg.Client}
	if !strings.HasPrefix(topic, "https://") && !strings.HasPrefix(topic, "http://") {
		out, err := s.cfg.Client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(topic)})
		if err != nil {
			return q, fmt.Errorf("getting queue url: %w", err)
		}
		q.url = aws.ToString(out.QueueUrl)
	}
	out, err := s.cfg.Client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(q.url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameVisibilityTimeout,
			sqstypes.QueueAttributeNameRedrivePolicy, sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return q, fmt.Errorf("getting queue attributes: %w", err)
	}
	q.arn = out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	q.visibility = s.cfg.VisibilityTimeout
	if q.visibility == 0 {
		secs, err := strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameVisibilityTimeout)])
		if err != nil || secs < 0 {
			secs = 30
		}
		q.visibility = time.Duration(secs) * time.Second
	}
	if rp := out.Attributes[string(sqstypes.QueueAttributeNameRedrivePolicy)]; rp != "" {
		q.dlqARN, err = deadLetterARN(rp)
		if err != nil {
			return q, err
		}
	}
	return q, nil
}
