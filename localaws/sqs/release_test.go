package sqs

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestReleaseInFlightAfterRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newEnv(t, envOptions{dir: dir})
	ctx := ctxT(t)
	q, err := e.client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("release"),
		Attributes: map[string]string{"VisibilityTimeout": "600"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"a", "b", "c"} {
		if _, err := e.client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 2})
	if err != nil || len(got.Messages) != 2 {
		t.Fatalf("receive: %v %v", got, err)
	}
	e2 := newEnv(t, envOptions{dir: copyDir(t, dir)}) // the files as kill -9 leaves them
	if n := e2.svc.ReleaseInFlight(); n != 2 {
		t.Fatalf("released %d, want 2", n)
	}
	url := e2.svc.queueURL("release")
	out, err := e2.client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10,
		WaitTimeSeconds: 1, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 3 {
		t.Fatalf("after release %d messages receivable, want 3", len(out.Messages))
	}
	counts := map[string]int{}
	for _, m := range out.Messages {
		counts[m.Attributes["ApproximateReceiveCount"]]++
	}
	if counts["2"] != 2 || counts["1"] != 1 {
		t.Fatalf("receive counts %v: released messages keep their count", counts)
	}
}
