package eventbridge

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/licenseflow/licenseflow/localaws/clock"
)

func TestScheduleNext(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04 Mon", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	created := at("2026-03-02 10:00 Mon")
	tests := []struct {
		expr, after, want string
	}{
		{"rate(1 minute)", "2026-03-02 10:00 Mon", "2026-03-02 10:01 Mon"},
		{"rate(5 minutes)", "2026-03-02 10:07 Mon", "2026-03-02 10:10 Mon"},
		{"rate(2 hours)", "2026-03-02 12:00 Mon", "2026-03-02 14:00 Mon"},
		{"rate(1 day)", "2026-03-01 09:00 Sun", "2026-03-03 10:00 Tue"}, // before creation: one period after it
		{"cron(0 12 * * ? *)", "2026-03-02 12:00 Mon", "2026-03-03 12:00 Tue"},
		{"cron(15,45 8-9 ? * MON-FRI *)", "2026-03-06 09:45 Fri", "2026-03-09 08:15 Mon"},
		{"cron(0/20 * * * ? *)", "2026-03-02 10:41 Mon", "2026-03-02 11:00 Mon"},
		{"cron(0 0 L * ? *)", "2026-02-01 00:00 Sun", "2026-02-28 00:00 Sat"},
		{"cron(0 0 L * ? *)", "2028-02-01 00:00 Tue", "2028-02-29 00:00 Tue"},
		{"cron(0 9 LW * ? *)", "2026-05-01 00:00 Fri", "2026-05-29 09:00 Fri"},    // the 31st is a Sunday
		{"cron(0 9 1W * ? *)", "2026-07-31 00:00 Fri", "2026-08-03 09:00 Mon"},    // the 1st is a Saturday
		{"cron(0 9 15W * ? *)", "2026-03-02 00:00 Mon", "2026-03-16 09:00 Mon"},   // the 15th is a Sunday
		{"cron(0 9 ? * 3#2 *)", "2026-03-02 00:00 Mon", "2026-03-10 09:00 Tue"},   // second Tuesday
		{"cron(0 9 ? * TUE#2 *)", "2026-03-10 09:00 Tue", "2026-04-14 09:00 Tue"}, // next month's
		{"cron(0 18 ? * 6L *)", "2026-03-02 00:00 Mon", "2026-03-27 18:00 Fri"},   // last Friday
		{"cron(0 8 ? * L *)", "2026-03-02 00:00 Mon", "2026-03-07 08:00 Sat"},     // every Saturday
		{"cron(30 6 1 JAN,jul ? 2027-2030/2)", "2026-03-02 00:00 Mon", "2027-01-01 06:30 Fri"},
		{"cron(0 0 29 2 ? *)", "2026-03-02 00:00 Mon", "2028-02-29 00:00 Tue"},
	}
	for _, tt := range tests {
		s, err := parseSchedule(tt.expr, created)
		if err != nil {
			t.Errorf("parseSchedule(%s): %v", tt.expr, err)
			continue
		}
		got, ok := s.next(at(tt.after))
		if want := at(tt.want); !ok || !got.Equal(want) {
			t.Errorf("%s after %s = %s, want %s", tt.expr, tt.after, got.Format("2006-01-02 15:04 Mon"), tt.want)
		}
	}
	if s, err := parseSchedule("cron(0 0 1 1 ? 1999)", created); err != nil {
		t.Fatal(err)
	} else if got, ok := s.next(created); ok {
		t.Errorf("a cron whose years are over ticked at %s", got)
	}
}

func TestScheduleRefused(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{
		"rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(5 seconds)", "rate(-1 days)", "rate(05 days)", "rate(1day)",
		"cron(0 12 * * * *)", "cron(0 12 ? * ? *)", "cron(0 12 * *)", "cron(60 * * * ? *)", "cron(0 24 * * ? *)",
		"cron(0 0 32 * ? *)", "cron(0 0 ? * 8 *)", "cron(0 0 ? * MON#6 *)", "cron(0 0 * 13 ? *)", "cron(0 0 * * ? 2200)",
		"cron(5-1 * * * ? *)", "cron(*/0 * * * ? *)", "every(5 minutes)", "cron(0 0 0W * ? *)",
	} {
		if _, err := parseSchedule(expr, time.Now()); err == nil {
			t.Errorf("parseSchedule(%s) accepted it", expr)
		}
	}
}

func FuzzSchedule(f *testing.F) {
	for _, s := range []string{"rate(5 minutes)", "cron(0 12 ? * MON-FRI *)", "cron(0/15 * L * ? 2027)", "cron(0 9 ? * 2#3 *)",
		"cron(0 0 LW,15W * ? *)", "cron(* * ? * 6L *)"} {
		f.Add(s)
	}
	after := time.Date(2026, 3, 2, 10, 7, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := parseSchedule(expr, after)
		if err != nil {
			return
		}
		got, ok := s.next(after)
		if ok && (!got.After(after) || got.Year() > maxYear || got.Second() != 0) {
			t.Fatalf("%s: next after %s is %s", expr, after, got)
		}
		if c, isCron := s.(*cron); isCron && ok {
			if again, ok2 := c.next(got.Add(-time.Minute)); !ok2 || !again.Equal(got) {
				t.Fatalf("%s: next is not stable: %s then %s", expr, got, again)
			}
		}
	})
}

// TestScheduleFiresAtMostOnceAcrossRestarts abandons a Service (as after
// kill -9) while its tick's delivery is held: the tick was recorded before
// it was delivered, so the next Service does not fire it again, and fires
// the next one.
func TestScheduleFiresAtMostOnceAcrossRestarts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	clk := clock.NewManual(time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC))
	firstLog := openLog(t, dir)
	gate := newGatedQueues(0, queueARN("ticks"))
	_, c := startServiceWith(t, Config{Log: firstLog, Queues: gate, Clock: clk})
	if _, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("minutely"), ScheduleExpression: aws.String("rate(1 minute)")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("minutely"),
		Targets: []types.Target{{Id: aws.String("q"), Arn: aws.String(queueARN("ticks"))}}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute) // 10:01:30: the 10:01 tick
	<-gate.held
	if err := firstLog.Close(); err != nil {
		t.Fatal(err)
	}

	up := newFlakyQueues(queueARN("ticks"))
	second, _ := startServiceWith(t, Config{Log: openLog(t, dir), Queues: up, Clock: clk})
	if due, next := second.dueTicks(clk.Now()); len(due) != 0 || !next.Equal(time.Date(2026, 3, 2, 10, 2, 0, 0, time.UTC)) {
		t.Fatalf("after the restart: due %v, next %s; want nothing due, next 10:02", due, next)
	}
	clk.Advance(time.Minute)
	eventually(t, "the 10:02 tick", func() bool { return len(up.messages(queueARN("ticks"))) == 1 })
	var ev struct {
		Source     string   `json:"source"`
		DetailType string   `json:"detail-type"`
		Time       string   `json:"time"`
		Resources  []string `json:"resources"`
	}
	if err := json.Unmarshal([]byte(up.messages(queueARN("ticks"))[0].Body), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Source != "aws.events" || ev.DetailType != "Scheduled Event" || ev.Time != "2026-03-02T10:02:00Z" ||
		len(ev.Resources) != 1 || ev.Resources[0] != "arn:aws:events:us-east-1:000000000000:rule/minutely" {
		t.Fatalf("scheduled event %+v", ev)
	}
}
