package eventbridge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"

	"github.com/licenseflow/licenseflow/localaws/storage"
)

// flakyQueues is a QueueSender for failure injection: queues it knows fail
// their first fails[arn] sends, unknown queues fail with ErrQueueNotFound.
type flakyQueues struct {
	mu    sync.Mutex
	known map[string]bool
	fails map[string]int
	got   map[string][]QueueMessage
	tries map[string]int
}

func newFlakyQueues(arns ...string) *flakyQueues {
	q := &flakyQueues{known: map[string]bool{}, fails: map[string]int{}, got: map[string][]QueueMessage{}, tries: map[string]int{}}
	for _, a := range arns {
		q.known[a] = true
	}
	return q
}

func (q *flakyQueues) SendToQueue(ctx context.Context, arn string, m QueueMessage) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.tries[arn]++
	if !q.known[arn] {
		return fmt.Errorf("sending to %s: %w", arn, ErrQueueNotFound)
	}
	if q.fails[arn] > 0 {
		q.fails[arn]--
		return errors.New("injected failure")
	}
	q.got[arn] = append(q.got[arn], m)
	return nil
}

func (q *flakyQueues) failNext(arn string, n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.fails[arn] = n
}

func (q *flakyQueues) messages(arn string) []QueueMessage {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]QueueMessage(nil), q.got[arn]...)
}

func (q *flakyQueues) attempts(arn string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.tries[arn]
}

// gatedQueues lets the first allow sends through and holds every later
// one until open is called (or the send's context ends).
type gatedQueues struct {
	*flakyQueues
	mu      sync.Mutex
	allow   int
	held    chan struct{} // receives when a send is held
	release chan struct{}
	once    sync.Once
}

func newGatedQueues(allow int, arns ...string) *gatedQueues {
	return &gatedQueues{flakyQueues: newFlakyQueues(arns...), allow: allow, held: make(chan struct{}, 100), release: make(chan struct{})}
}

func (g *gatedQueues) SendToQueue(ctx context.Context, arn string, m QueueMessage) error {
	g.mu.Lock()
	pass := g.allow > 0
	g.allow--
	g.mu.Unlock()
	if !pass {
		g.held <- struct{}{}
		select {
		case <-g.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return g.flakyQueues.SendToQueue(ctx, arn, m)
}

func (g *gatedQueues) open() { g.once.Do(func() { close(g.release) }) }

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

// startService starts a Service on log behind a loopback HTTP server and
// returns it with an SDK client of it. Retries back off from 10ms.
func startService(t *testing.T, log *storage.Log, queues QueueSender) (*Service, *eb.Client) {
	t.Helper()
	return startServiceWith(t, Config{Log: log, Queues: queues})
}

// startServiceWith is startService with more of the configuration (a
// memory log when cfg.Log is nil).
func startServiceWith(t *testing.T, cfg Config) (*Service, *eb.Client) {
	t.Helper()
	if cfg.Log == nil {
		log, err := storage.Open(storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { log.Close() })
		cfg.Log = log
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	svc.retry.mu.Lock()
	svc.retry.base = 10 * time.Millisecond
	svc.retry.mu.Unlock()
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { svc.Close() })
	client := eb.New(eb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
	})
	return svc, client
}

// fromApp is a pattern that matches the events of source "app".
const fromApp = `{"source":["app"]}`

// route puts rule with pattern on bus ("" is the default bus) and, when
// there are any, targets on it.
func route(t *testing.T, c *eb.Client, bus, rule, pattern string, targets ...types.Target) {
	t.Helper()
	ctx := context.Background()
	var busName *string
	if bus != "" {
		busName = aws.String(bus)
	}
	if _, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String(rule), EventBusName: busName, EventPattern: aws.String(pattern)}); err != nil {
		t.Fatalf("PutRule %s: %v", rule, err)
	}
	if len(targets) == 0 {
		return
	}
	if out, err := c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String(rule), EventBusName: busName, Targets: targets}); err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutTargets %s: %+v %v", rule, out, err)
	}
}

func queueARN(name string) string { return "arn:aws:sqs:us-east-1:000000000000:" + name }

// apiCode returns the AWS error code of err, or "" when err is nil.
func apiCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
