package conformance

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/clock"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// shortName is a name unique to the run that fits the 48 characters of
// an archive's name.
func shortName(t *testing.T, prefix string) string {
	fresh := localawstest.FreshName(t, prefix)
	return prefix + "-" + fresh[len(fresh)-8:]
}

// archive creates an archive of the fixture's bus and returns its ARN.
func (f *ebFixture) archive(name, pattern string, days int32) string {
	f.t.Helper()
	in := &eventbridge.CreateArchiveInput{ArchiveName: aws.String(name), EventSourceArn: aws.String(f.busARN()),
		RetentionDays: aws.Int32(days)}
	if pattern != "" {
		in.EventPattern = aws.String(pattern)
	}
	out, err := f.eb.CreateArchive(f.ctx, in)
	if err != nil {
		f.t.Fatalf("CreateArchive %s: %v", name, err)
	}
	if out.State != ebtypes.ArchiveStateEnabled && out.State != ebtypes.ArchiveStateCreating {
		f.t.Fatalf("CreateArchive state %s", out.State)
	}
	return aws.ToString(out.ArchiveArn)
}

func (f *ebFixture) busARN() string {
	f.t.Helper()
	out, err := f.eb.DescribeEventBus(f.ctx, &eventbridge.DescribeEventBusInput{Name: aws.String(f.bus)})
	if err != nil {
		f.t.Fatalf("DescribeEventBus: %v", err)
	}
	return aws.ToString(out.Arn)
}

// archivedCount waits until the archive holds want events (AWS counts
// with a delay) and fails the test if it never does.
func (f *ebFixture) archivedCount(name string, want int64) {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := f.eb.DescribeArchive(f.ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String(name)})
		if err != nil {
			f.t.Fatalf("DescribeArchive %s: %v", name, err)
		}
		if out.EventCount == want {
			if want > 0 && out.SizeBytes <= 0 {
				f.t.Fatalf("archive %s: %d events of %d bytes", name, out.EventCount, out.SizeBytes)
			}
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("archive %s holds %d events, want %d", name, out.EventCount, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// replay starts a replay of the window to the fixture's bus (to the rules
// given, or every rule) and waits for it to end; it returns its last
// description.
func (f *ebFixture) replay(name, archiveARN string, from, to time.Time, rules ...string) *eventbridge.DescribeReplayOutput {
	f.t.Helper()
	out, err := f.eb.StartReplay(f.ctx, &eventbridge.StartReplayInput{ReplayName: aws.String(name),
		EventSourceArn: aws.String(archiveARN), EventStartTime: aws.Time(from), EventEndTime: aws.Time(to),
		Destination: &ebtypes.ReplayDestination{Arn: aws.String(f.busARN()), FilterArns: rules}})
	if err != nil {
		f.t.Fatalf("StartReplay %s: %v", name, err)
	}
	if !strings.HasSuffix(aws.ToString(out.ReplayArn), ":replay/"+name) || out.ReplayStartTime == nil {
		f.t.Fatalf("StartReplay = %+v", out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		d, err := f.eb.DescribeReplay(f.ctx, &eventbridge.DescribeReplayInput{ReplayName: aws.String(name)})
		if err != nil {
			f.t.Fatalf("DescribeReplay %s: %v", name, err)
		}
		switch d.State {
		case ebtypes.ReplayStateCompleted, ebtypes.ReplayStateFailed, ebtypes.ReplayStateCancelled:
			return d
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("replay %s still %s", name, d.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// replayedEvent is what the conformance tests read of a delivered event.
type replayedEvent struct {
	ID         string `json:"id"`
	Time       string `json:"time"`
	ReplayName string `json:"replay-name"`
	Detail     struct {
		N int `json:"n"`
	} `json:"detail"`
}

func decodeEvents(t *testing.T, bodies []string) []replayedEvent {
	t.Helper()
	out := make([]replayedEvent, len(bodies))
	for i, b := range bodies {
		if err := json.Unmarshal([]byte(b), &out[i]); err != nil {
			t.Fatalf("event %s: %v", b, err)
		}
	}
	return out
}

func (f *ebFixture) receiveEvents(url string, n int) []replayedEvent {
	f.t.Helper()
	var bodies []string
	for _, m := range f.receive(url, n) {
		bodies = append(bodies, aws.ToString(m.Body))
	}
	return decodeEvents(f.t, bodies)
}

func TestEventBridgeArchiveAndReplay(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	ordersURL, ordersARN := f.queue("eb-orders", false)
	auditURL, auditARN := f.queue("eb-audit", false)
	ordersRule := f.route("orders", `{"source":["shop"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(ordersARN)})
	f.route("audit", `{"source":["shop"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(auditARN)})
	name := shortName(t, "arc")
	arn := f.archive(name, `{"detail-type":["kept"]}`, 30)

	// EventBridge manages a rule for the archive; it is listed, and the
	// user cannot change it.
	ruleName := "Events-Archive-" + name
	d, err := f.eb.DescribeRule(f.ctx, &eventbridge.DescribeRuleInput{Name: aws.String(ruleName), EventBusName: aws.String(f.bus)})
	if err != nil || aws.ToString(d.ManagedBy) == "" || !strings.Contains(aws.ToString(d.EventPattern), "replay-name") {
		t.Fatalf("the archive's rule: %+v, %v", d, err)
	}
	_, err = f.eb.DeleteRule(f.ctx, &eventbridge.DeleteRuleInput{Name: aws.String(ruleName), EventBusName: aws.String(f.bus)})
	wantErrorType[*ebtypes.ManagedRuleException](t, err)
	_, err = f.eb.PutTargets(f.ctx, &eventbridge.PutTargetsInput{Rule: aws.String(ruleName), EventBusName: aws.String(f.bus),
		Targets: []ebtypes.Target{{Id: aws.String("x"), Arn: aws.String(ordersARN)}}})
	wantErrorType[*ebtypes.ManagedRuleException](t, err)

	// Four events with times out of order, one the archive's pattern skips.
	base := time.Now().UTC().Truncate(time.Second).Add(-10 * time.Minute)
	var entries []ebtypes.PutEventsRequestEntry
	for i, offset := range []int{3, 1, 2, 4} {
		e := f.entry("shop", "kept", fmt.Sprintf(`{"n":%d}`, offset))
		if i == 3 {
			e.DetailType = aws.String("skipped")
		}
		e.Time = aws.Time(base.Add(time.Duration(offset) * time.Minute))
		entries = append(entries, e)
	}
	ids := f.put(entries...)
	f.receive(ordersURL, 4)
	f.receive(auditURL, 4)
	f.archivedCount(name, 3)

	// A window of minutes 1 to 3 (3 excluded), to one rule: in event-time
	// order, with the replay's name, each keeping its id.
	rp := localawstest.FreshName(t, "rp")
	done := f.replay(rp, arn, base.Add(time.Minute), base.Add(3*time.Minute), ordersRule)
	if done.State != ebtypes.ReplayStateCompleted || done.ReplayEndTime == nil ||
		!aws.ToTime(done.EventLastReplayedTime).Equal(base.Add(2*time.Minute)) {
		t.Fatalf("replay ended %+v", done)
	}
	got := f.receiveEvents(ordersURL, 2)
	if got[0].Detail.N != 1 || got[1].Detail.N != 2 || got[0].ID != ids[1] || got[1].ID != ids[2] ||
		got[0].ReplayName != rp || got[1].ReplayName != rp {
		t.Fatalf("replayed %+v, want events 1 and 2 (ids %s, %s) named %s", got, ids[1], ids[2], rp)
	}
	f.expectEmpty(auditURL)  // not a named rule
	f.archivedCount(name, 3) // replayed events are not archived again

	// Without rules, every rule of the bus but the archive's.
	f.replay(localawstest.FreshName(t, "rp-all"), arn, base, base.Add(9*time.Minute))
	for _, url := range []string{ordersURL, auditURL} {
		got := f.receiveEvents(url, 3)
		for i, want := range []int{1, 2, 3} {
			if got[i].Detail.N != want {
				t.Fatalf("replay to every rule delivered %+v to %s, want 1, 2, 3 in order", got, url)
			}
		}
	}
	f.archivedCount(name, 3)
}

func TestEventBridgeArchiveAndReplayErrors(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	name := shortName(t, "arc")
	arn := f.archive(name, "", 0)
	_, err := f.eb.CreateArchive(f.ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String(name), EventSourceArn: aws.String(f.busARN())})
	wantErrorType[*ebtypes.ResourceAlreadyExistsException](t, err)
	_, err = f.eb.CreateArchive(f.ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String(name + "-p"),
		EventSourceArn: aws.String(f.busARN()), EventPattern: aws.String(`{"source":"x"}`)})
	wantErrorType[*ebtypes.InvalidEventPatternException](t, err)
	_, err = f.eb.CreateArchive(f.ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String(name + "-b"),
		EventSourceArn: aws.String(f.busARN() + "-missing")})
	wantErrorType[*ebtypes.ResourceNotFoundException](t, err)

	up, err := f.eb.UpdateArchive(f.ctx, &eventbridge.UpdateArchiveInput{ArchiveName: aws.String(name),
		Description: aws.String("kept a week"), RetentionDays: aws.Int32(7)})
	if err != nil || aws.ToString(up.ArchiveArn) != arn {
		t.Fatalf("UpdateArchive: %+v, %v", up, err)
	}
	desc, err := f.eb.DescribeArchive(f.ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String(name)})
	if err != nil || aws.ToInt32(desc.RetentionDays) != 7 || aws.ToString(desc.Description) != "kept a week" ||
		aws.ToString(desc.EventSourceArn) != f.busARN() || desc.State != ebtypes.ArchiveStateEnabled {
		t.Fatalf("DescribeArchive: %+v, %v", desc, err)
	}
	list, err := f.eb.ListArchives(f.ctx, &eventbridge.ListArchivesInput{EventSourceArn: aws.String(f.busARN())})
	if err != nil || len(list.Archives) != 1 || aws.ToString(list.Archives[0].ArchiveName) != name {
		t.Fatalf("ListArchives: %+v, %v", list, err)
	}

	now := time.Now()
	start := func(replay, source string, from, to time.Time, dest string) error {
		_, err := f.eb.StartReplay(f.ctx, &eventbridge.StartReplayInput{ReplayName: aws.String(replay),
			EventSourceArn: aws.String(source), EventStartTime: aws.Time(from), EventEndTime: aws.Time(to),
			Destination: &ebtypes.ReplayDestination{Arn: aws.String(dest)}})
		return err
	}
	rp := localawstest.FreshName(t, "rp")
	wantAPIError(t, start(rp, arn, now, now.Add(-time.Hour), f.busARN()), "ValidationException")                                        // backwards
	wantAPIError(t, start(rp, arn, now.Add(-time.Hour), now.Add(time.Hour), f.busARN()), "ValidationException")                         // future
	wantAPIError(t, start(rp, arn, now.Add(-time.Hour), now, f.busARN()[:len(f.busARN())-len(f.bus)]+"default"), "ValidationException") // another bus
	wantErrorType[*ebtypes.ResourceNotFoundException](t, start(rp, arn+"-missing", now.Add(-time.Hour), now, f.busARN()))

	f.replay(rp, arn, now.Add(-time.Hour), now)
	wantErrorType[*ebtypes.ResourceAlreadyExistsException](t, start(rp, arn, now.Add(-time.Hour), now, f.busARN()))
	_, err = f.eb.CancelReplay(f.ctx, &eventbridge.CancelReplayInput{ReplayName: aws.String(rp)})
	wantErrorType[*ebtypes.IllegalStatusException](t, err)
	replays, err := f.eb.ListReplays(f.ctx, &eventbridge.ListReplaysInput{NamePrefix: aws.String(rp),
		State: ebtypes.ReplayStateCompleted, EventSourceArn: aws.String(arn)})
	if err != nil || len(replays.Replays) != 1 || aws.ToString(replays.Replays[0].ReplayName) != rp {
		t.Fatalf("ListReplays: %+v, %v", replays, err)
	}
	_, err = f.eb.DescribeReplay(f.ctx, &eventbridge.DescribeReplayInput{ReplayName: aws.String(rp + "-missing")})
	wantErrorType[*ebtypes.ResourceNotFoundException](t, err)

	if _, err := f.eb.DeleteArchive(f.ctx, &eventbridge.DeleteArchiveInput{ArchiveName: aws.String(name)}); err != nil {
		t.Fatalf("DeleteArchive: %v", err)
	}
	_, err = f.eb.DescribeArchive(f.ctx, &eventbridge.DescribeArchiveInput{ArchiveName: aws.String(name)})
	wantErrorType[*ebtypes.ResourceNotFoundException](t, err)
	_, err = f.eb.DescribeRule(f.ctx, &eventbridge.DescribeRuleInput{Name: aws.String("Events-Archive-" + name), EventBusName: aws.String(f.bus)})
	wantErrorType[*ebtypes.ResourceNotFoundException](t, err)
}

// TestEventBridgeArchiveRetention moves a clock of its own past the
// retention: the events archived before are gone, later ones stay.
func TestEventBridgeArchiveRetention(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	f := newEBFixtureOn(t, localaws.Config{Clock: clk})
	name := shortName(t, "arc")
	f.archive(name, "", 1)
	f.put(f.entry("app", "old", `{"n":1}`))
	f.archivedCount(name, 1)
	clk.Advance(20 * time.Hour)
	f.put(f.entry("app", "newer", `{"n":2}`))
	f.archivedCount(name, 2)
	clk.Advance(5 * time.Hour) // the first is 25 hours old, the second 5
	f.archivedCount(name, 1)
}
