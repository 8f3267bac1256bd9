package events

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// The suite's messages travel as events of this source and detail-type.
const (
	suiteSource     = "licenseflow.pubsub-suite"
	suiteDetailType = "Suite Message"
)

// pubSubFeatures is what our EventBridge publisher and SQS subscriber
// guarantee, as watermill's universal suite asks it:
//
//   - ConsumerGroups: a group is a rule on the topic's bus feeding the
//     group's own queue; every group gets every event, the subscribers of
//     one group share its queue.
//   - ExactlyOnceDelivery: no. Delivery is at least once: a message whose
//     visibility runs out, whose delete or receive response is lost, or
//     whose PutEvents is retried after a lost response comes again.
//   - GuaranteedOrder (and with a single subscriber): no. Standard queues
//     do not keep order and a subscription hands messages out concurrently.
//   - Persistent: yes. A queue keeps its messages for the next subscriber
//     (and localaws keeps them across a restart, see TestPubSubFull).
//   - RequireSingleInstance: no; any number of publishers and subscribers
//     share a topic.
//   - NewSubscriberReceivesOldMessages: no. Acked messages are deleted and a
//     new group's queue only gets events published after its rule exists.
//   - ContextPreserved: no; a context does not cross the network.
//
// UUID and metadata round trips, which the suite checks everywhere without
// a feature to declare, hold: the publisher carries them in the detail
// (DetailMessageMember) and the subscriber gives them back.
func pubSubFeatures() tests.Features {
	return tests.Features{
		ConsumerGroups:                      true,
		ExactlyOnceDelivery:                 false,
		GuaranteedOrder:                     false,
		GuaranteedOrderWithSingleSubscriber: false,
		Persistent:                          true,
		RequireSingleInstance:               false,
		NewSubscriberReceivesOldMessages:    false,
		ContextPreserved:                    false,
	}
}

// pubSubTopology maps the suite's topics onto EventBridge and SQS, creating
// on demand through the SDK: topic T is the bus T; consumer group G of T is
// a rule on T matching the suite's source whose one target is G's queue.
type pubSubTopology struct {
	eb  *eventbridge.Client
	sqs *sqs.Client

	mu     sync.Mutex
	buses  map[string]bool
	queues map[string]string // topic + group -> queue URL
}

func newPubSubTopology(cfg aws.Config) *pubSubTopology {
	return &pubSubTopology{eb: eventbridge.NewFromConfig(cfg), sqs: sqs.NewFromConfig(cfg),
		buses: map[string]bool{}, queues: map[string]string{}}
}

func (p *pubSubTopology) ensureBus(ctx context.Context, topic string) error {
	p.mu.Lock()
	done := p.buses[topic]
	p.mu.Unlock()
	if done {
		return nil
	}
	_, err := p.eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(topic)})
	var exists *ebtypes.ResourceAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("creating bus %s: %w", topic, err)
	}
	p.mu.Lock()
	p.buses[topic] = true
	p.mu.Unlock()
	return nil
}

// ensureQueue returns the URL of group's queue on topic, creating the bus,
// the queue and the rule that feeds it if need be.
func (p *pubSubTopology) ensureQueue(ctx context.Context, topic, group string) (string, error) {
	sum := sha256.Sum256([]byte(topic + "\x00" + group))
	name := "pubsub-" + hex.EncodeToString(sum[:16])
	p.mu.Lock()
	url, done := p.queues[name]
	p.mu.Unlock()
	if done {
		return url, nil
	}
	if err := p.ensureBus(ctx, topic); err != nil {
		return "", err
	}
	q, err := p.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("creating queue: %w", err)
	}
	url = aws.ToString(q.QueueUrl)
	attrs, err := p.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return "", fmt.Errorf("queue arn: %w", err)
	}
	pattern, _ := json.Marshal(map[string][]string{"source": {suiteSource}})
	if _, err := p.eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventBusName: aws.String(topic),
		EventPattern: aws.String(string(pattern))}); err != nil {
		return "", fmt.Errorf("creating rule: %w", err)
	}
	out, err := p.eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), EventBusName: aws.String(topic),
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(attrs.Attributes["QueueArn"])}}})
	if err != nil || out.FailedEntryCount > 0 {
		return "", fmt.Errorf("adding the queue to the rule: %v %v", err, out)
	}
	p.mu.Lock()
	p.queues[name] = url
	p.mu.Unlock()
	return url, nil
}

// suiteDetail carries a suite payload (any bytes) in an EventBridge detail,
// which must be a JSON object.
type suiteDetail struct {
	Payload []byte `json:"payload"`
}

// topicPublisher publishes the suite's messages with our
// EventBridgePublisher on the topic's bus. It only makes the suite's
// opaque payloads into details and names the events' source and
// detail-type; UUID and metadata are the publisher's to carry.
type topicPublisher struct {
	topo *pubSubTopology
	pub  *EventBridgePublisher
}

func (p *topicPublisher) Publish(topic string, msgs ...*message.Message) error {
	if err := p.topo.ensureBus(context.Background(), topic); err != nil {
		return err
	}
	out := make([]*message.Message, len(msgs))
	for i, m := range msgs {
		detail, err := json.Marshal(suiteDetail{Payload: m.Payload})
		if err != nil {
			return err
		}
		c := message.NewMessage(m.UUID, detail)
		for k, v := range m.Metadata {
			c.Metadata.Set(k, v)
		}
		c.Metadata.Set(MetadataSource, suiteSource)
		c.Metadata.Set(MetadataDetailType, suiteDetailType)
		c.SetContext(m.Context())
		out[i] = c
	}
	return p.pub.Publish(topic, out...)
}

func (p *topicPublisher) Close() error { return p.pub.Close() }

// groupSubscriber subscribes with our SQSSubscriber to its group's queue of
// a topic. It only turns the envelope each message carries back into the
// suite's payload; UUID, metadata, acks, nacks and contexts are the
// subscriber's.
type groupSubscriber struct {
	t       *testing.T
	topo    *pubSubTopology
	group   string
	sub     *SQSSubscriber
	closing chan struct{}
	once    sync.Once
	pipes   sync.WaitGroup
}

func (s *groupSubscriber) SubscribeInitialize(topic string) error {
	_, err := s.topo.ensureQueue(context.Background(), topic, s.group)
	return err
}

func (s *groupSubscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	url, err := s.topo.ensureQueue(ctx, topic, s.group)
	if err != nil {
		return nil, err
	}
	in, err := s.sub.Subscribe(ctx, url)
	if err != nil {
		return nil, err
	}
	out := make(chan *message.Message)
	s.pipes.Add(1)
	go s.pipe(in, out)
	return out, nil
}

// pipe forwards in to out until in closes, replacing each payload (an
// envelope) with the suite payload of its detail. After Close it nacks
// what it can no longer hand out.
func (s *groupSubscriber) pipe(in <-chan *message.Message, out chan<- *message.Message) {
	defer s.pipes.Done()
	defer close(out)
	for m := range in {
		var env struct {
			Detail suiteDetail `json:"detail"`
		}
		if err := json.Unmarshal(m.Payload, &env); err != nil {
			s.t.Errorf("message %s: body is not an envelope of a suite detail: %v", m.UUID, err)
			m.Nack()
			continue
		}
		m.Payload = env.Detail.Payload
		select {
		case out <- m:
		case <-s.closing:
			m.Nack()
		}
	}
}

// Close closes the SQSSubscriber and, as it does, returns only once every
// channel it gave out is closed.
func (s *groupSubscriber) Close() error {
	s.once.Do(func() { close(s.closing) })
	err := s.sub.Close()
	s.pipes.Wait()
	return err
}

// pubSubConstructors returns the suite's constructors over topo: the plain
// one subscribes as the group "default". The subscriber asks for a 5s
// visibility (a receive whose response the SDK loses hides its messages
// that long; the suite waits 15s for the next message), backs nacks off 2s
// at most (TestContinueAfterErrors nacks each message up to six times and
// waits 15s for the next) and drains for 1s (TestMessageCtx wants the
// context of a message never acked to end within 15s of Close; the suite
// leaves messages unacked at every Close). The rest is the default.
func pubSubConstructors(topo *pubSubTopology) (tests.PubSubConstructor, tests.ConsumerGroupPubSubConstructor) {
	group := func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
		pub, err := NewEventBridgePublisher(EventBridgePublisherConfig{Client: topo.eb, Logger: testlog.Quiet()})
		if err != nil {
			t.Fatal(err)
		}
		sub, err := NewSQSSubscriber(SQSSubscriberConfig{Client: topo.sqs,
			VisibilityTimeout: 5 * time.Second, MaxBackoff: 2 * time.Second, DrainTimeout: time.Second,
			Logger: testlog.Quiet()})
		if err != nil {
			t.Fatal(err)
		}
		return &topicPublisher{topo: topo, pub: pub},
			&groupSubscriber{t: t, topo: topo, group: group, sub: sub, closing: make(chan struct{})}
	}
	plain := func(t *testing.T) (message.Publisher, message.Subscriber) { return group(t, "default") }
	return plain, group
}

// stressEnv runs TestPubSubFull and TestPubSubStress (make stress).
const stressEnv = "LICENSEFLOW_PUBSUB_STRESS"

// TestPubSub runs watermill's universal Pub/Sub suite over our EventBridge
// publisher and SQS subscriber on the package's localaws, at the suite's
// short sizes (ForceShort). The suite skips what pubSubFeatures rules out:
// the two ordering tests, TestNewSubscriberReceivesOldMessages, and
// TestReconnect, which needs a broker to restart and runs in TestPubSubFull.
func TestPubSub(t *testing.T) {
	t.Parallel()
	plain, group := pubSubConstructors(newPubSubTopology(local.Config()))
	features := pubSubFeatures()
	features.ForceShort = true
	tests.TestPubSub(t, features, plain, group)
}

// TestPubSubFull runs the suite at its full sizes (thousands of messages,
// fifty subscribers) on a localaws of its own that keeps its state on disk,
// with TestReconnect restarting it twice while 10000 messages are
// published: nothing accepted may be lost, every publisher and subscriber
// must carry on.
func TestPubSubFull(t *testing.T) {
	if os.Getenv(stressEnv) == "" {
		t.Skipf("the full-size suite with localaws restarts runs with %s=1 (make stress); make test runs it at short sizes in TestPubSub", stressEnv)
	}
	srv := startRestartable(t)
	plain, group := pubSubConstructors(newPubSubTopology(localawstest.Config(srv.url)))
	features := pubSubFeatures()
	features.RestartServiceCommand = srv.restartCommand()
	tests.TestPubSub(t, features, plain, group)
	// TestReconnect ran before TestPubSub returned (the others run after).
	if n := srv.restarted(); n != 2 {
		t.Errorf("localaws restarted %d times, want 2 (TestReconnect)", n)
	}
}

// TestPubSubStress runs the short suite STRESS_TEST_COUNT times (default
// 10) at once on the package's localaws, to shake out races.
func TestPubSubStress(t *testing.T) {
	if os.Getenv(stressEnv) == "" {
		t.Skipf("the suite's stress rounds run with %s=1 (make stress); make test runs the suite once in TestPubSub", stressEnv)
	}
	plain, group := pubSubConstructors(newPubSubTopology(local.Config()))
	features := pubSubFeatures()
	features.ForceShort = true
	tests.TestPubSubStressTest(t, features, plain, group)
}

// restartable is a localaws on a fixed loopback port with its state in a
// directory, which restarts (closes and starts again on the same port and
// state) whenever this process gets SIGUSR1: RestartServiceCommand is a
// command, and a restart needs the port closed for a moment.
type restartable struct {
	t        *testing.T
	url      string
	cfg      localaws.Config
	mu       sync.Mutex
	srv      *localaws.Server
	restarts int
	sigs     chan os.Signal
	done     chan struct{}
}

func startRestartable(t *testing.T) *restartable {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := &restartable{t: t, cfg: localaws.Config{Addr: addr, DataDir: t.TempDir(), NoSync: true, Logger: testlog.Quiet()},
		sigs: make(chan os.Signal, 1), done: make(chan struct{})}
	r.srv, err = localaws.Start(context.Background(), r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.url = r.srv.URL()
	signal.Notify(r.sigs, syscall.SIGUSR1)
	go r.serve()
	t.Cleanup(func() {
		signal.Stop(r.sigs)
		close(r.done)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.srv.Close()
	})
	return r
}

func (r *restartable) restartCommand() []string {
	return []string{"sh", "-c", fmt.Sprintf("kill -USR1 %d", os.Getpid())}
}

func (r *restartable) restarted() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.restarts
}

func (r *restartable) serve() {
	for {
		select {
		case <-r.sigs:
		case <-r.done:
			return
		}
		r.mu.Lock()
		select {
		case <-r.done: // the test is over: no restart after its cleanup
			r.mu.Unlock()
			return
		default:
		}
		err := r.srv.Close()
		if err == nil {
			r.srv, err = localaws.Start(context.Background(), r.cfg)
			r.restarts++
		}
		r.mu.Unlock()
		if err != nil {
			r.t.Errorf("restarting localaws: %v", err)
			return
		}
	}
}
