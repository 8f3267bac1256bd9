package sqs

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// The behaviours of SQS that localaws once lacked, each held against a
// restart where the state it keeps must survive one.

// restarted is a second engine on the files of e's directory as kill -9
// would leave them, on the same clock.
func restarted(t *testing.T, dir string, clock *fakeClock) *testEnv {
	t.Helper()
	return newEnv(t, envOptions{dir: copyDir(t, dir), now: clock.Now})
}

func TestQueueDeletedRecently(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Now()}
	dir := t.TempDir()
	e := newEnv(t, envOptions{dir: dir, now: clock.Now})
	ctx := ctxT(t)
	create := func(e *testEnv, name string) error {
		_, err := e.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(name)})
		return err
	}
	for _, name := range []string{"in-snapshot", "after-snapshot"} {
		if err := create(e, name); err != nil {
			t.Fatal(err)
		}
		url := e.svc.queueURL(name)
		if _, err := e.client.DeleteQueue(ctx, &awssqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
			t.Fatal(err)
		}
		if name == "in-snapshot" {
			// One name's deletion is in the snapshot, the other's in a record after it.
			if err := e.svc.Checkpoint(); err != nil {
				t.Fatal(err)
			}
		}
	}
	var held *types.QueueDeletedRecently
	clock.Advance(59 * time.Second)
	if err := create(e, "in-snapshot"); !errorsAs(err, &held) {
		t.Fatalf("CreateQueue 59 s after DeleteQueue: %v, want QueueDeletedRecently", err)
	}
	if err := create(e, "other"); err != nil {
		t.Fatalf("another name: %v", err)
	}
	e2 := restarted(t, dir, clock)
	for _, name := range []string{"in-snapshot", "after-snapshot"} {
		if err := create(e2, name); !errorsAs(err, &held) {
			t.Fatalf("CreateQueue %s after a restart: %v, want QueueDeletedRecently", name, err)
		}
	}
	clock.Advance(time.Second)
	for _, name := range []string{"in-snapshot", "after-snapshot"} {
		if err := create(e2, name); err != nil {
			t.Fatalf("CreateQueue %s 60 s after DeleteQueue: %v", name, err)
		}
	}
}
