package dlq

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// local is the in-process localaws every test of this package shares, with
// its SDK client (one connection pool for all tests).
var local localawstest.Shared

func TestMain(m *testing.M) { local.Main(m, localaws.Config{NoSync: true}) }

func newTool(t testing.TB, mod func(*Config)) *Tool {
	t.Helper()
	cfg := Config{Client: local.SQS(), Logger: testlog.Quiet(), HoldVisibility: 30 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	tool, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tool
}

// pair is a source queue and its DLQ.
type pair struct {
	src, dlq       string // URLs
	srcARN, dlqARN string
	srcName        string
	dlqName        string
}

// newPair creates a DLQ and a source queue redriving to it after
// maxReceive receives. fifo makes both FIFO queues.
func newPair(t testing.TB, maxReceive int, fifo bool) pair {
	t.Helper()
	suffix := ""
	if fifo {
		suffix = ".fifo"
	}
	src, dlq := localawstest.CreateRedrivenQueue(t, local.SQS(), localawstest.FreshName(t, "q"), suffix, maxReceive,
		map[string]string{"VisibilityTimeout": "30"})
	return pair{src: src.URL, dlq: dlq.URL, srcARN: src.ARN, dlqARN: dlq.ARN, srcName: src.Name, dlqName: dlq.Name}
}

// newQueue creates a plain queue.
func newQueue(t testing.TB, fifo bool) string {
	t.Helper()
	name := localawstest.FreshName(t, "plain")
	if fifo {
		name += ".fifo"
	}
	return localawstest.CreateQueue(t, local.SQS(), name, nil).URL
}

func arnOf(t testing.TB, url string) string { return localawstest.QueueARN(t, local.SQS(), url) }

// counts returns a queue's visible and not-visible messages.
func counts(t testing.TB, url string) (visible, inFlight int) {
	visible, inFlight, _ = localawstest.Counts(t, local.SQS(), url)
	return visible, inFlight
}

// msg is a message to send.
type msg struct {
	body  string
	attrs map[string]string
	group string
	dedup string
}

func send(t testing.TB, url string, msgs ...msg) {
	t.Helper()
	entries := make([]sqstypes.SendMessageBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i].MessageBody = aws.String(m.body)
		for k, v := range m.attrs {
			if entries[i].MessageAttributes == nil {
				entries[i].MessageAttributes = map[string]sqstypes.MessageAttributeValue{}
			}
			entries[i].MessageAttributes[k] = sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
		if m.group != "" {
			entries[i].MessageGroupId, entries[i].MessageDeduplicationId = aws.String(m.group), aws.String(m.dedup)
		}
	}
	localawstest.Send(t, local.SQS(), url, entries...)
}

// deadLetters creates a pair whose DLQ holds first and then n messages
// with bodies prefix0, prefix1, ...
func deadLetters(t testing.TB, prefix string, n int, first ...msg) pair {
	t.Helper()
	p := newPair(t, 1, false)
	msgs := first
	for i := range n {
		msgs = append(msgs, msg{body: fmt.Sprint(prefix, i)})
	}
	send(t, p.src, msgs...)
	killToDLQ(t, p, len(msgs))
	return p
}

// killToDLQ receives every message of p.src maxReceive+1 times without
// deleting it, so that SQS moves them all to the DLQ, and waits until the
// DLQ holds want messages.
func killToDLQ(t testing.TB, p pair, want int) {
	t.Helper()
	localawstest.Bounce(t, local.SQS(), p.src, 60*time.Second, fmt.Sprintf("%d messages in the DLQ", want), func() bool {
		v, f := counts(t, p.dlq)
		return v+f >= want
	})
}

// drain receives and deletes the messages of url until it has want of
// them (or a minute passed) and whatever came beyond, returning them.
func drain(t testing.TB, url string, want int) []sqstypes.Message {
	return localawstest.Drain(t, local.SQS(), url, want, time.Minute)
}

func bodies(msgs []sqstypes.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, aws.ToString(m.Body))
	}
	return out
}

// envelope is an EventBridge-shaped body.
func envelope(id, source, detailType string) string {
	return fmt.Sprintf(`{"version":"0","id":%q,"detail-type":%q,"source":%q,"account":"000000000000","time":"2026-03-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{"n":%q}}`,
		id, detailType, source, strings.ToLower(id))
}

// recorder is an Observer that counts outcomes.
type recorder struct {
	ch chan Outcome
}

func newRecorder() *recorder       { return &recorder{ch: make(chan Outcome, 100000)} }
func (r *recorder) Planned(int64)  {}
func (r *recorder) Done(o Outcome) { r.ch <- o }
func (r *recorder) outcomes() []Outcome {
	var out []Outcome
	for {
		select {
		case o := <-r.ch:
			out = append(out, o)
		default:
			return out
		}
	}
}
