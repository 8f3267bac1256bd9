package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/licenseflow/licenseflow/localaws"
	"github.com/licenseflow/licenseflow/localaws/internal/benchtest"
	"github.com/licenseflow/licenseflow/localaws/localawstest"
)

// ebFixture is one test's clients, bus and queues.
type ebFixture struct {
	t   *testing.T
	ctx context.Context
	eb  *eventbridge.Client
	sqs *sqs.Client
	bus string
}

func newEBFixture(t *testing.T) *ebFixture {
	t.Helper()
	return newEBFixtureWith(t, newEventBridge(t), newSQS(t))
}

// newEBFixtureOn is newEBFixture on a localaws of its own, started with
// cfg (a manual clock, say), so what the test does to it touches no other
// test. It skips when the suite runs against another endpoint.
func newEBFixtureOn(t *testing.T, cfg localaws.Config) *ebFixture {
	t.Helper()
	if externalEndpoint("EVENTBRIDGE") != "" || external() {
		t.Skip("needs a localaws of its own")
	}
	srv := localawstest.Start(t, cfg)
	c := localawstest.Config(srv.URL())
	return newEBFixtureWith(t, eventbridge.NewFromConfig(c), sqs.NewFromConfig(c))
}

func newEBFixtureWith(t *testing.T, eb *eventbridge.Client, sqsc *sqs.Client) *ebFixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	f := &ebFixture{t: t, ctx: ctx, eb: eb, sqs: sqsc, bus: localawstest.FreshName(t, "bus")}
	localawstest.CreateBus(t, eb, f.bus)
	return f
}

// queue creates a queue and returns its URL and ARN.
func (f *ebFixture) queue(prefix string, fifo bool) (string, string) {
	f.t.Helper()
	name := localawstest.FreshName(f.t, prefix)
	if fifo {
		name += ".fifo"
	}
	q := localawstest.CreateQueue(f.t, f.sqs, name, nil)
	return q.URL, q.ARN
}

// route puts a rule with pattern on the fixture's bus and the given targets.
func (f *ebFixture) route(rule, pattern string, targets ...ebtypes.Target) string {
	f.t.Helper()
	return localawstest.Route(f.t, f.eb, f.bus, rule, pattern, targets...)
}

func (f *ebFixture) entry(source, detailType, detail string) ebtypes.PutEventsRequestEntry {
	return localawstest.Entry(f.bus, source, detailType, detail)
}

// put sends entries and fails the test unless every one is accepted; it
// returns the event ids.
func (f *ebFixture) put(entries ...ebtypes.PutEventsRequestEntry) []string {
	f.t.Helper()
	return localawstest.PutEvents(f.t, f.eb, entries...)
}

// receive waits for n messages on url (with all attributes) and deletes them.
func (f *ebFixture) receive(url string, n int) []sqstypes.Message {
	f.t.Helper()
	var got []sqstypes.Message
	deadline := time.Now().Add(60 * time.Second)
	for len(got) < n {
		if time.Now().After(deadline) {
			f.t.Fatalf("received %d of %d messages from %s", len(got), n, url)
		}
		out, err := f.sqs.ReceiveMessage(f.ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
			MaxNumberOfMessages: int32(min(10, n-len(got))), WaitTimeSeconds: 2,
			MessageAttributeNames:       []string{"All"},
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
		if err != nil {
			f.t.Fatalf("ReceiveMessage: %v", err)
		}
		for _, m := range out.Messages {
			got = append(got, m)
			if _, err := f.sqs.DeleteMessage(f.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				f.t.Fatalf("DeleteMessage: %v", err)
			}
		}
	}
	return got
}

// expectEmpty checks that url holds no message. PutEvents delivers before
// it answers, so a short poll after it is conclusive.
func (f *ebFixture) expectEmpty(url string) {
	f.t.Helper()
	out, err := f.sqs.ReceiveMessage(f.ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1, MaxNumberOfMessages: 10})
	if err != nil {
		f.t.Fatalf("ReceiveMessage: %v", err)
	}
	for _, m := range out.Messages {
		f.t.Errorf("unexpected message: %s", aws.ToString(m.Body))
	}
}

func ebErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// envelopeKeys returns the top-level keys of a JSON object in order.
func envelopeKeys(t *testing.T, body string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("body is not a JSON object: %s", body)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("reading %s: %v", body, err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("reading %s: %v", body, err)
		}
	}
	return keys
}

func TestEventBridgeBuses(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	d, err := f.eb.DescribeEventBus(f.ctx, &eventbridge.DescribeEventBusInput{Name: aws.String(f.bus)})
	if err != nil {
		t.Fatalf("DescribeEventBus: %v", err)
	}
	if !strings.HasSuffix(aws.ToString(d.Arn), ":event-bus/"+f.bus) {
		t.Fatalf("bus ARN %s", aws.ToString(d.Arn))
	}
	_, err = f.eb.CreateEventBus(f.ctx, &eventbridge.CreateEventBusInput{Name: aws.String(f.bus)})
	wantErrorType[*ebtypes.ResourceAlreadyExistsException](t, err)
	list, err := f.eb.ListEventBuses(f.ctx, &eventbridge.ListEventBusesInput{NamePrefix: aws.String(f.bus)})
	if err != nil || len(list.EventBuses) != 1 || aws.ToString(list.EventBuses[0].Name) != f.bus {
		t.Fatalf("ListEventBuses = %+v, %v", list, err)
	}
	def, err := f.eb.DescribeEventBus(f.ctx, &eventbridge.DescribeEventBusInput{})
	if err != nil || aws.ToString(def.Name) != "default" {
		t.Fatalf("the default bus: %+v, %v", def, err)
	}
	if _, err := f.eb.DeleteEventBus(f.ctx, &eventbridge.DeleteEventBusInput{Name: aws.String(f.bus)}); err != nil {
		t.Fatalf("DeleteEventBus: %v", err)
	}
	_, err = f.eb.DescribeEventBus(f.ctx, &eventbridge.DescribeEventBusInput{Name: aws.String(f.bus)})
	wantErrorType[*ebtypes.ResourceNotFoundException](t, err)
}

func TestEventBridgeRules(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	_, qarn := f.queue("eb-rules", false)
	arn := f.route("orders", `{"source":["shop"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(qarn)})
	if want := ":rule/" + f.bus + "/orders"; !strings.HasSuffix(arn, want) {
		t.Fatalf("RuleArn %s, want suffix %s", arn, want)
	}
	for _, bad := range []string{`{"source":`, `{"source":"shop"}`, `{"detail":{"n":[{"numeric":["<"]}]}}`, `[]`} {
		_, err := f.eb.PutRule(f.ctx, &eventbridge.PutRuleInput{Name: aws.String("bad"), EventBusName: aws.String(f.bus), EventPattern: aws.String(bad)})
		var invalid *ebtypes.InvalidEventPatternException
		if !errors.As(err, &invalid) {
			t.Errorf("PutRule(%s): %v, want InvalidEventPatternException", bad, err)
		}
	}
	rules, err := f.eb.ListRules(f.ctx, &eventbridge.ListRulesInput{EventBusName: aws.String(f.bus)})
	if err != nil || len(rules.Rules) != 1 || aws.ToString(rules.Rules[0].Name) != "orders" || rules.Rules[0].State != ebtypes.RuleStateEnabled {
		t.Fatalf("ListRules = %+v, %v", rules, err)
	}
	_, err = f.eb.DeleteRule(f.ctx, &eventbridge.DeleteRuleInput{Name: aws.String("orders"), EventBusName: aws.String(f.bus)})
	if ebErrorCode(err) != "ValidationException" {
		t.Fatalf("deleting a rule with targets: %v", err)
	}
	targets, err := f.eb.ListTargetsByRule(f.ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("orders"), EventBusName: aws.String(f.bus)})
	if err != nil || len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != qarn {
		t.Fatalf("ListTargetsByRule = %+v, %v", targets, err)
	}
	if _, err := f.eb.RemoveTargets(f.ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("orders"), EventBusName: aws.String(f.bus), Ids: []string{"q"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.eb.DeleteRule(f.ctx, &eventbridge.DeleteRuleInput{Name: aws.String("orders"), EventBusName: aws.String(f.bus)}); err != nil {
		t.Fatalf("DeleteRule: %v", err)
	}
	_, err = f.eb.DescribeRule(f.ctx, &eventbridge.DescribeRuleInput{Name: aws.String("orders"), EventBusName: aws.String(f.bus)})
	wantErrorType[*ebtypes.ResourceNotFoundException](t, err)
}

func TestEventBridgeDeliversTheEnvelope(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	url, qarn := f.queue("eb-envelope", false)
	f.route("paid", `{"source":["licenseflow.payment"],"detail-type":["Invoice Paid"],"detail":{"amount":[{"numeric":[">",0]}]}}`,
		ebtypes.Target{Id: aws.String("q"), Arn: aws.String(qarn)})
	at := time.Date(2026, 5, 6, 7, 8, 9, 500_000_000, time.UTC)
	e := f.entry("licenseflow.payment", "Invoice Paid", "{\n  \"amount\": 1200, \"company\": {\"id\": \"c-1\"}, \"note\": \"<b>&\"\n}")
	e.Time = aws.Time(at)
	e.Resources = []string{"arn:aws:license:us-east-1:000000000000:company/c-1"}
	ids := f.put(e, f.entry("licenseflow.payment", "Invoice Paid", `{"amount":0}`), f.entry("other", "Invoice Paid", `{"amount":5}`))

	m := f.receive(url, 1)[0]
	body := aws.ToString(m.Body)
	wantKeys := []string{"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
	if keys := envelopeKeys(t, body); !reflect.DeepEqual(keys, wantKeys) {
		t.Fatalf("envelope keys %v, want %v", keys, wantKeys)
	}
	// It is the event a Lambda function reads, in AWS's own Go type for it.
	var env awsevents.EventBridgeEvent
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatal(err)
	}
	if env.Version != "0" || env.ID != ids[0] || env.DetailType != "Invoice Paid" || env.Source != "licenseflow.payment" ||
		env.AccountID != "000000000000" || !strings.Contains(body, `"time":"2026-05-06T07:08:09Z"`) || env.Region != "us-east-1" ||
		!reflect.DeepEqual(env.Resources, e.Resources) {
		t.Fatalf("envelope %s", body)
	}
	var detail, want any
	_ = json.Unmarshal(env.Detail, &detail)
	_ = json.Unmarshal([]byte(aws.ToString(e.Detail)), &want)
	if !reflect.DeepEqual(detail, want) || bytes.ContainsAny(env.Detail, "\n ") {
		t.Fatalf("detail %s, want %s compacted", env.Detail, aws.ToString(e.Detail))
	}
	f.expectEmpty(url) // amount 0 and source "other" do not match

	// Without Time, the event's time is the PutEvents time, to the second.
	before := time.Now().UTC().Truncate(time.Second)
	f.put(f.entry("licenseflow.payment", "Invoice Paid", `{"amount":1}`))
	body = aws.ToString(f.receive(url, 1)[0].Body)
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatal(err)
	}
	if env.Time.Before(before) || env.Time.After(time.Now().Add(time.Second)) || len(env.Resources) != 0 || !strings.Contains(body, `"resources":[]`) {
		t.Fatalf("envelope without Time: %s", body)
	}
}

func TestEventBridgeDisabledRule(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	url, qarn := f.queue("eb-disabled", false)
	f.route("r", `{"source":["app"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(qarn)})
	if _, err := f.eb.DisableRule(f.ctx, &eventbridge.DisableRuleInput{Name: aws.String("r"), EventBusName: aws.String(f.bus)}); err != nil {
		t.Fatal(err)
	}
	f.put(f.entry("app", "t", `{"n":1}`))
	f.expectEmpty(url)
	if _, err := f.eb.EnableRule(f.ctx, &eventbridge.EnableRuleInput{Name: aws.String("r"), EventBusName: aws.String(f.bus)}); err != nil {
		t.Fatal(err)
	}
	f.put(f.entry("app", "t", `{"n":2}`))
	if body := aws.ToString(f.receive(url, 1)[0].Body); !strings.Contains(body, `"detail":{"n":2}`) {
		t.Fatalf("after EnableRule got %s", body)
	}
}

func TestEventBridgeInputTransformation(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	rawURL, rawARN := f.queue("eb-input", false)
	pathURL, pathARN := f.queue("eb-path", false)
	tplURL, tplARN := f.queue("eb-tpl", false)
	textURL, textARN := f.queue("eb-text", false)
	ruleARN := f.route("license", `{"source":["licenseflow.payment"]}`,
		ebtypes.Target{Id: aws.String("raw"), Arn: aws.String(rawARN), Input: aws.String(`{"fixed":true}`)},
		ebtypes.Target{Id: aws.String("path"), Arn: aws.String(pathARN), InputPath: aws.String("$.detail.company")},
		ebtypes.Target{Id: aws.String("tpl"), Arn: aws.String(tplARN), InputTransformer: &ebtypes.InputTransformer{
			InputPathsMap: map[string]string{"company": "$.detail.company.id", "seats": "$.detail.seats", "type": "$.detail-type"},
			InputTemplate: aws.String(`{"company": <company>, "label": "company <company> has <seats> seats", "seats": <seats>, ` +
				`"rule": "<aws.events.rule-name>", "ruleArn": <aws.events.rule-arn>, "type": "<type>", "event": <aws.events.event>}`)}},
		ebtypes.Target{Id: aws.String("text"), Arn: aws.String(textARN), InputTransformer: &ebtypes.InputTransformer{
			InputPathsMap: map[string]string{"company": "$.detail.company.id"},
			InputTemplate: aws.String(`License for <company> issued`)}},
	)
	id := f.put(f.entry("licenseflow.payment", "License Issued", `{"company":{"id":"c-\"9\"","name":"Acme"},"seats":25}`))[0]

	if got := aws.ToString(f.receive(rawURL, 1)[0].Body); got != `{"fixed":true}` {
		t.Errorf("Input target got %s", got)
	}
	if got := aws.ToString(f.receive(pathURL, 1)[0].Body); got != `{"id":"c-\"9\"","name":"Acme"}` {
		t.Errorf("InputPath target got %s", got)
	}
	if got := aws.ToString(f.receive(textURL, 1)[0].Body); got != `License for c-"9" issued` {
		t.Errorf("text template target got %s", got)
	}
	body := aws.ToString(f.receive(tplURL, 1)[0].Body)
	var got struct {
		Company string          `json:"company"`
		Label   string          `json:"label"`
		Seats   int             `json:"seats"`
		Rule    string          `json:"rule"`
		RuleARN string          `json:"ruleArn"`
		Type    string          `json:"type"`
		Event   json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("template output is not JSON: %s", body)
	}
	var event struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(got.Event, &event)
	if got.Company != `c-"9"` || got.Label != `company c-"9" has 25 seats` || got.Seats != 25 || got.Rule != "license" ||
		got.RuleARN != ruleARN || got.Type != "License Issued" || event.ID != id {
		t.Fatalf("template output %s", body)
	}
}

func TestEventBridgeFIFOTarget(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	url, qarn := f.queue("eb-fifo", true)
	f.route("ordered", `{"source":["app"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(qarn),
		SqsParameters: &ebtypes.SqsParameters{MessageGroupId: aws.String("company-1")}})
	_, err := f.eb.PutTargets(f.ctx, &eventbridge.PutTargetsInput{Rule: aws.String("ordered"), EventBusName: aws.String(f.bus),
		Targets: []ebtypes.Target{{Id: aws.String("nogroup"), Arn: aws.String(qarn)}}})
	if ebErrorCode(err) != "ValidationException" {
		t.Fatalf("a FIFO target without MessageGroupId: %v", err)
	}
	var entries []ebtypes.PutEventsRequestEntry
	for i := range 5 {
		entries = append(entries, f.entry("app", "t", fmt.Sprintf(`{"seq":%d}`, i)))
	}
	ids := f.put(entries...)
	msgs := f.receive(url, 5)
	for i, m := range msgs {
		if !strings.Contains(aws.ToString(m.Body), fmt.Sprintf(`"detail":{"seq":%d}`, i)) {
			t.Errorf("message %d out of order: %s", i, aws.ToString(m.Body))
		}
		if g := m.Attributes["MessageGroupId"]; g != "company-1" {
			t.Errorf("message %d MessageGroupId %q", i, g)
		}
		if d := m.Attributes["MessageDeduplicationId"]; d != ids[i] {
			t.Errorf("message %d MessageDeduplicationId %q, want the event id %s", i, d, ids[i])
		}
	}
}

func TestEventBridgePartialFailure(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	url, qarn := f.queue("eb-partial", false)
	f.route("r", `{"source":["app"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(qarn)})
	out, err := f.eb.PutEvents(f.ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		f.entry("app", "t", `{"ok":1}`),
		f.entry("app", "t", `{"broken":`),
		{EventBusName: aws.String(f.bus), DetailType: aws.String("t"), Detail: aws.String(`{}`)},
		f.entry("app", "t", `{"big":"`+strings.Repeat("x", 1<<20)+`"}`),
		{EventBusName: aws.String(localawstest.FreshName(t, "nobus")), Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(`{}`)},
		f.entry("app", "t", `{"ok":2}`),
	}})
	if err != nil {
		t.Fatalf("PutEvents: %v", err)
	}
	if out.FailedEntryCount != 4 {
		t.Fatalf("FailedEntryCount = %d, want 4", out.FailedEntryCount)
	}
	for i, e := range out.Entries {
		failed := e.ErrorCode != nil
		if want := i >= 1 && i <= 4; failed != want || (failed && (e.EventId != nil || aws.ToString(e.ErrorMessage) == "")) ||
			(!failed && aws.ToString(e.EventId) == "") {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
	if code := aws.ToString(out.Entries[1].ErrorCode); code != "MalformedDetail" {
		t.Errorf("malformed detail: ErrorCode %s", code)
	}
	msgs := f.receive(url, 2)
	var bodies []string
	for _, m := range msgs {
		bodies = append(bodies, aws.ToString(m.Body))
	}
	all := strings.Join(bodies, "\n")
	if !strings.Contains(all, `{"ok":1}`) || !strings.Contains(all, `{"ok":2}`) {
		t.Fatalf("delivered %v", bodies)
	}
	f.expectEmpty(url)
}

func TestEventBridgeRetryThenTargetDLQ(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	dlqURL, dlqARN := f.queue("eb-target-dlq", false)
	// A queue that does not exist: every delivery fails.
	missingARN := dlqARN[:strings.LastIndexByte(dlqARN, ':')+1] + localawstest.FreshName(t, "eb-missing")
	ruleARN := f.route("doomed", `{"source":["app"]}`, ebtypes.Target{Id: aws.String("gone"), Arn: aws.String(missingARN),
		DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlqARN)},
		RetryPolicy:      &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(1), MaximumEventAgeInSeconds: aws.Int32(60)}})
	id := f.put(f.entry("app", "t", `{"n":1}`))[0]

	m := f.receive(dlqURL, 1)[0]
	var env struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil || env.ID != id {
		t.Fatalf("DLQ body %s: want the event %s", aws.ToString(m.Body), id)
	}
	attr := func(name string) string {
		v, ok := m.MessageAttributes[name]
		if !ok || aws.ToString(v.DataType) != "String" {
			t.Errorf("attribute %s missing or not a String: %+v", name, v)
		}
		return aws.ToString(v.StringValue)
	}
	if got := attr("RULE_ARN"); got != ruleARN {
		t.Errorf("RULE_ARN %s, want %s", got, ruleARN)
	}
	if got := attr("TARGET_ARN"); got != missingARN {
		t.Errorf("TARGET_ARN %s, want %s", got, missingARN)
	}
	if attr("ERROR_CODE") == "" || attr("ERROR_MESSAGE") == "" {
		t.Error("ERROR_CODE and ERROR_MESSAGE must say why")
	}
}

func TestEventBridgeRetryDeliversOnceTheQueueExists(t *testing.T) {
	t.Parallel()
	f := newEBFixture(t)
	_, probeARN := f.queue("eb-probe", false)
	name := localawstest.FreshName(t, "eb-late")
	lateARN := probeARN[:strings.LastIndexByte(probeARN, ':')+1] + name
	f.route("late", `{"source":["app"]}`, ebtypes.Target{Id: aws.String("late"), Arn: aws.String(lateARN),
		RetryPolicy: &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(20)}})
	id := f.put(f.entry("app", "t", `{"n":1}`))[0] // acknowledged: recorded for retry
	out, err := f.sqs.CreateQueue(f.ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	m := f.receive(aws.ToString(out.QueueUrl), 1)[0]
	if !strings.Contains(aws.ToString(m.Body), id) {
		t.Fatalf("got %s, want event %s", aws.ToString(m.Body), id)
	}
}

func TestEventBridgeTestEventPattern(t *testing.T) {
	t.Parallel()
	c := newEventBridge(t)
	ctx := context.Background()
	event := `{"id":"1","account":"000000000000","source":"shop","time":"2026-01-01T00:00:00Z","region":"us-east-1",` +
		`"resources":[],"detail-type":"Order Placed","detail":{"total":30,"country":"DE"}}`
	tests := []struct {
		pattern string
		want    bool
	}{
		{`{"source":["shop"]}`, true},
		{`{"source":["other"]}`, false},
		{`{"detail":{"total":[{"numeric":[">",20]}],"country":["DE","FR"]}}`, true},
		{`{"detail":{"total":[{"numeric":[">",50]}]}}`, false},
		{`{"detail-type":[{"prefix":"Order"}]}`, true},
	}
	for _, tt := range tests {
		out, err := c.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{Event: aws.String(event), EventPattern: aws.String(tt.pattern)})
		if err != nil {
			t.Fatalf("TestEventPattern(%s): %v", tt.pattern, err)
		}
		if out.Result != tt.want {
			t.Errorf("TestEventPattern(%s) = %v, want %v", tt.pattern, out.Result, tt.want)
		}
	}
	_, err := c.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{Event: aws.String(`{"source":"shop"}`), EventPattern: aws.String(`{"source":["shop"]}`)})
	if ebErrorCode(err) != "ValidationException" {
		t.Errorf("an event without its required fields: %v", err)
	}
	_, err = c.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{Event: aws.String(event), EventPattern: aws.String(`{"source":"shop"}`)})
	var invalid *ebtypes.InvalidEventPatternException
	if !errors.As(err, &invalid) {
		t.Errorf("an invalid pattern: %v", err)
	}
}

const (
	benchClients = 8
	benchBatch   = 10
)

// BenchmarkEventBridgePutEventsToSQS measures PutEvents→SQS delivery: 8
// goroutines put batches of 10 events that one rule routes to a standard
// queue (PutEvents answers once each delivery is durable). The baseline
// sends the same envelopes straight to a queue with SendMessageBatch, so
// the gap is what routing costs. Durable when LOCALAWS_TEST_DATA is set:
//
//	LOCALAWS_TEST_DATA=$(mktemp -d) go test -run - -bench EventBridge ./localaws/conformance
func BenchmarkEventBridgePutEventsToSQS(b *testing.B) {
	ctx := context.Background()
	ebc, sqsc := newEventBridge(b), newSQS(b)
	detail := `{"company":{"id":"c-1","name":"Acme"},"plan":"team","seats":25,"note":"` + strings.Repeat("x", 380) + `"}`

	queue := func(prefix string) (string, string) {
		q := localawstest.CreateQueue(b, sqsc, localawstest.FreshName(b, prefix), nil)
		return q.URL, q.ARN
	}
	depth := func(url string) int {
		visible, _, _ := localawstest.Counts(b, sqsc, url)
		return visible
	}

	b.Run("PutEvents", func(b *testing.B) {
		bus := localawstest.FreshName(b, "bench-bus")
		localawstest.CreateBus(b, ebc, bus)
		url, arn := queue("bench-eb")
		// A few rules that do not match, as on a real bus, and the one that does.
		for i := range 4 {
			localawstest.Route(b, ebc, bus, fmt.Sprint("other-", i), fmt.Sprintf(`{"source":["other-%d"]}`, i))
		}
		localawstest.Route(b, ebc, bus, "licenses", `{"source":["licenseflow.payment"],"detail-type":["License Issued"]}`,
			localawstest.Target("q", arn))
		entries := make([]ebtypes.PutEventsRequestEntry, benchBatch)
		for i := range entries {
			entries[i] = localawstest.Entry(bus, "licenseflow.payment", "License Issued", detail)
		}
		runBatches(b, func(n int) error {
			out, err := ebc.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries[:n]})
			if err == nil && out.FailedEntryCount > 0 {
				err = fmt.Errorf("%d entries failed: %s", out.FailedEntryCount, aws.ToString(out.Entries[0].ErrorMessage))
			}
			return err
		})
		if got := depth(url); got != b.N {
			b.Fatalf("%d events delivered, want %d", got, b.N)
		}
	})

	b.Run("SendMessageBatch-baseline", func(b *testing.B) {
		url, _ := queue("bench-base")
		envelope := `{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"License Issued",` +
			`"source":"licenseflow.payment","account":"000000000000","time":"2026-01-01T00:00:00Z","region":"us-east-1",` +
			`"resources":[],"detail":` + detail + `}`
		entries := make([]sqstypes.SendMessageBatchRequestEntry, benchBatch)
		for i := range entries {
			entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(envelope)}
		}
		runBatches(b, func(n int) error {
			out, err := sqsc.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries[:n]})
			if err == nil && len(out.Failed) > 0 {
				err = fmt.Errorf("%d entries failed: %s", len(out.Failed), aws.ToString(out.Failed[0].Message))
			}
			return err
		})
		if got := depth(url); got != b.N {
			b.Fatalf("%d messages sent, want %d", got, b.N)
		}
	})
}

// runBatches sends b.N items in batches of benchBatch from benchClients
// goroutines and reports items per second.
func runBatches(b *testing.B, send func(n int) error) {
	b.Helper()
	benchtest.Run(b, benchClients, (b.N+benchBatch-1)/benchBatch, "events/s", func(i int) (int, error) {
		n := min(benchBatch, b.N-i*benchBatch)
		return n, send(n)
	})
}
