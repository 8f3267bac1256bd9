package eventbridge

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/licenseflow/licenseflow/localaws/internal/crashtest"
	"github.com/licenseflow/licenseflow/localaws/storage"
)

func openLog(t *testing.T, dir string) *storage.Log {
	t.Helper()
	l, err := storage.Open(storage.Options{Dir: dir, NoSync: true})
	if err != nil {
		t.Fatalf("opening log: %v", err)
	}
	return l
}

// restartOn starts a Service on the log in dir with queues, as the process
// would start again after a kill, without serving it over HTTP; it is
// closed when the test ends.
func restartOn(t *testing.T, dir string, queues QueueSender) *Service {
	t.Helper()
	s, err := New(Config{Log: openLog(t, dir), Queues: queues, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("restarting: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// durable is a Service on a log in a directory of its own, which a test
// stops and starts again on that directory as a restart would.
type durable struct {
	dir string
	log *storage.Log
	svc *Service
	c   *eb.Client
}

func startDurable(t *testing.T) *durable {
	t.Helper()
	d := &durable{dir: t.TempDir()}
	d.start(t)
	return d
}

func (d *durable) start(t *testing.T) {
	t.Helper()
	d.log = openLog(t, d.dir)
	d.svc, d.c = startService(t, d.log, newFlakyQueues())
}

// restart closes the Service and its log, and starts a new Service on the
// directory.
func (d *durable) restart(t *testing.T) {
	t.Helper()
	if err := d.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.log.Close(); err != nil {
		t.Fatal(err)
	}
	d.start(t)
}

// TestRestartResumesPendingRetries abandons a Service (no Close, as after
// kill -9) with a delivery waiting for its retry; a new Service on the
// same directory has the bus, rule and targets, and delivers it.
func TestRestartResumesPendingRetries(t *testing.T) {
	t.Parallel()
	for _, checkpoint := range []bool{false, true} {
		name := "log"
		if checkpoint {
			name = "snapshot"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dir := t.TempDir()
			target, dlq := queueARN("target"), queueARN("dlq")

			down := newFlakyQueues() // every queue is missing
			firstLog := openLog(t, dir)
			first, c := startService(t, firstLog, down)
			if _, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("app")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("app"),
				EventPattern: aws.String(`{"source":["app"]}`), Description: aws.String("kept")}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("r"), EventBusName: aws.String("app"),
				Targets: []types.Target{{Id: aws.String("t"), Arn: aws.String(target), InputPath: aws.String("$.detail"),
					DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String(dlq)},
					RetryPolicy:      &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(100)}}}}); err != nil {
				t.Fatal(err)
			}
			// Park retries far in the future so the abandoned Service stops trying.
			first.retry.mu.Lock()
			first.retry.base = 1 << 40
			first.retry.mu.Unlock()
			out, err := c.PutEvents(ctx, &eb.PutEventsInput{Entries: []types.PutEventsRequestEntry{{EventBusName: aws.String("app"),
				Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(`{"keep":"me"}`)}}})
			if err != nil || out.FailedEntryCount != 0 {
				t.Fatalf("PutEvents = %+v, %v", out, err)
			}
			if checkpoint {
				if err := first.Checkpoint(); err != nil {
					t.Fatalf("checkpoint: %v", err)
				}
			}
			// Abandon first: the Service is never closed. Its log is, only to
			// release the directory lock a killed process would release; every
			// acknowledged record was already written.
			if err := firstLog.Close(); err != nil {
				t.Fatal(err)
			}

			up := newFlakyQueues(target, dlq)
			second := restartOn(t, dir, up)
			second.retry.mu.Lock()
			n := len(second.retry.byID)
			for _, d := range second.retry.byID {
				d.NextAt = 0 // due now
			}
			second.retry.mu.Unlock()
			if n != 1 {
				t.Fatalf("%d pending deliveries after restart, want 1", n)
			}
			second.retry.poke()
			eventually(t, "the pending delivery after restart", func() bool { return len(up.messages(target)) == 1 })
			if got := up.messages(target)[0].Body; got != `{"keep":"me"}` {
				t.Fatalf("delivered %s", got)
			}

			second.mu.RLock()
			r := second.rule("app", "r")
			second.mu.RUnlock()
			if r == nil || r.description != "kept" || len(r.targets) != 1 || r.targets[0].wire.DeadLetterConfig.Arn != dlq ||
				r.compiled == nil {
				t.Fatalf("rule after restart = %+v", r)
			}
		})
	}
}

// TestCheckpointWhenTheLogGrows lets every change start a snapshot and
// checks that a restart sees the whole state.
func TestCheckpointWhenTheLogGrows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := startDurable(t)
	d.svc.ckptMin.Store(1)
	d.svc.ckptEvery.Store(1)
	firstSegment := d.log.Stats().Segment
	for i := range 30 {
		name := "r" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		route(t, d.c, "", name, fromApp, types.Target{Id: aws.String("t"), Arn: aws.String(queueARN(name))})
	}
	if _, err := d.c.DeleteRule(ctx, &eb.DeleteRuleInput{Name: aws.String("raa")}); err == nil {
		t.Fatal("deleted a rule with targets")
	}
	if err := d.svc.Close(); err != nil { // waits for a running snapshot
		t.Fatal(err)
	}
	if d.log.Stats().Segment == firstSegment {
		t.Fatal("no snapshot was written")
	}
	d.restart(t)
	list, err := d.c.ListRules(ctx, &eb.ListRulesInput{})
	if err != nil {
		t.Fatalf("listing rules after restart: %v", err)
	}
	if len(list.Rules) != 30 {
		t.Fatalf("%d rules after restart, want 30", len(list.Rules))
	}
	targets, err := d.c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("rdb")})
	if err != nil || len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != queueARN("rdb") {
		t.Fatalf("targets of rdb after restart: %+v, %v", targets, err)
	}
}

// TestConnectionsSurviveRestart: connections (with their secrets) and API
// destinations are in the snapshot and the log.
func TestConnectionsSurviveRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := startDurable(t)
	conn, err := d.c.CreateConnection(ctx, &eb.CreateConnectionInput{Name: aws.String("k"), AuthorizationType: types.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &types.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &types.CreateConnectionApiKeyAuthRequestParameters{
			ApiKeyName: aws.String("x-key"), ApiKeyValue: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.svc.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.c.CreateApiDestination(ctx, &eb.CreateApiDestinationInput{Name: aws.String("d"), ConnectionArn: conn.ConnectionArn,
		InvocationEndpoint: aws.String("http://127.0.0.1:9/x"), HttpMethod: types.ApiDestinationHttpMethodPost}); err != nil {
		t.Fatal(err)
	}
	d.restart(t)
	again := d.svc
	again.mu.RLock()
	defer again.mu.RUnlock()
	k, dest := again.connections["k"], again.apiDests["d"]
	if k == nil || k.Auth.ApiKeyAuthParameters.ApiKeyValue != "v" || dest == nil || again.connectionByARN(dest.Connection) != k {
		t.Fatalf("after a restart: connection %+v, API destination %+v", k, dest)
	}
}

// TestRecordOfAGoneBusIsHistory: a well-formed record about a bus that no
// longer exists is skipped, not taken for damage.
func TestRecordOfAGoneBusIsHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lg := openLog(t, dir)
	if err := lg.Append(context.Background(), true,
		[]byte(`{"op":"rule","rule":{"name":"r","bus":"gone","state":"ENABLED"}}`),
		[]byte(`{"op":"targets","b":"gone","n":"r","t":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:000000000000:q"}]}`)); err != nil {
		t.Fatal(err)
	}
	lg.Close()
	lg = openLog(t, dir)
	t.Cleanup(func() { lg.Close() })
	_, c := startService(t, lg, newFlakyQueues())
	if _, err := c.DescribeEventBus(context.Background(), &eb.DescribeEventBusInput{Name: aws.String("default")}); err != nil {
		t.Fatalf("the engine did not start serving: %v", err)
	}
}

func TestMain(m *testing.M) { crashtest.Main(m, runKillChild) }

// TestArchiveSurvivesKillDashNine runs a child process that archives
// every event it accepts, kills it with SIGKILL mid-stream, and checks
// that every event PutEvents acknowledged is in the archive after a
// restart on the same directory.
func TestArchiveSurvivesKillDashNine(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test is not short")
	}
	t.Parallel()
	dir := t.TempDir()
	acked := map[string]bool{}
	crashtest.Run(t, dir, nil, 60*time.Second, func(line string) bool {
		if id, ok := strings.CutPrefix(line, "ACK "); ok {
			acked[id] = true
		}
		return len(acked) < 2000
	})
	if len(acked) < 100 {
		t.Fatalf("the child acknowledged only %d events", len(acked))
	}
	svc, _ := startService(t, openLog(t, dir), newFlakyQueues())
	svc.mu.RLock()
	a := svc.archives["arc"]
	svc.mu.RUnlock()
	svc.archMu.Lock()
	archived := map[string]bool{}
	for _, ev := range a.events {
		archived[ev.ID] = true
	}
	svc.archMu.Unlock()
	for id := range acked {
		if !archived[id] {
			t.Errorf("acknowledged event %s is not in the archive", id)
		}
	}
	t.Logf("%d acknowledged before the kill, %d archived after it", len(acked), len(archived))
}

// runKillChild archives events on a durable log in dir until it is
// killed, printing the id of every event PutEvents acknowledged.
func runKillChild(dir string) {
	lg, err := storage.Open(storage.Options{Dir: dir})
	crashtest.Must(err)
	s, err := New(Config{Log: lg, Queues: newFlakyQueues(), Logger: slog.New(slog.DiscardHandler)})
	crashtest.Must(err)
	ctx := context.Background()
	_, err = s.createEventBus(ctx, &createEventBusInput{Name: "app"})
	crashtest.Must(err)
	_, err = s.createArchive(ctx, &createArchiveInput{ArchiveName: "arc", EventSourceArn: s.busARN("app")})
	crashtest.Must(err)
	w := bufio.NewWriter(os.Stdout)
	source, detailType, detail := "app", "t", `{"n":1}`
	for {
		in := &putEventsInput{}
		for range 10 {
			in.Entries = append(in.Entries, putEventsEntry{EventBusName: "app", Source: &source, DetailType: &detailType, Detail: &detail})
		}
		out, err := s.putEvents(ctx, in)
		crashtest.Must(err)
		for _, e := range out.Entries {
			if e.ErrorCode == "" {
				fmt.Fprintln(w, "ACK", e.EventId)
			}
		}
		w.Flush()
	}
}
