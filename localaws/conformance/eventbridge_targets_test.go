package conformance

// Archives and replays, scheduled rules, API destinations, connections
// and event-bus targets.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
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

// scheduled puts a rule with a schedule on the default bus, with one
// target, and returns its ARN.
func (f *ebFixture) scheduled(name, expr string, target ebtypes.Target) string {
	f.t.Helper()
	out, err := f.eb.PutRule(f.ctx, &eventbridge.PutRuleInput{Name: aws.String(name), ScheduleExpression: aws.String(expr)})
	if err != nil {
		f.t.Fatalf("PutRule %s: %v", name, err)
	}
	if _, err := f.eb.PutTargets(f.ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: []ebtypes.Target{target}}); err != nil {
		f.t.Fatalf("PutTargets %s: %v", name, err)
	}
	return aws.ToString(out.RuleArn)
}

// scheduledEvent reads one Scheduled Event from url and checks its
// envelope: from aws.events, the rule in resources, an empty detail.
func (f *ebFixture) scheduledEvent(url, ruleARN string) time.Time {
	f.t.Helper()
	var ev struct {
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
		Time       time.Time       `json:"time"`
		Resources  []string        `json:"resources"`
		Detail     json.RawMessage `json:"detail"`
	}
	body := aws.ToString(f.receive(url, 1)[0].Body)
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		f.t.Fatalf("scheduled event %s: %v", body, err)
	}
	if ev.Source != "aws.events" || ev.DetailType != "Scheduled Event" || !reflect.DeepEqual(ev.Resources, []string{ruleARN}) ||
		string(ev.Detail) != "{}" {
		f.t.Fatalf("scheduled event %s, want one from aws.events for %s", body, ruleARN)
	}
	return ev.Time
}

// TestEventBridgeScheduledRules drives a clock of its own through rate and
// cron schedules: each tick fires once, at its time, only while the rule
// is enabled; a jump over many ticks fires the latest once.
func TestEventBridgeScheduledRules(t *testing.T) {
	t.Parallel()
	friday := time.Date(2026, 3, 6, 11, 58, 30, 0, time.UTC)
	clk := clock.NewManual(friday)
	f := newEBFixtureOn(t, localaws.Config{Clock: clk})
	rateURL, rateARN := f.queue("eb-rate", false)
	noonURL, noonARN := f.queue("eb-noon", false)
	every5 := f.scheduled("every5", "rate(5 minutes)", ebtypes.Target{Id: aws.String("q"), Arn: aws.String(rateARN)})
	noon := f.scheduled("noon", "cron(0 12 ? * MON-FRI *)", ebtypes.Target{Id: aws.String("q"), Arn: aws.String(noonARN)})
	at := func(hhmm string, day time.Time) time.Time {
		tm, _ := time.Parse("15:04", hhmm)
		return time.Date(day.Year(), day.Month(), day.Day(), tm.Hour(), tm.Minute(), 0, 0, time.UTC)
	}

	clk.Advance(2 * time.Minute) // 12:00:30
	if got := f.scheduledEvent(noonURL, noon); !got.Equal(at("12:00", friday)) {
		t.Fatalf("noon fired for %s", got)
	}
	f.expectEmpty(rateURL)
	clk.Advance(3 * time.Minute) // 12:03:30: five minutes after the rule was made
	if got := f.scheduledEvent(rateURL, every5); !got.Equal(at("12:03", friday)) {
		t.Fatalf("rate fired for %s", got)
	}

	if _, err := f.eb.DisableRule(f.ctx, &eventbridge.DisableRuleInput{Name: aws.String("every5")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Minute) // 12:08:30
	f.expectEmpty(rateURL)
	if _, err := f.eb.EnableRule(f.ctx, &eventbridge.EnableRuleInput{Name: aws.String("every5")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Minute) // 12:13:30
	if got := f.scheduledEvent(rateURL, every5); !got.Equal(at("12:13", friday)) {
		t.Fatalf("rate fired for %s after EnableRule", got)
	}

	clk.Advance(24 * time.Hour) // Saturday 12:13:30: no noon on a weekend, one rate tick for a day of them
	if got := f.scheduledEvent(rateURL, every5); !got.Equal(at("12:13", friday.AddDate(0, 0, 1))) {
		t.Fatalf("after a day's jump rate fired for %s", got)
	}
	f.expectEmpty(rateURL)
	f.expectEmpty(noonURL)
	clk.Set(at("12:00", friday.AddDate(0, 0, 3)).Add(30 * time.Second)) // Monday
	if got := f.scheduledEvent(noonURL, noon); !got.Equal(at("12:00", friday.AddDate(0, 0, 3))) {
		t.Fatalf("noon fired for %s on Monday", got)
	}

	d, err := f.eb.DescribeRule(f.ctx, &eventbridge.DescribeRuleInput{Name: aws.String("noon")})
	if err != nil || aws.ToString(d.ScheduleExpression) != "cron(0 12 ? * MON-FRI *)" || d.EventPattern != nil {
		t.Fatalf("DescribeRule(noon) = %+v, %v", d, err)
	}
	for _, in := range []*eventbridge.PutRuleInput{
		{Name: aws.String("bad"), ScheduleExpression: aws.String("cron(0 12 * * * *)")},
		{Name: aws.String("bad"), ScheduleExpression: aws.String("rate(1 minutes)")},
		{Name: aws.String("bad"), EventBusName: aws.String(f.bus), ScheduleExpression: aws.String("rate(5 minutes)")},
	} {
		_, err := f.eb.PutRule(f.ctx, in)
		wantAPIError(t, err, "ValidationException")
	}
}

// httpCall is one request an endpoint received.
type httpCall struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

// endpoint is a loopback HTTP server that records every call; fail[path]
// is how many calls of path answer 500 before it answers 200, and paths
// under /gone answer 404. /token is an OAuth endpoint for client
// "lf-client" with secret "lf-secret".
type endpoint struct {
	*httptest.Server
	mu    sync.Mutex
	calls map[string][]httpCall
	fail  map[string]int
}

func newEndpoint(t *testing.T) *endpoint {
	e := &endpoint{calls: map[string][]httpCall{}, fail: map[string]int{}}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.calls[r.URL.Path] = append(e.calls[r.URL.Path], httpCall{r.Method, r.URL.Path, r.URL.RawQuery, string(body), r.Header.Clone()})
		failing := e.fail[r.URL.Path] > 0
		if failing {
			e.fail[r.URL.Path]--
		}
		e.mu.Unlock()
		form, _ := url.ParseQuery(string(body))
		switch id, secret, _ := r.BasicAuth(); {
		case r.URL.Path == "/token" && (id != "lf-client" || secret != "lf-secret" || form.Get("grant_type") != "client_credentials"):
			http.Error(w, "bad client", http.StatusUnauthorized)
		case r.URL.Path == "/token":
			_, _ = io.WriteString(w, `{"access_token":"tok-1","token_type":"bearer","expires_in":3600}`)
		case strings.HasPrefix(r.URL.Path, "/gone"):
			http.NotFound(w, r)
		case failing:
			http.Error(w, "try again", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(e.Close)
	return e
}

// await waits for n calls of path and returns them.
func (e *endpoint) await(t *testing.T, path string, n int) []httpCall {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		e.mu.Lock()
		got := append([]httpCall(nil), e.calls[path]...)
		e.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			e.mu.Lock()
			t.Logf("calls: %v", e.calls)
			e.mu.Unlock()
			t.Fatalf("%s was called %d times, want %d", path, len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *ebFixture) connection(name string, in *eventbridge.CreateConnectionInput) string {
	f.t.Helper()
	in.Name = aws.String(name)
	out, err := f.eb.CreateConnection(f.ctx, in)
	if err != nil {
		f.t.Fatalf("CreateConnection %s: %v", name, err)
	}
	return aws.ToString(out.ConnectionArn)
}

func (f *ebFixture) apiDestination(name, connARN, url string, method ebtypes.ApiDestinationHttpMethod) string {
	f.t.Helper()
	out, err := f.eb.CreateApiDestination(f.ctx, &eventbridge.CreateApiDestinationInput{Name: aws.String(name),
		ConnectionArn: aws.String(connARN), InvocationEndpoint: aws.String(url), HttpMethod: method})
	if err != nil {
		f.t.Fatalf("CreateApiDestination %s: %v", name, err)
	}
	return aws.ToString(out.ApiDestinationArn)
}

// apiKeyConnection is a connection with an API key and a secret header.
func apiKeyConnection() *eventbridge.CreateConnectionInput {
	return &eventbridge.CreateConnectionInput{Name: aws.String("key"), AuthorizationType: ebtypes.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{
			ApiKeyAuthParameters: &ebtypes.CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: aws.String("x-api-key"), ApiKeyValue: aws.String("k-sekret")},
			InvocationHttpParameters: &ebtypes.ConnectionHttpParameters{
				HeaderParameters: []ebtypes.ConnectionHeaderParameter{{Key: aws.String("x-tenant"), Value: aws.String("tenant-secret-1"), IsValueSecret: true}}},
		}}
}

// TestEventBridgeAPIDestinations calls loopback endpoints with each kind
// of connection, the target's HttpParameters and InputTransformer, and
// follows failures through RetryPolicy to the target's dead-letter queue.
// Its clock is its own: retries wait for nothing.
func TestEventBridgeAPIDestinations(t *testing.T) {
	t.Parallel()
	clk := clock.NewManual(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	f := newEBFixtureOn(t, localaws.Config{Clock: clk})
	srv := newEndpoint(t)
	dlqURL, dlqARN := f.queue("eb-http-dlq", false)
	dead := &ebtypes.DeadLetterConfig{Arn: aws.String(dlqARN)}

	apiKey := f.connection("key", apiKeyConnection())
	basic := f.connection("basic", &eventbridge.CreateConnectionInput{AuthorizationType: ebtypes.ConnectionAuthorizationTypeBasic,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{BasicAuthParameters: &ebtypes.CreateConnectionBasicAuthRequestParameters{
			Username: aws.String("lf"), Password: aws.String("b-sekret")}}})
	oauth := f.connection("oauth", &eventbridge.CreateConnectionInput{AuthorizationType: ebtypes.ConnectionAuthorizationTypeOauthClientCredentials,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{OAuthParameters: &ebtypes.CreateConnectionOAuthRequestParameters{
			AuthorizationEndpoint: aws.String(srv.URL + "/token"), HttpMethod: ebtypes.ConnectionOAuthHttpMethodPost,
			ClientParameters: &ebtypes.CreateConnectionOAuthClientRequestParameters{ClientID: aws.String("lf-client"), ClientSecret: aws.String("lf-secret")},
			OAuthHttpParameters: &ebtypes.ConnectionHttpParameters{BodyParameters: []ebtypes.ConnectionBodyParameter{
				{Key: aws.String("grant_type"), Value: aws.String("client_credentials")}}}}}})

	f.route("http", `{"source":["shop"]}`,
		ebtypes.Target{Id: aws.String("orders"), Arn: aws.String(f.apiDestination("orders", apiKey, srv.URL+"/orders/*/items", "POST")),
			HttpParameters: &ebtypes.HttpParameters{PathParameterValues: []string{"$.detail.order"},
				HeaderParameters: map[string]string{"X-Order": "$.detail.order", "X-Static": "v"}, QueryStringParameters: map[string]string{"src": "eb"}},
			InputTransformer: &ebtypes.InputTransformer{InputPathsMap: map[string]string{"order": "$.detail.order"},
				InputTemplate: aws.String(`{"order": <order>}`)}},
		ebtypes.Target{Id: aws.String("basic"), Arn: aws.String(f.apiDestination("basic", basic, srv.URL+"/basic", "PUT"))},
		ebtypes.Target{Id: aws.String("oauth"), Arn: aws.String(f.apiDestination("oauth", oauth, srv.URL+"/oauth", "POST"))},
		ebtypes.Target{Id: aws.String("flaky"), Arn: aws.String(f.apiDestination("flaky", apiKey, srv.URL+"/flaky", "POST")),
			RetryPolicy: &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(5)}, DeadLetterConfig: dead},
		ebtypes.Target{Id: aws.String("gone"), Arn: aws.String(f.apiDestination("gone", apiKey, srv.URL+"/gone", "POST")),
			DeadLetterConfig: dead},
	)
	srv.mu.Lock()
	srv.fail["/flaky"] = 2
	srv.mu.Unlock()
	f.put(f.entry("shop", "Order Placed", `{"order":"o-1"}`), f.entry("shop", "Order Placed", `{"order":"o 2/x"}`))

	orders := srv.await(t, "/orders/o-1/items", 1)[0]
	if orders.Method != "POST" || orders.Query != "src=eb" || orders.Body != `{"order": "o-1"}` ||
		orders.Header.Get("x-api-key") != "k-sekret" || orders.Header.Get("x-tenant") != "tenant-secret-1" || orders.Header.Get("X-Order") != "o-1" ||
		orders.Header.Get("X-Static") != "v" || !strings.HasPrefix(orders.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("orders endpoint got %+v", orders)
	}
	srv.await(t, "/orders/o 2/x/items", 1) // the path parameter is escaped: it cannot leave its segment
	if b := srv.await(t, "/basic", 2)[0]; b.Method != "PUT" || b.Header.Get("Authorization") != "Basic bGY6Yi1zZWtyZXQ=" {
		t.Fatalf("basic endpoint got %+v", b)
	}
	for _, o := range srv.await(t, "/oauth", 2) {
		if o.Header.Get("Authorization") != "Bearer tok-1" {
			t.Fatalf("oauth endpoint got %+v", o)
		}
	}
	if n := len(srv.await(t, "/token", 1)); n != 1 {
		t.Fatalf("the token was asked for %d times, want once (it is cached)", n)
	}

	// 404 is not retried: the dead-letter queue has both events at once.
	for _, m := range f.receive(dlqURL, 2) {
		attrs := map[string]string{}
		for k, v := range m.MessageAttributes {
			attrs[k] = aws.ToString(v.StringValue)
		}
		if attrs["ERROR_CODE"] != "ERROR_FROM_TARGET" || !strings.Contains(attrs["ERROR_MESSAGE"], "404") ||
			!strings.Contains(attrs["TARGET_ARN"], ":api-destination/gone/") || attrs["RETRY_ATTEMPTS"] != "0" ||
			!strings.HasSuffix(attrs["RULE_ARN"], "/http") || !strings.Contains(aws.ToString(m.Body), `"Order Placed"`) {
			t.Fatalf("dead letter %s with %v", aws.ToString(m.Body), attrs)
		}
	}
	// 500 is: two failures, then each event arrives as the clock moves.
	for len(srv.await(t, "/flaky", 2)) < 4 {
		clk.Advance(time.Minute)
		time.Sleep(10 * time.Millisecond)
	}
	f.expectEmpty(dlqURL)
	if n := len(srv.await(t, "/gone", 2)); n != 2 {
		t.Fatalf("/gone was called %d times, want once for each event", n)
	}
}

// TestEventBridgeConnectionsKeepSecrets: describing a connection shows
// none of its secrets; a deauthorized one fails its calls, which are not
// retried, until it is updated.
func TestEventBridgeConnectionsKeepSecrets(t *testing.T) {
	t.Parallel()
	f := newEBFixtureOn(t, localaws.Config{})
	srv := newEndpoint(t)
	conn := f.connection("key", apiKeyConnection())
	desc, err := f.eb.DescribeConnection(f.ctx, &eventbridge.DescribeConnectionInput{Name: aws.String("key")})
	if err != nil || desc.ConnectionState != ebtypes.ConnectionStateAuthorized || aws.ToString(desc.SecretArn) == "" ||
		aws.ToString(desc.AuthParameters.ApiKeyAuthParameters.ApiKeyName) != "x-api-key" {
		t.Fatalf("DescribeConnection = %+v, %v", desc, err)
	}
	if b, _ := json.Marshal(desc); strings.Contains(string(b), "k-sekret") || strings.Contains(string(b), "tenant-secret-1") {
		t.Fatalf("DescribeConnection shows a secret: %s", b)
	}
	dlqURL, dlqARN := f.queue("eb-conn-dlq", false)
	f.route("http", `{"source":["shop"]}`, ebtypes.Target{Id: aws.String("t"), Arn: aws.String(f.apiDestination("d", conn, srv.URL+"/d", "POST")),
		DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlqARN)}})
	out, err := f.eb.DeauthorizeConnection(f.ctx, &eventbridge.DeauthorizeConnectionInput{Name: aws.String("key")})
	if err != nil || out.ConnectionState != ebtypes.ConnectionStateDeauthorized {
		t.Fatalf("DeauthorizeConnection = %+v, %v", out, err)
	}
	f.put(f.entry("shop", "t", `{"n":1}`))
	if m := f.receive(dlqURL, 1)[0]; aws.ToString(m.MessageAttributes["ERROR_CODE"].StringValue) != "NO_PERMISSIONS" {
		t.Fatalf("a deauthorized connection's call: %+v", m.MessageAttributes)
	}
	if _, err := f.eb.UpdateConnection(f.ctx, &eventbridge.UpdateConnectionInput{Name: aws.String("key"),
		AuthParameters: &ebtypes.UpdateConnectionAuthRequestParameters{ApiKeyAuthParameters: &ebtypes.UpdateConnectionApiKeyAuthRequestParameters{
			ApiKeyName: aws.String("x-api-key"), ApiKeyValue: aws.String("k-new")}}}); err != nil {
		t.Fatalf("UpdateConnection: %v", err)
	}
	f.put(f.entry("shop", "t", `{"n":2}`))
	if c := srv.await(t, "/d", 1)[0]; c.Header.Get("x-api-key") != "k-new" {
		t.Fatalf("after UpdateConnection the call has %+v", c.Header)
	}

	list, err := f.eb.ListApiDestinations(f.ctx, &eventbridge.ListApiDestinationsInput{ConnectionArn: aws.String(conn)})
	if err != nil || len(list.ApiDestinations) != 1 || aws.ToString(list.ApiDestinations[0].Name) != "d" {
		t.Fatalf("ListApiDestinations = %+v, %v", list, err)
	}
	conns, err := f.eb.ListConnections(f.ctx, &eventbridge.ListConnectionsInput{ConnectionState: ebtypes.ConnectionStateAuthorized})
	if err != nil || len(conns.Connections) != 1 {
		t.Fatalf("ListConnections = %+v, %v", conns, err)
	}
	_, err = f.eb.CreateConnection(f.ctx, apiKeyConnection())
	wantErrorType[*ebtypes.ResourceAlreadyExistsException](t, err)
	_, err = f.eb.DescribeApiDestination(f.ctx, &eventbridge.DescribeApiDestinationInput{Name: aws.String("missing")})
	wantErrorType[*ebtypes.ResourceNotFoundException](t, err)
}

// TestEventBridgeAPIDestinationRefusesAddresses: an endpoint at a
// link-local, metadata or unspecified address is refused when it is
// configured (a name that resolves there is refused when it is dialled).
func TestEventBridgeAPIDestinationRefusesAddresses(t *testing.T) {
	t.Parallel()
	f := newEBFixtureOn(t, localaws.Config{})
	conn := f.connection("key", apiKeyConnection())
	for _, url := range []string{"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/x", "http://[fd00:ec2::254]/",
		"http://0.0.0.0:8080/", "http://[::ffff:169.254.169.254]/", "ftp://example.com/", "http://user:pw@127.0.0.1/"} {
		_, err := f.eb.CreateApiDestination(f.ctx, &eventbridge.CreateApiDestinationInput{Name: aws.String("bad"),
			ConnectionArn: aws.String(conn), InvocationEndpoint: aws.String(url), HttpMethod: "POST"})
		wantAPIError(t, err, "ValidationException")
	}
}

// TestEventBridgeEventBusTargets forwards events from one bus to another:
// the other bus's rules, archives and replays see them as its own, and a
// loop of buses stops.
func TestEventBridgeEventBusTargets(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	g := newEBFixtureWith(t, f.eb, f.sqs) // a second bus
	url, qarn := f.queue("eb-fwd", false)
	g.route("in", `{"source":["shop"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(qarn)})
	archive := shortName(t, "fwd")
	g.archive(archive, "", 0)
	f.route("out", `{"source":["shop"]}`, ebtypes.Target{Id: aws.String("bus"), Arn: aws.String(g.busARN())})
	id := f.put(f.entry("shop", "t", `{"n":1}`))[0]
	if got := f.receiveEvents(url, 1)[0]; got.ID != id || got.Detail.N != 1 {
		t.Fatalf("forwarded event %+v, want id %s", got, id)
	}
	g.archivedCount(archive, 1)

	// A loop: the second bus sends back what comes from the first.
	g.route("back", `{"source":["shop"]}`, ebtypes.Target{Id: aws.String("bus"), Arn: aws.String(f.busARN())})
	f.put(f.entry("shop", "t", `{"n":2}`))
	f.receiveEvents(url, 2) // it crosses the second bus twice within five hops
	f.expectEmpty(url)

	_, err := f.eb.PutTargets(f.ctx, &eventbridge.PutTargetsInput{Rule: aws.String("out"), EventBusName: aws.String(f.bus),
		Targets: []ebtypes.Target{{Id: aws.String("t"), Arn: aws.String(g.busARN()), InputPath: aws.String("$.detail")}}})
	wantAPIError(t, err, "ValidationException")
	names, err := f.eb.ListRuleNamesByTarget(f.ctx, &eventbridge.ListRuleNamesByTargetInput{TargetArn: aws.String(g.busARN()),
		EventBusName: aws.String(f.bus)})
	if err != nil || len(names.RuleNames) != 1 || names.RuleNames[0] != "out" {
		t.Fatalf("ListRuleNamesByTarget = %+v, %v", names, err)
	}
}

func TestEventBridgeTags(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	rule := f.route("tagged", `{"source":["shop"]}`)
	for _, arn := range []string{f.busARN(), rule} {
		if _, err := f.eb.TagResource(f.ctx, &eventbridge.TagResourceInput{ResourceARN: aws.String(arn),
			Tags: []ebtypes.Tag{{Key: aws.String("team"), Value: aws.String("billing")}, {Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
			t.Fatalf("TagResource %s: %v", arn, err)
		}
		if _, err := f.eb.UntagResource(f.ctx, &eventbridge.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"env"}}); err != nil {
			t.Fatalf("UntagResource %s: %v", arn, err)
		}
		out, err := f.eb.ListTagsForResource(f.ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
		if err != nil || len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "team" || aws.ToString(out.Tags[0].Value) != "billing" {
			t.Fatalf("ListTagsForResource %s = %+v, %v", arn, out, err)
		}
	}
	archive := shortName(t, "tags")
	f.archive(archive, "", 0)
	managed := rule[:strings.LastIndexByte(rule, '/')+1] + "Events-Archive-" + archive
	_, err := f.eb.TagResource(f.ctx, &eventbridge.TagResourceInput{ResourceARN: aws.String(managed),
		Tags: []ebtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantErrorType[*ebtypes.ManagedRuleException](t, err)
	_, err = f.eb.ListTagsForResource(f.ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(rule + "-missing")})
	wantErrorType[*ebtypes.ResourceNotFoundException](t, err)
}
