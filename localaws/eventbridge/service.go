package eventbridge

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
	"github.com/licenseflow/licenseflow/localaws/awsjson"
	"github.com/licenseflow/licenseflow/localaws/clock"
	"github.com/licenseflow/licenseflow/localaws/storage"
)

// QueueMessage is one message a target delivers to an SQS queue.
type QueueMessage struct {
	Body string
	// Attributes are String message attributes (e.g. ERROR_CODE on target DLQ delivery).
	Attributes             map[string]string
	MessageGroupID         string
	MessageDeduplicationID string
}

// ErrQueueNotFound is what a QueueSender's error should wrap when the
// queue does not exist; the target's dead-letter message then says
// RESOURCE_NOT_FOUND.
var ErrQueueNotFound = errors.New("eventbridge: target queue not found")

// QueueSender delivers to SQS queues by ARN; it returns only once the message is durable.
type QueueSender interface {
	SendToQueue(ctx context.Context, queueARN string, m QueueMessage) error
}

// maxSendBatch bounds the messages of one SendBatchToQueue call.
const maxSendBatch = 10

// BatchQueueSender is a QueueSender that can also send several messages to
// one queue in one durable write. PutEvents uses it, when the sender has
// it, for the deliveries of one request that go to the same queue.
type BatchQueueSender interface {
	QueueSender
	// SendBatchToQueue sends ms (at most 10) in order and returns one
	// error per message, nil for each message that is durable. A queue
	// that does not exist fails every message.
	SendBatchToQueue(ctx context.Context, queueARN string, ms []QueueMessage) []error
}

// Config configures a Service.
type Config struct {
	// Log is the durable log (Dir "" means memory). Required.
	Log *storage.Log
	// Region used in ARNs. Default "us-east-1".
	Region string
	// AccountID used in ARNs. Default "000000000000".
	AccountID string
	// Queues delivers to SQS targets. Required.
	Queues QueueSender
	// Clock is the engine's time: event times, retries, archive
	// retention and replay windows. Default clock.Real().
	Clock clock.Clock
	// Logger receives operational logs. Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	c.Region = cmp.Or(c.Region, "us-east-1")
	c.AccountID = cmp.Or(c.AccountID, "000000000000")
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.Log == nil {
		errs = append(errs, errors.New("log is required"))
	}
	if c.Queues == nil {
		errs = append(errs, errors.New("queue sender is required"))
	}
	return errors.Join(errs...)
}

// Service is the EventBridge engine. It is safe for concurrent use.
type Service struct {
	cfg Config

	// mu guards the buses, their rules and targets. Config records are
	// added to the log under it (pending-delivery records under
	// retry.mu), so a checkpoint holding both sees state and log agree.
	mu          sync.RWMutex
	buses       map[string]*bus
	archives    map[string]*archive
	replays     map[string]*replay
	connections map[string]*connection
	apiDests    map[string]*apiDest

	http    *http.Client // calls API destinations and OAuth endpoints
	limitMu sync.Mutex
	limits  map[string]*bucket // by API destination id

	// archMu guards the events of the archives; opArchived records are
	// added under it. Taken after mu, before retry.mu.
	archMu sync.Mutex

	retry   retrier
	journal journal // the latest events, for TailEvents
	api     *awsapi.API

	checkpointing sync.Mutex   // held while a snapshot is written
	ckptEvery     atomic.Int64 // log bytes before the next checkpoint
	ckptMin       atomic.Int64 // ckptEvery at least: 16 MiB

	ctx    context.Context // ends at Close: stops retry attempts
	cancel context.CancelFunc
	stop   chan struct{}
	wake   chan struct{} // wakes clockLoop: schedules or retention changed

	spawnMu sync.Mutex // guards closed and wg.Add
	closed  bool
	wg      sync.WaitGroup

	closeOnce sync.Once
}

// New replays cfg.Log, creates the default bus when it is missing and
// resumes pending retries.
func New(cfg Config) (*Service, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("eventbridge config: %w", err)
	}
	s := &Service{
		cfg:         cfg,
		buses:       map[string]*bus{},
		archives:    map[string]*archive{},
		replays:     map[string]*replay{},
		connections: map[string]*connection{},
		apiDests:    map[string]*apiDest{},
		http:        newHTTPClient(),
		limits:      map[string]*bucket{},
		stop:        make(chan struct{}),
		wake:        make(chan struct{}, 1),
	}
	s.ckptMin.Store(16 << 20)
	s.ckptEvery.Store(16 << 20)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.retry.init()
	s.api = s.newAPI()
	if err := cfg.Log.Replay(s.replay); err != nil {
		s.cancel()
		return nil, fmt.Errorf("replaying eventbridge log: %w", err)
	}
	if _, ok := s.buses[defaultBus]; !ok {
		now := s.now()
		if err := s.update(context.Background(), func() ([]*record, error) {
			return []*record{{Op: opBus, Bus: &busRecord{Name: defaultBus, Created: now.UnixMilli(), Modified: now.UnixMilli()}}}, nil
		}); err != nil {
			s.cancel()
			return nil, fmt.Errorf("creating the default bus: %w", err)
		}
	}
	s.pruneArchives(s.now())
	s.retry.start()
	s.spawn(s.retryLoop)
	s.spawn(s.clockLoop)
	s.resumeReplays()
	return s, nil
}

func (s *Service) now() time.Time { return s.cfg.Clock.Now() }

// ServeHTTP serves one EventBridge request of the AWS JSON 1.1 protocol;
// the operation is the X-Amz-Target after "AWSEvents.".
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	s.api.Serve(w, r, JSON, op)
}

// JSON is EventBridge's wire protocol, AWS JSON 1.1.
var JSON = &awsjson.Codec{ContentType: "application/x-amz-json-1.1"}

// newAPI is EventBridge's table of operations.
func (s *Service) newAPI() *awsapi.API {
	return &awsapi.API{
		Name: "eventbridge",
		Ops: map[string]awsapi.Operation{
			"CreateEventBus":         awsapi.Op(s.createEventBus),
			"DeleteEventBus":         awsapi.Op(s.deleteEventBus),
			"DescribeEventBus":       awsapi.Op(s.describeEventBus),
			"ListEventBuses":         awsapi.Op(s.listEventBuses),
			"PutRule":                awsapi.Op(s.putRule),
			"DescribeRule":           awsapi.Op(s.describeRule),
			"DeleteRule":             awsapi.Op(s.deleteRule),
			"ListRules":              awsapi.Op(s.listRules),
			"EnableRule":             awsapi.Op(s.enableRule),
			"DisableRule":            awsapi.Op(s.disableRule),
			"PutTargets":             awsapi.Op(s.putTargets),
			"RemoveTargets":          awsapi.Op(s.removeTargets),
			"ListTargetsByRule":      awsapi.Op(s.listTargetsByRule),
			"ListRuleNamesByTarget":  awsapi.Op(s.listRuleNamesByTarget),
			"TestEventPattern":       awsapi.Op(s.testEventPattern),
			"PutEvents":              awsapi.Op(s.putEvents),
			"TagResource":            awsapi.Op(s.tagResource),
			"UntagResource":          awsapi.Op(s.untagResource),
			"ListTagsForResource":    awsapi.Op(s.listTagsForResource),
			"CreateArchive":          awsapi.Op(s.createArchive),
			"DescribeArchive":        awsapi.Op(s.describeArchive),
			"ListArchives":           awsapi.Op(s.listArchives),
			"UpdateArchive":          awsapi.Op(s.updateArchive),
			"DeleteArchive":          awsapi.Op(s.deleteArchive),
			"StartReplay":            awsapi.Op(s.startReplay),
			"DescribeReplay":         awsapi.Op(s.describeReplay),
			"ListReplays":            awsapi.Op(s.listReplays),
			"CancelReplay":           awsapi.Op(s.cancelReplay),
			"CreateConnection":       awsapi.Op(s.createConnection),
			"DescribeConnection":     awsapi.Op(s.describeConnection),
			"ListConnections":        awsapi.Op(s.listConnections),
			"UpdateConnection":       awsapi.Op(s.updateConnection),
			"DeauthorizeConnection":  awsapi.Op(s.deauthorizeConnection),
			"DeleteConnection":       awsapi.Op(s.deleteConnection),
			"CreateApiDestination":   awsapi.Op(s.createAPIDestination),
			"DescribeApiDestination": awsapi.Op(s.describeAPIDestination),
			"ListApiDestinations":    awsapi.Op(s.listAPIDestinations),
			"UpdateApiDestination":   awsapi.Op(s.updateAPIDestination),
			"DeleteApiDestination":   awsapi.Op(s.deleteAPIDestination),
		},
		Unknown: func(op string) *awsapi.Error {
			return awsapi.Errorf("UnknownOperationException", "localaws does not implement EventBridge operation %q", op)
		},
		InternalCode: "InternalException",
		Logger:       s.cfg.Logger,
	}
}

// spawn runs f in a goroutine Close waits for, unless Close began.
func (s *Service) spawn(f func()) bool {
	s.spawnMu.Lock()
	defer s.spawnMu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// Close stops the retry loop, schedules and replays. Pending retries and
// running replays stay in the log and resume on the next New. It does not
// close cfg.Log.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.spawnMu.Lock()
		s.closed = true
		s.spawnMu.Unlock()
		close(s.stop)
		s.cancel()
		s.wg.Wait()
		s.http.CloseIdleConnections()
	})
	return nil
}
