package dlq

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// BenchmarkReplay moves 2000 messages from a DLQ to its source per
// iteration: the tool's replay beside a plain receive, SendMessageBatch,
// DeleteMessageBatch loop over the same messages (no filters, no seen
// set, one loop).
func BenchmarkReplay(b *testing.B) {
	const n = 2000
	fill := func(b *testing.B, p pair) {
		b.Helper()
		var ms []msg
		for i := range n {
			ms = append(ms, msg{body: fmt.Sprintf(`{"n":%d,"pad":"%0100d"}`, i, i), attrs: map[string]string{"k": "v"}})
		}
		send(b, p.dlq, ms...)
	}
	run := func(b *testing.B, move func(p pair) int) {
		var moved int
		var elapsed time.Duration
		for b.Loop() {
			b.StopTimer()
			p := newPair(b, 1, false) // fresh queues: nothing left from the last round
			fill(b, p)
			b.StartTimer()
			start := time.Now()
			moved += move(p)
			elapsed += time.Since(start)
		}
		b.ReportMetric(float64(moved)/elapsed.Seconds(), "msgs/s")
	}
	// As the CLI runs it against localaws: short polls, so the run ends
	// on the first empty receive.
	b.Run("dlq", func(b *testing.B) {
		replay(b, run, newTool(b, func(c *Config) { c.LocalEndpoint = true }))
	})
	// As on AWS: long polls, the last of which waits out its second to
	// prove the DLQ empty.
	b.Run("dlq-longpoll", func(b *testing.B) {
		replay(b, run, newTool(b, nil))
	})
	b.Run("baseline", func(b *testing.B) {
		run(b, func(p pair) int { return plainMove(b, p) })
	})
}

func replay(b *testing.B, run func(*testing.B, func(pair) int), tool *Tool) {
	run(b, func(p pair) int {
		sum, err := tool.Replay(context.Background(), ReplayOptions{Queue: p.dlq}, nil)
		if err != nil || sum.Moved != 2000 {
			b.Fatalf("replay: %v %+v", err, sum)
		}
		return int(sum.Moved)
	})
}

// plainMove is the baseline: receive, send, delete, until empty.
func plainMove(b *testing.B, p pair) int {
	c := local.SQS()
	ctx := context.Background()
	moved := 0
	for {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(p.dlq), MaxNumberOfMessages: 10,
			MessageAttributeNames: []string{"All"}})
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return moved
		}
		send := &sqs.SendMessageBatchInput{QueueUrl: aws.String(p.src)}
		del := &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.dlq)}
		for i, m := range out.Messages {
			id := aws.String(strconv.Itoa(i))
			send.Entries = append(send.Entries, sqstypes.SendMessageBatchRequestEntry{Id: id, MessageBody: m.Body, MessageAttributes: m.MessageAttributes})
			del.Entries = append(del.Entries, sqstypes.DeleteMessageBatchRequestEntry{Id: id, ReceiptHandle: m.ReceiptHandle})
		}
		if _, err := c.SendMessageBatch(ctx, send); err != nil {
			b.Fatal(err)
		}
		if _, err := c.DeleteMessageBatch(ctx, del); err != nil {
			b.Fatal(err)
		}
		moved += len(out.Messages)
	}
}
