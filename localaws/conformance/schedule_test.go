package conformance

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/clock"
)

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
