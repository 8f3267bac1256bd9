package eventbridge

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func TestPutEventsEntryFailuresStandAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := startService(t, nil, newFlakyQueues())
	ok := types.PutEventsRequestEntry{Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(`{"a":1}`)}
	big := strings.Repeat("x", maxEntrySize)
	entries := []types.PutEventsRequestEntry{
		ok,
		{DetailType: aws.String("t"), Detail: aws.String(`{}`)},
		{Source: aws.String("app"), Detail: aws.String(`{}`)},
		{Source: aws.String("app"), DetailType: aws.String("t")},
		{Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(`{"a":`)},
		{Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(`[1]`)},
		{Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(`{"b":"` + big[:maxEntrySize-8] + `"}`)},
		{Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(`{}`), EventBusName: aws.String("nope")},
		ok,
	}
	out, err := c.PutEvents(ctx, &eb.PutEventsInput{Entries: entries})
	if err != nil {
		t.Fatalf("PutEvents: %v", err)
	}
	wantCodes := []string{"", "InvalidArgument", "InvalidArgument", "InvalidArgument", "MalformedDetail", "MalformedDetail",
		"InvalidArgument", "ResourceNotFoundException", ""}
	if out.FailedEntryCount != 7 || len(out.Entries) != len(entries) {
		t.Fatalf("FailedEntryCount = %d, entries %d", out.FailedEntryCount, len(out.Entries))
	}
	for i, e := range out.Entries {
		if got := aws.ToString(e.ErrorCode); got != wantCodes[i] {
			t.Errorf("entry %d: ErrorCode %q (%s), want %q", i, got, aws.ToString(e.ErrorMessage), wantCodes[i])
		}
		if (wantCodes[i] == "") != (len(aws.ToString(e.EventId)) == 36) {
			t.Errorf("entry %d: EventId %q", i, aws.ToString(e.EventId))
		}
		if wantCodes[i] != "" && aws.ToString(e.ErrorMessage) == "" {
			t.Errorf("entry %d: no ErrorMessage", i)
		}
	}
	if aws.ToString(out.Entries[0].EventId) == aws.ToString(out.Entries[8].EventId) {
		t.Error("two entries got the same EventId")
	}

	// The size limit counts Source, DetailType, Detail and Resources: exactly 1 MiB passes.
	detail := `{"b":"` + big[:maxEntrySize-len(`{"b":""}`)-len("app")-len("t")] + `"}`
	out, err = c.PutEvents(ctx, &eb.PutEventsInput{Entries: []types.PutEventsRequestEntry{{Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(detail)}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("an entry of exactly 1 MiB: %+v, %v", out, err)
	}

	var eleven []types.PutEventsRequestEntry
	for range 11 {
		eleven = append(eleven, ok)
	}
	if _, err := c.PutEvents(ctx, &eb.PutEventsInput{Entries: eleven}); apiCode(err) != "ValidationException" {
		t.Fatalf("11 entries: %v, want ValidationException", err)
	}
}

func TestEnvelope(t *testing.T) {
	t.Parallel()
	s := &Service{cfg: Config{Region: "eu-west-1", AccountID: "123456789012"}}
	at := time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.FixedZone("x", 3600))
	e := &putEventsEntry{Source: aws.String("app.\"quoted\""), DetailType: aws.String("Order <Placed> & paid"),
		Detail: aws.String("{ \"n\": 1.50,\n \"s\": \"a\\u0041\" }"), Resources: []string{"arn:x"}, Time: &epochTime{at}}
	got, _, eerr := s.envelope(e, "11111111-2222-4333-8444-555555555555", time.Now())
	if eerr != nil {
		t.Fatal(eerr)
	}
	want := `{"version":"0","id":"11111111-2222-4333-8444-555555555555","detail-type":"Order <Placed> & paid",` +
		`"source":"app.\"quoted\"","account":"123456789012","time":"2026-03-04T04:06:07Z","region":"eu-west-1",` +
		`"resources":["arn:x"],"detail":{"n":1.50,"s":"a\u0041"}}`
	if string(got) != want {
		t.Fatalf("envelope\n got %s\nwant %s", got, want)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e.Time, e.Resources = nil, nil
	got, _, _ = s.envelope(e, "id", now)
	if !strings.Contains(string(got), `"time":"2026-01-02T03:04:05Z","region":"eu-west-1","resources":[],`) {
		t.Fatalf("envelope without Time or Resources: %s", got)
	}
}

// FuzzPutEventsEntry checks that any entry either fails alone with a code
// or becomes a valid JSON envelope.
func FuzzPutEventsEntry(f *testing.F) {
	f.Add("app", "Thing Happened", `{"a":[1,2,{"b":null}]}`, "arn:x")
	f.Add("a\"b", "t\n", `{"s":"\u2028<>&"}`, "")
	f.Add("app", "t", `[1]`, "r")
	f.Add("", "t", `{}`, "r")
	f.Fuzz(func(t *testing.T, source, detailType, detail, resource string) {
		s := &Service{cfg: Config{Region: "us-east-1", AccountID: "000000000000"}}
		e := &putEventsEntry{Source: &source, DetailType: &detailType, Detail: &detail, Resources: []string{resource}}
		env, _, eerr := s.envelope(e, "id", time.Unix(0, 0))
		if eerr != nil {
			if eerr.code == "" || eerr.message == "" {
				t.Fatalf("entry error without code or message: %+v", eerr)
			}
			return
		}
		var v events.EventBridgeEvent // as a Lambda function reads it
		if err := json.Unmarshal(env, &v); err != nil {
			t.Fatalf("envelope does not decode as an EventBridge event: %v: %s", err, env)
		}
		if utf8.ValidString(source) && v.Source != source {
			t.Fatalf("source %q came back as %q", source, v.Source)
		}
	})
}

func TestEventIDsAreUUIDv4(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := newEventID()
		if len(id) != 36 || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) || seen[id] {
			t.Fatalf("bad or repeated event id %q", id)
		}
		seen[id] = true
	}
}

func TestPutEventsBatchesPerQueue(t *testing.T) {
	t.Parallel()
	std, fifo := queueARN("std"), queueARN("ordered.fifo")
	q := &batchingQueues{flakyQueues: newFlakyQueues(std, fifo), batches: map[string][]int{}}
	svc, c := startService(t, nil, q)
	route(t, c, "", "r", fromApp, types.Target{Id: aws.String("std"), Arn: aws.String(std),
		RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(3)}})
	if _, err := c.PutTargets(context.Background(), &eb.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{{
		Id: aws.String("fifo"), Arn: aws.String(fifo), SqsParameters: &types.SqsParameters{MessageGroupId: aws.String("g")}}}}); err != nil {
		t.Fatal(err)
	}
	var entries []types.PutEventsRequestEntry
	for i := range 10 {
		entries = append(entries, types.PutEventsRequestEntry{Source: aws.String("app"), DetailType: aws.String("t"),
			Detail: aws.String(fmt.Sprintf(`{"i":%d}`, i))})
	}
	q.failNext(std, 2) // the first two of the standard batch fail and are retried
	out, err := c.PutEvents(context.Background(), &eb.PutEventsInput{Entries: entries})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents = %+v, %v", out, err)
	}
	q.mu.Lock()
	got := fmt.Sprint(q.batches)
	q.mu.Unlock()
	if want := fmt.Sprintf("map[%s:[10] %s:[10]]", fifo, std); got != want {
		t.Fatalf("batches %s, want %s", got, want)
	}
	for i, m := range q.messages(fifo) {
		if !strings.Contains(m.Body, fmt.Sprintf(`"detail":{"i":%d}`, i)) || m.MessageDeduplicationID != aws.ToString(out.Entries[i].EventId) {
			t.Fatalf("FIFO message %d: %s (dedup %s)", i, m.Body, m.MessageDeduplicationID)
		}
	}
	eventually(t, "the two retried deliveries", func() bool {
		svc.retry.mu.Lock()
		defer svc.retry.mu.Unlock()
		return len(q.messages(std)) == 10 && len(svc.retry.byID) == 0
	})
}
