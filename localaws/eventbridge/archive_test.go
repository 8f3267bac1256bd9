package eventbridge

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// archiveFixture is a bus "app" with rule "r" to queue "target" and an
// archive "arc" of it, holding n events one minute apart (detail n = i).
func archiveFixture(t *testing.T, c *eb.Client, n int) (archiveARN string, base time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	route(t, c, "app", "r", fromApp, types.Target{Id: aws.String("t"), Arn: aws.String(queueARN("target"))})
	out, err := c.CreateArchive(ctx, &eb.CreateArchiveInput{ArchiveName: aws.String("arc"),
		EventSourceArn: aws.String("arn:aws:events:us-east-1:000000000000:event-bus/app")})
	if err != nil {
		t.Fatal(err)
	}
	base = time.Now().Add(-time.Duration(n+1) * time.Minute).UTC().Truncate(time.Second)
	for i := 0; i < n; i += 10 {
		var entries []types.PutEventsRequestEntry
		for j := i; j < min(i+10, n); j++ {
			entries = append(entries, types.PutEventsRequestEntry{EventBusName: aws.String("app"), Source: aws.String("app"),
				DetailType: aws.String("t"), Detail: aws.String(fmt.Sprintf(`{"n":%d}`, j)), Time: aws.Time(base.Add(time.Duration(j) * time.Minute))})
		}
		if res, err := c.PutEvents(ctx, &eb.PutEventsInput{Entries: entries}); err != nil || res.FailedEntryCount != 0 {
			t.Fatalf("PutEvents: %+v, %v", res, err)
		}
	}
	return aws.ToString(out.ArchiveArn), base
}

func startTestReplay(t *testing.T, c *eb.Client, name, archiveARN string, from, to time.Time) {
	t.Helper()
	if _, err := c.StartReplay(context.Background(), &eb.StartReplayInput{ReplayName: aws.String(name),
		EventSourceArn: aws.String(archiveARN), EventStartTime: aws.Time(from), EventEndTime: aws.Time(to),
		Destination: &types.ReplayDestination{Arn: aws.String("arn:aws:events:us-east-1:000000000000:event-bus/app")}}); err != nil {
		t.Fatalf("StartReplay: %v", err)
	}
}

func awaitReplayState(t *testing.T, c *eb.Client, name string, want types.ReplayState) *eb.DescribeReplayOutput {
	t.Helper()
	var d *eb.DescribeReplayOutput
	eventually(t, "replay "+name+" "+string(want), func() bool {
		var err error
		d, err = c.DescribeReplay(context.Background(), &eb.DescribeReplayInput{ReplayName: aws.String(name)})
		return err == nil && d.State == want
	})
	return d
}

// details returns the "n" of each event a queue received, in order, and
// checks each carries the replay's name.
func details(t *testing.T, ms []QueueMessage, replay string) []int {
	t.Helper()
	var ns []int
	for _, m := range ms {
		var ev struct {
			ReplayName string `json:"replay-name"`
			Detail     struct{ N int }
		}
		if err := json.Unmarshal([]byte(m.Body), &ev); err != nil || ev.ReplayName != replay {
			t.Fatalf("delivered %s (%v), want replay-name %s", m.Body, err, replay)
		}
		ns = append(ns, ev.Detail.N)
	}
	return ns
}

// TestArchiveAndReplaySurviveAbandon abandons a Service (as after kill -9)
// in the middle of a replay: the next one has every archived event and
// resumes the replay after the last chunk it recorded.
func TestArchiveAndReplaySurviveAbandon(t *testing.T) {
	t.Parallel()
	for _, checkpoint := range []bool{false, true} {
		t.Run(fmt.Sprintf("checkpoint=%v", checkpoint), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			firstLog := openLog(t, dir)
			gate := newGatedQueues(25+replayChunk, queueARN("target")) // the live deliveries, then one chunk
			first, c := startService(t, firstLog, gate)
			arn, base := archiveFixture(t, c, 25)
			if checkpoint {
				if err := first.Checkpoint(); err != nil {
					t.Fatal(err)
				}
			}
			startTestReplay(t, c, "again", arn, base, base.Add(25*time.Minute))
			<-gate.held // the second chunk is on its way
			eventually(t, "the first chunk's progress", func() bool {
				rr, _ := first.replayState("again")
				return rr.Count == replayChunk
			})
			if err := firstLog.Close(); err != nil {
				t.Fatal(err)
			}

			up := newFlakyQueues(queueARN("target"))
			second := restartOn(t, dir, up)
			second.mu.RLock()
			a := second.archives["arc"]
			second.mu.RUnlock()
			second.archMu.Lock()
			count := len(a.events)
			second.archMu.Unlock()
			if count != 25 {
				t.Fatalf("%d archived events after the restart, want 25", count)
			}
			eventually(t, "the replay to complete", func() bool {
				rr, _ := second.replayState("again")
				return rr.State == replayCompleted
			})
			got := details(t, up.messages(queueARN("target")), "again")
			for i, n := range got {
				if n != replayChunk+i {
					t.Fatalf("resumed replay delivered %v, want %d..24 in order", got, replayChunk)
				}
			}
			if len(got) != 25-replayChunk {
				t.Fatalf("resumed replay delivered %v, want %d..24", got, replayChunk)
			}
		})
	}
}

// TestCancelReplay cancels a replay whose delivery is held: it stops
// before its next chunk.
func TestCancelReplay(t *testing.T) {
	t.Parallel()
	gate := newGatedQueues(25, queueARN("target"))
	_, c := startService(t, nil, gate)
	arn, base := archiveFixture(t, c, 25)
	startTestReplay(t, c, "stopped", arn, base, base.Add(25*time.Minute))
	<-gate.held
	out, err := c.CancelReplay(context.Background(), &eb.CancelReplayInput{ReplayName: aws.String("stopped")})
	if err != nil || out.State != types.ReplayStateCancelling {
		t.Fatalf("CancelReplay = %+v, %v", out, err)
	}
	gate.open()
	d := awaitReplayState(t, c, "stopped", types.ReplayStateCancelled)
	if d.ReplayEndTime == nil || aws.ToString(d.StateReason) == "" {
		t.Fatalf("cancelled replay %+v", d)
	}
	if got := details(t, gate.messages(queueARN("target"))[25:], "stopped"); len(got) != replayChunk {
		t.Fatalf("a cancelled replay delivered %v, want its first chunk only", got)
	}
}
