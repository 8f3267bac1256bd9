package eventbridge

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

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
			second, err := New(Config{Log: openLog(t, dir), Queues: up, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatalf("restarting: %v", err)
			}
			t.Cleanup(func() { second.Close() })
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
	dir := t.TempDir()
	log := openLog(t, dir)
	svc, c := startService(t, log, newFlakyQueues())
	svc.ckptMin.Store(1)
	svc.ckptEvery.Store(1)
	firstSegment := log.Stats().Segment
	for i := range 30 {
		name := "r" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		route(t, c, "", name, fromApp, types.Target{Id: aws.String("t"), Arn: aws.String(queueARN(name))})
	}
	if _, err := c.DeleteRule(ctx, &eb.DeleteRuleInput{Name: aws.String("raa")}); err == nil {
		t.Fatal("deleted a rule with targets")
	}
	if err := svc.Close(); err != nil { // waits for a running snapshot
		t.Fatal(err)
	}
	if log.Stats().Segment == firstSegment {
		t.Fatal("no snapshot was written")
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	_, c2 := startService(t, openLog(t, dir), newFlakyQueues())
	list, err := c2.ListRules(ctx, &eb.ListRulesInput{})
	if err != nil {
		t.Fatalf("listing rules after restart: %v", err)
	}
	if len(list.Rules) != 30 {
		t.Fatalf("%d rules after restart, want 30", len(list.Rules))
	}
	targets, err := c2.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("rdb")})
	if err != nil || len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != queueARN("rdb") {
		t.Fatalf("targets of rdb after restart: %+v, %v", targets, err)
	}
}

// TestConnectionsSurviveRestart: connections (with their secrets) and API
// destinations are in the snapshot and the log.
func TestConnectionsSurviveRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	log := openLog(t, dir)
	svc, c := startService(t, log, newFlakyQueues())
	conn, err := c.CreateConnection(ctx, &eb.CreateConnectionInput{Name: aws.String("k"), AuthorizationType: types.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &types.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &types.CreateConnectionApiKeyAuthRequestParameters{
			ApiKeyName: aws.String("x-key"), ApiKeyValue: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateApiDestination(ctx, &eb.CreateApiDestinationInput{Name: aws.String("d"), ConnectionArn: conn.ConnectionArn,
		InvocationEndpoint: aws.String("http://127.0.0.1:9/x"), HttpMethod: types.ApiDestinationHttpMethodPost}); err != nil {
		t.Fatal(err)
	}
	svc.Close()
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	again, _ := startService(t, openLog(t, dir), newFlakyQueues())
	again.mu.RLock()
	defer again.mu.RUnlock()
	k, d := again.connections["k"], again.apiDests["d"]
	if k == nil || k.Auth.ApiKeyAuthParameters.ApiKeyValue != "v" || d == nil || again.connectionByARN(d.Connection) != k {
		t.Fatalf("after a restart: connection %+v, API destination %+v", k, d)
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
