package events

import (
	"context"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// subscription is one Subscribe call: receivers feed out; every received
// message has a goroutine (deliver) that waits for its ack or nack.
type subscription struct {
	cfg    SQSSubscriberConfig
	q      queueInfo
	log    *slog.Logger
	msgCtx context.Context // context of delivered messages

	out      chan *message.Message
	slots    chan struct{} // one token per message in flight
	stopRecv context.CancelFunc
	recvCtx  context.Context
	stopping chan struct{} // closed when the drain starts
	drainEnd chan struct{} // closed when DrainTimeout is over
	closed   chan struct{} // closed when fully stopped

	receivers sync.WaitGroup
	delivers  sync.WaitGroup
	deletes   *deleteBatcher
	heart     *heartbeat
	closeOnce sync.Once
}

func newSubscription(cfg SQSSubscriberConfig, q queueInfo, msgCtx context.Context) *subscription {
	s := &subscription{
		cfg: cfg, q: q, msgCtx: msgCtx,
		log:      cfg.Logger.With("queue", q.url),
		out:      make(chan *message.Message),
		slots:    make(chan struct{}, cfg.MaxInFlight),
		stopping: make(chan struct{}),
		drainEnd: make(chan struct{}),
		closed:   make(chan struct{}),
	}
	s.recvCtx, s.stopRecv = context.WithCancel(context.Background())
	s.deletes = newDeleteBatcher(q.client, q.url, cfg.DeleteDelay, cfg.CallTimeout, s.log)
	s.heart = newHeartbeat(q.client, q.url, q.visibility, cfg.CallTimeout, s.log)
	for range cfg.Receivers {
		s.receivers.Add(1)
		go s.receive()
	}
	return s
}

// close drains the subscription (see SQSSubscriber.Close).
func (s *subscription) close() {
	s.closeOnce.Do(func() {
		close(s.stopping)
		s.stopRecv()
		s.receivers.Wait()
		timer := time.AfterFunc(s.cfg.DrainTimeout, func() { close(s.drainEnd) })
		s.delivers.Wait()
		timer.Stop()
		s.heart.stop()
		s.deletes.stop()
		close(s.out)
		close(s.closed)
	})
}

// receive is one long-polling loop.
func (s *subscription) receive() {
	defer s.receivers.Done()
	failures := 0
	for {
		n := s.acquire()
		if n == 0 {
			return
		}
		out, err := s.receiveMessages(n)
		var msgs []sqstypes.Message
		if err == nil {
			msgs = out.Messages
		}
		for range n - len(msgs) {
			<-s.slots
		}
		if err != nil {
			if s.recvCtx.Err() != nil {
				return
			}
			failures++
			wait := backoff(time.Second, 30*time.Second, failures)
			s.log.Warn("receiving messages failed", "err", err, "retry_in", wait)
			select {
			case <-time.After(wait):
			case <-s.recvCtx.Done():
				return
			}
			continue
		}
		failures = 0
		for _, m := range msgs {
			s.heart.track(aws.ToString(m.ReceiptHandle))
			s.delivers.Add(1)
			go s.deliver(m)
		}
	}
}

// receiveGrace is how long, counted from when it was sent, a receive may
// still answer once the subscription stops. Canceling a receive that SQS is
// answering would leave what it took invisible until its visibility
// timeout; a receive that answers is released at once. One that has waited
// longer is an idle long poll and is canceled at once.
const receiveGrace = time.Second

// receiveMessages asks for up to n messages.
func (s *subscription) receiveMessages(n int) (*sqs.ReceiveMessageOutput, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sent := time.Now()
	stop := context.AfterFunc(s.recvCtx, func() {
		time.AfterFunc(time.Until(sent.Add(receiveGrace)), cancel)
	})
	defer stop()
	return s.q.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(s.q.url),
		MaxNumberOfMessages:         int32(n),
		WaitTimeSeconds:             int32(s.cfg.WaitTime / time.Second),
		VisibilityTimeout:           visibilitySeconds(s.cfg.VisibilityTimeout),
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
	})
}

// acquire takes between 1 and MaxMessages in-flight slots, blocking for the
// first; 0 means the subscription is stopping.
func (s *subscription) acquire() int {
	select {
	case s.slots <- struct{}{}:
	case <-s.recvCtx.Done():
		return 0
	}
	n := 1
	for n < s.cfg.MaxMessages {
		select {
		case s.slots <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

// deliver hands one message to the consumer and settles it.
func (s *subscription) deliver(m sqstypes.Message) {
	defer s.delivers.Done()
	defer func() { <-s.slots }()
	receipt := aws.ToString(m.ReceiptHandle)
	defer s.heart.untrack(receipt)

	msg := toWatermill(m, s.q.url)
	ctx, cancel := context.WithCancel(s.msgCtx)
	defer cancel() // the message is settled, or given up on
	msg.SetContext(ctx)
	select {
	case s.out <- msg:
	case <-s.stopping:
		// Never handed out: let another consumer have it now.
		s.changeVisibility(receipt, 0)
		return
	}
	select {
	case <-msg.Acked():
		s.deletes.add(receipt)
	case <-msg.Nacked():
		if msg.Metadata.Get(MetadataPoisonReason) != "" && s.deadLetter(m, msg) {
			s.deletes.add(receipt)
			return
		}
		count, _ := strconv.Atoi(m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)])
		s.changeVisibility(receipt, nackDelay(s.cfg.InitialBackoff, s.cfg.MaxBackoff, count))
	case <-s.drainEnd:
		s.log.Warn("drain timeout: leaving a message to its visibility timeout", "message_id", aws.ToString(m.MessageId))
	}
}

// nackDelay is the invisibility after a nack of a message received count
// times: initial*2^(count-1), capped at max.
func nackDelay(initial, max time.Duration, count int) time.Duration {
	if count < 1 {
		count = 1
	}
	d := initial
	for i := 1; i < count && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

func (s *subscription) changeVisibility(receipt string, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.CallTimeout)
	defer cancel()
	secs := int32(math.Ceil(d.Seconds()))
	_, err := s.q.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(s.q.url), ReceiptHandle: aws.String(receipt), VisibilityTimeout: secs,
	})
	if err != nil {
		s.log.Warn("changing message visibility failed; it returns after its visibility timeout", "err", err)
	}
}

// visibilitySeconds rounds d up to whole seconds; 0 leaves the queue's.
func visibilitySeconds(d time.Duration) int32 {
	return int32(math.Ceil(d.Seconds()))
}

// toWatermill converts an SQS message (see SQSSubscriber for its UUID and
// metadata).
func toWatermill(m sqstypes.Message, queueURL string) *message.Message {
	body := []byte(aws.ToString(m.Body))
	uuid, md, _ := restoreMessage(body)
	if uuid == "" {
		uuid = aws.ToString(m.MessageId)
	}
	msg := message.NewMessage(uuid, body)
	for k, v := range md {
		msg.Metadata.Set(k, v)
	}
	for k, v := range m.MessageAttributes {
		if v.StringValue != nil && !perDelivery(k) {
			msg.Metadata.Set(k, *v.StringValue)
		}
	}
	msg.Metadata.Set(MetadataMessageID, aws.ToString(m.MessageId))
	msg.Metadata.Set(MetadataReceiveCount, m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)])
	msg.Metadata.Set(MetadataQueueURL, queueURL)
	return msg
}
