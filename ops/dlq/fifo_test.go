package dlq

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestReplayFIFO(t *testing.T) {
	t.Parallel()
	p := newPair(t, 1, true)
	var sent []msg
	for i := range 12 {
		sent = append(sent, msg{body: fmt.Sprint("f", i), group: fmt.Sprint("g", i%3), dedup: fmt.Sprint("d", i),
			attrs: map[string]string{"i": fmt.Sprint(i)}})
	}
	send(t, p.src, sent...)
	killToDLQ(t, p, 12)
	tool := newTool(t, nil)
	ctx := context.Background()

	// Back to the source within the deduplication window: the source drops
	// the copies as duplicates of the first sends, so the replay must keep
	// them in the DLQ rather than lose them.
	sum, err := tool.Replay(ctx, ReplayOptions{Queue: p.dlq}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, f := counts(t, p.src); v+f > 0 {
		// This SQS does not deduplicate against moved messages: then every
		// copy must have arrived.
		if sum.Moved != 12 || v+f != 12 {
			t.Fatalf("summary %+v, source holds %d", sum, v+f)
		}
		checkFIFO(t, drain(t, p.src, len(sent)), sent)
		return
	}
	// (Failed messages hold their groups until the replay ends, so it may
	// not reach all twelve.)
	if sum.Moved != 0 || sum.Failed == 0 || !strings.Contains(strings.Join(sum.Errors, " "), "duplicate") {
		t.Fatalf("summary %+v", sum)
	}
	if v, f := counts(t, p.dlq); v != 12 || f != 0 {
		t.Fatalf("dlq: %d visible %d in flight", v, f)
	}

	// To another FIFO queue: group ids, deduplication ids, attributes and
	// order within a group are kept.
	dest := newQueue(t, true)
	sum, err = tool.Replay(ctx, ReplayOptions{Queue: p.dlq, To: dest}, nil)
	if err != nil || sum.Moved != 12 || sum.Failed != 0 {
		t.Fatalf("replay --to: %v %+v", err, sum)
	}
	checkFIFO(t, drain(t, dest, len(sent)), sent)
}

func checkFIFO(t *testing.T, got []sqstypes.Message, sent []msg) {
	t.Helper()
	if len(got) != len(sent) {
		t.Fatalf("got %d messages, want %d", len(got), len(sent))
	}
	byGroup := map[string][]string{}
	for _, m := range got {
		var want msg
		for _, s := range sent {
			if s.body == aws.ToString(m.Body) {
				want = s
			}
		}
		if m.Attributes["MessageGroupId"] != want.group || m.Attributes["MessageDeduplicationId"] != want.dedup ||
			aws.ToString(m.MessageAttributes["i"].StringValue) != strings.TrimPrefix(want.body, "f") {
			t.Fatalf("message %s: group %q dedup %q attrs %v; sent %+v", aws.ToString(m.Body),
				m.Attributes["MessageGroupId"], m.Attributes["MessageDeduplicationId"], m.MessageAttributes, want)
		}
		byGroup[want.group] = append(byGroup[want.group], want.body)
	}
	for g, bodies := range byGroup {
		var want []string
		for _, s := range sent {
			if s.group == g {
				want = append(want, s.body)
			}
		}
		if !slices.Equal(bodies, want) {
			t.Fatalf("group %s order %v, want %v", g, bodies, want)
		}
	}
}
