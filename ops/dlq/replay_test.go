package dlq

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func TestReplayMovesBackUnchanged(t *testing.T) {
	t.Parallel()
	p := newPair(t, 1, false)
	var want []string
	for i := range 25 {
		want = append(want, fmt.Sprintf("body-%02d", i))
		send(t, p.src, msg{body: want[i], attrs: map[string]string{"tenant": "t" + fmt.Sprint(i%3), "n": fmt.Sprint(i)}})
	}
	killToDLQ(t, p, 25)
	rec := newRecorder()
	sum, err := newTool(t, nil).Replay(context.Background(), ReplayOptions{Queue: p.dlqName}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Moved != 25 || sum.Failed != 0 || sum.Skipped != 0 || sum.Destination != p.srcName {
		t.Fatalf("summary %+v", sum)
	}
	if v, f := counts(t, p.dlq); v+f != 0 {
		t.Fatalf("dlq still holds %d+%d", v, f)
	}
	got := drain(t, p.src, len(want))
	gotBodies := bodies(got)
	sort.Strings(gotBodies)
	if !slices.Equal(gotBodies, want) {
		t.Fatalf("bodies %v, want %v", gotBodies, want)
	}
	for _, m := range got {
		n := aws.ToString(m.MessageAttributes["n"].StringValue)
		if aws.ToString(m.Body) != "body-"+fmt.Sprintf("%02s", n) && aws.ToString(m.Body) != "body-0"+n {
			t.Fatalf("attribute n=%s on %s", n, aws.ToString(m.Body))
		}
		if len(m.MessageAttributes) != 2 {
			t.Fatalf("attributes %v", m.MessageAttributes)
		}
	}
	if moved := len(rec.outcomes()); moved != 25 {
		t.Fatalf("observer saw %d outcomes", moved)
	}
}

func TestReplayFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		filters []string
		want    []string // ids that move
	}{
		{"detail-type", []string{"detail-type=Invoice Paid"}, []string{"a1", "a2", "b1"}},
		{"source", []string{"source=licenseflow.signup"}, []string{"c1", "c2"}},
		{"attribute", []string{"tenant=acme"}, []string{"a1", "c1"}},
		{"all must match", []string{"detail-type=Invoice Paid", "tenant=acme"}, []string{"a1"}},
		{"nothing", []string{"source=nobody"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPair(t, 1, false)
			send(t, p.src,
				msg{body: envelope("a1", "licenseflow.payment", "Invoice Paid"), attrs: map[string]string{"tenant": "acme"}},
				msg{body: envelope("a2", "licenseflow.payment", "Invoice Paid"), attrs: map[string]string{"tenant": "globex"}},
				msg{body: envelope("b1", "licenseflow.webhook", "Invoice Paid")},
				msg{body: envelope("c1", "licenseflow.signup", "User Added"), attrs: map[string]string{"tenant": "acme"}},
				msg{body: envelope("c2", "licenseflow.signup", "Company Created")},
				msg{body: "not json", attrs: map[string]string{"tenant": "initech"}},
			)
			killToDLQ(t, p, 6)
			var fs []Filter
			for _, s := range tc.filters {
				f, err := ParseFilter(s)
				if err != nil {
					t.Fatal(err)
				}
				fs = append(fs, f)
			}
			sum, err := newTool(t, nil).Replay(context.Background(), ReplayOptions{Queue: p.dlq, Filters: fs}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Moved != int64(len(tc.want)) || sum.Skipped != int64(6-len(tc.want)) || sum.Failed != 0 {
				t.Fatalf("summary %+v", sum)
			}
			// The rest is visible again at once, not hidden until a timeout.
			if v, f := counts(t, p.dlq); v != 6-len(tc.want) || f != 0 {
				t.Fatalf("dlq: %d visible, %d in flight; want %d visible", v, f, 6-len(tc.want))
			}
			var got []string
			for _, m := range drain(t, p.src, len(tc.want)) {
				got = append(got, ParseEvent(aws.ToString(m.Body)).ID)
			}
			sort.Strings(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("moved %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReplayMaxAndDryRun(t *testing.T) {
	t.Parallel()
	p := newPair(t, 1, false)
	for i := range 30 {
		send(t, p.src, msg{body: fmt.Sprint("m", i)})
	}
	killToDLQ(t, p, 30)
	tool := newTool(t, nil)
	ctx := context.Background()

	rec := newRecorder()
	sum, err := tool.Replay(ctx, ReplayOptions{Queue: p.dlqName, DryRun: true}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if sum.WouldMove != 30 || sum.Moved != 0 || !sum.DryRun {
		t.Fatalf("dry run summary %+v", sum)
	}
	for _, o := range rec.outcomes() {
		if o.Action != ActionWouldMove || o.Destination != p.srcName {
			t.Fatalf("dry run outcome %+v", o)
		}
	}
	if v, f := counts(t, p.dlq); v != 30 || f != 0 {
		t.Fatalf("after dry run dlq has %d visible %d in flight", v, f)
	}
	if v, f := counts(t, p.src); v+f != 0 {
		t.Fatalf("dry run moved %d", v+f)
	}

	sum, err = tool.Replay(ctx, ReplayOptions{Queue: p.dlqName, Max: 12}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Moved != 12 || sum.Failed != 0 || !strings.Contains(strings.Join(sum.Notes, " "), "--max 12") {
		t.Fatalf("max summary %+v", sum)
	}
	if v, f := counts(t, p.dlq); v != 18 || f != 0 {
		t.Fatalf("after max dlq has %d visible %d in flight", v, f)
	}
	if v, _ := counts(t, p.src); v != 12 {
		t.Fatalf("source has %d", v)
	}
}

func TestReplayRate(t *testing.T) {
	t.Parallel()
	p := newPair(t, 1, false)
	const n, rate = 40, 20.0
	for i := range n {
		send(t, p.src, msg{body: fmt.Sprint("r", i)})
	}
	killToDLQ(t, p, n)
	start := time.Now()
	sum, err := newTool(t, nil).Replay(context.Background(), ReplayOptions{Queue: p.dlq, Rate: rate}, nil)
	elapsed := time.Since(start)
	if err != nil || sum.Moved != n {
		t.Fatalf("replay: %v %+v", err, sum)
	}
	// A token bucket of burst 10 at 20/s cannot pass 40 messages in less
	// than (40-10)/20 = 1.5s. Only a lower bound: a slow machine is fine.
	if min := time.Duration((n - 10) / rate * float64(time.Second)); elapsed < min {
		t.Fatalf("moved %d at --rate %v in %v, faster than %v", n, rate, elapsed, min)
	}
}

func TestReplayNeedsToWithSeveralSources(t *testing.T) {
	t.Parallel()
	p := newPair(t, 1, false)
	// A second queue redriving to the same DLQ.
	other := newQueue(t, false)
	_, err := client().SetQueueAttributes(context.Background(), &sqs.SetQueueAttributesInput{QueueUrl: aws.String(other),
		Attributes: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + p.dlqARN + `","maxReceiveCount":1}`}})
	if err != nil {
		t.Fatal(err)
	}
	send(t, p.src, msg{body: "x"})
	killToDLQ(t, p, 1)
	_, err = newTool(t, nil).Replay(context.Background(), ReplayOptions{Queue: p.dlq}, nil)
	if err == nil || !strings.Contains(err.Error(), "--to") {
		t.Fatalf("error %v, want one asking for --to", err)
	}
	dest := newQueue(t, false)
	sum, err := newTool(t, nil).Replay(context.Background(), ReplayOptions{Queue: p.dlq, To: dest}, nil)
	if err != nil || sum.Moved != 1 {
		t.Fatalf("replay --to: %v %+v", err, sum)
	}
	if got := bodies(drain(t, dest, 1)); !slices.Equal(got, []string{"x"}) {
		t.Fatalf("destination got %v", got)
	}
}
