package replay

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// Status is a replay's state.
type Status struct {
	Name    string    `json:"name"`
	Archive string    `json:"archive"`
	State   string    `json:"state"`
	Reason  string    `json:"reason,omitempty"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	// LastReplayed is the time of the last event replayed (zero before
	// the first).
	LastReplayed time.Time `json:"last_replayed,omitzero"`
}

// Done reports whether the replay ended.
func (s Status) Done() bool {
	switch types.ReplayState(s.State) {
	case types.ReplayStateCompleted, types.ReplayStateCancelled, types.ReplayStateFailed:
		return true
	}
	return false
}

// Succeeded reports whether the replay completed.
func (s Status) Succeeded() bool { return types.ReplayState(s.State) == types.ReplayStateCompleted }

// Progress is how far through its window the replay got, 0 to 1 (1 once
// it completed; AWS replays a minute at a time, so this moves in steps).
func (s Status) Progress() float64 {
	switch {
	case s.Succeeded():
		return 1
	case s.LastReplayed.IsZero() || !s.To.After(s.From):
		return 0
	}
	return min(1, float64(s.LastReplayed.Sub(s.From))/float64(s.To.Sub(s.From)))
}

// Line is a one-line account of the replay, for a progress line.
func (s Status) Line() string {
	line := fmt.Sprintf("replay %s: %s, %3.0f%% of %s .. %s", s.Name, s.State, 100*s.Progress(), stamp(s.From), stamp(s.To))
	if !s.LastReplayed.IsZero() {
		line += ", last event " + stamp(s.LastReplayed)
	}
	if s.Reason != "" {
		line += " (" + s.Reason + ")"
	}
	return line
}

// stamp writes a time as the CLI reads it.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Describe returns a replay's status.
func (t *Tool) Describe(ctx context.Context, name string) (Status, error) {
	d, err := t.cfg.Client.DescribeReplay(ctx, &eventbridge.DescribeReplayInput{ReplayName: aws.String(name)})
	if err != nil {
		return Status{}, fmt.Errorf("replay %s: %w", name, err)
	}
	return Status{Name: name, Archive: archiveName(aws.ToString(d.EventSourceArn)), State: string(d.State),
		Reason: aws.ToString(d.StateReason), From: aws.ToTime(d.EventStartTime), To: aws.ToTime(d.EventEndTime),
		Started: aws.ToTime(d.ReplayStartTime), Ended: aws.ToTime(d.ReplayEndTime), LastReplayed: aws.ToTime(d.EventLastReplayedTime)}, nil
}

// Follow reads the replay's status every Poll, hands each to observe, and
// returns the last once the replay ended (or ctx ended: the replay goes on
// without us).
func (t *Tool) Follow(ctx context.Context, name string, observe func(Status)) (Status, error) {
	for {
		s, err := t.Describe(ctx, name)
		if err != nil {
			return s, err
		}
		if observe != nil {
			observe(s)
		}
		if s.Done() {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return s, fmt.Errorf("stopped following replay %s, which goes on: %w", name, ctx.Err())
		case <-time.After(t.cfg.Poll):
		}
	}
}

// Archives lists the archives, those of one bus when busARN is set.
func (t *Tool) Archives(ctx context.Context, busARN string) ([]Archive, error) {
	var out []Archive
	in := &eventbridge.ListArchivesInput{}
	if busARN != "" {
		in.EventSourceArn = aws.String(busARN)
	}
	for {
		page, err := t.cfg.Client.ListArchives(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing archives: %w", err)
		}
		for _, a := range page.Archives {
			out = append(out, Archive{Name: aws.ToString(a.ArchiveName), BusARN: aws.ToString(a.EventSourceArn),
				State: string(a.State), Events: a.EventCount, Bytes: a.SizeBytes, RetentionDays: aws.ToInt32(a.RetentionDays),
				Created: aws.ToTime(a.CreationTime)})
		}
		if in.NextToken = page.NextToken; in.NextToken == nil {
			return out, nil
		}
	}
}

// Replays lists the replays, those of one archive when archiveARN is set.
func (t *Tool) Replays(ctx context.Context, archiveARN string) ([]Status, error) {
	var out []Status
	in := &eventbridge.ListReplaysInput{}
	if archiveARN != "" {
		in.EventSourceArn = aws.String(archiveARN)
	}
	for {
		page, err := t.cfg.Client.ListReplays(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing replays: %w", err)
		}
		for _, r := range page.Replays {
			out = append(out, Status{Name: aws.ToString(r.ReplayName), Archive: archiveName(aws.ToString(r.EventSourceArn)),
				State: string(r.State), Reason: aws.ToString(r.StateReason), From: aws.ToTime(r.EventStartTime),
				To: aws.ToTime(r.EventEndTime), Started: aws.ToTime(r.ReplayStartTime), Ended: aws.ToTime(r.ReplayEndTime),
				LastReplayed: aws.ToTime(r.EventLastReplayedTime)})
		}
		if in.NextToken = page.NextToken; in.NextToken == nil {
			return out, nil
		}
	}
}

// archiveName is the name at the end of an archive's ARN.
func archiveName(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }
