package eventbridge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func asType[E error](err error) (E, bool) {
	var e E
	ok := errors.As(err, &e)
	return e, ok
}

func TestBusLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := startService(t, nil, newFlakyQueues())

	def, err := c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{})
	if err != nil {
		t.Fatalf("describing the default bus: %v", err)
	}
	if aws.ToString(def.Name) != "default" || aws.ToString(def.Arn) != "arn:aws:events:us-east-1:000000000000:event-bus/default" {
		t.Fatalf("default bus = %s %s", aws.ToString(def.Name), aws.ToString(def.Arn))
	}

	out, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("orders"), Description: aws.String("order events")})
	if err != nil {
		t.Fatalf("CreateEventBus: %v", err)
	}
	if got, want := aws.ToString(out.EventBusArn), "arn:aws:events:us-east-1:000000000000:event-bus/orders"; got != want {
		t.Fatalf("EventBusArn = %s, want %s", got, want)
	}
	if _, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("orders")}); err == nil {
		t.Fatal("creating an existing bus succeeded")
	} else if _, ok := asType[*types.ResourceAlreadyExistsException](err); !ok {
		t.Fatalf("creating an existing bus: %v, want ResourceAlreadyExistsException", err)
	}
	if _, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("orders-archive")}); err != nil {
		t.Fatal(err)
	}

	desc, err := c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: out.EventBusArn})
	if err != nil {
		t.Fatalf("describing by ARN: %v", err)
	}
	if aws.ToString(desc.Description) != "order events" || desc.CreationTime == nil || desc.CreationTime.IsZero() {
		t.Fatalf("described bus = %+v", desc)
	}

	list, err := c.ListEventBuses(ctx, &eb.ListEventBusesInput{NamePrefix: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if names := busNames(list.EventBuses); len(names) != 2 || names[0] != "orders" || names[1] != "orders-archive" {
		t.Fatalf("ListEventBuses(orders) = %v", names)
	}
	first, err := c.ListEventBuses(ctx, &eb.ListEventBusesInput{Limit: aws.Int32(1)})
	if err != nil || len(first.EventBuses) != 1 || first.NextToken == nil {
		t.Fatalf("first page = %+v, %v", first, err)
	}
	rest, err := c.ListEventBuses(ctx, &eb.ListEventBusesInput{NextToken: first.NextToken})
	if err != nil || len(rest.EventBuses) != 2 || rest.NextToken != nil {
		t.Fatalf("second page = %v, %v", busNames(rest.EventBuses), err)
	}

	if _, err := c.DeleteEventBus(ctx, &eb.DeleteEventBusInput{Name: aws.String("default")}); apiCode(err) != "ValidationException" {
		t.Fatalf("deleting the default bus: %v", err)
	}
	if _, err := c.DeleteEventBus(ctx, &eb.DeleteEventBusInput{Name: aws.String("orders")}); err != nil {
		t.Fatalf("DeleteEventBus: %v", err)
	}
	if _, err := c.DeleteEventBus(ctx, &eb.DeleteEventBusInput{Name: aws.String("orders")}); err != nil {
		t.Fatalf("deleting a deleted bus must succeed, as on AWS: %v", err)
	}
	if _, err := c.DescribeEventBus(ctx, &eb.DescribeEventBusInput{Name: aws.String("orders")}); err == nil {
		t.Fatal("describing a deleted bus succeeded")
	} else if _, ok := asType[*types.ResourceNotFoundException](err); !ok {
		t.Fatalf("describing a deleted bus: %v", err)
	}
	for _, bad := range []string{"", "has space", "x/y"} {
		if _, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String(bad)}); apiCode(err) != "ValidationException" {
			t.Errorf("CreateEventBus(%q): %v, want ValidationException", bad, err)
		}
	}
}

func busNames(bs []types.EventBus) []string {
	var names []string
	for _, b := range bs {
		names = append(names, aws.ToString(b.Name))
	}
	return names
}

// TestRuleLifecycle puts rules on a bus of its own and on the default bus,
// reads them back, disables and enables one, and deletes it once its
// targets are gone: each phase works on what the one before left.
func TestRuleLifecycle(t *testing.T) {
	t.Parallel()
	_, c := startService(t, nil, newFlakyQueues())
	if _, err := c.CreateEventBus(context.Background(), &eb.CreateEventBusInput{Name: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	for _, phase := range []struct {
		name string
		run  func(t *testing.T, c *eb.Client)
	}{
		{"PutRule", rulesPut},
		{"DescribeAndList", rulesDescribeAndList},
		{"DisableAndEnable", rulesDisableAndEnable},
		{"DeleteRule", rulesDelete},
	} {
		if !t.Run(phase.name, func(t *testing.T) { phase.run(t, c) }) {
			return
		}
	}
}

// paymentsPattern is the pattern of TestRuleLifecycle's rules.
const paymentsPattern = `{"source":["licenseflow.payment"]}`

// rulesPut puts payments on the buses app and default, the disabled
// paymentsx and signup on app, and checks the ARNs of the first two.
func rulesPut(t *testing.T, c *eb.Client) {
	ctx := context.Background()
	put, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app"),
		EventPattern: aws.String(paymentsPattern), Description: aws.String("to the payment queue")})
	if err != nil {
		t.Fatalf("PutRule: %v", err)
	}
	if got, want := aws.ToString(put.RuleArn), "arn:aws:events:us-east-1:000000000000:rule/app/payments"; got != want {
		t.Fatalf("RuleArn = %s, want %s", got, want)
	}
	onDefault, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("payments"), EventPattern: aws.String(paymentsPattern)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(onDefault.RuleArn), "arn:aws:events:us-east-1:000000000000:rule/payments"; got != want {
		t.Fatalf("default-bus RuleArn = %s, want %s", got, want)
	}
	if _, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("paymentsx"), EventBusName: aws.String("app"),
		EventPattern: aws.String(paymentsPattern), State: types.RuleStateDisabled}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("signup"), EventBusName: aws.String("app"),
		EventPattern: aws.String(paymentsPattern)}); err != nil {
		t.Fatal(err)
	}
}

func rulesDescribeAndList(t *testing.T, c *eb.Client) {
	ctx := context.Background()
	d, err := c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")})
	if err != nil {
		t.Fatalf("DescribeRule: %v", err)
	}
	if aws.ToString(d.EventPattern) != paymentsPattern || d.State != types.RuleStateEnabled || aws.ToString(d.EventBusName) != "app" ||
		aws.ToString(d.Description) != "to the payment queue" {
		t.Fatalf("DescribeRule = %+v", d)
	}

	list, err := c.ListRules(ctx, &eb.ListRulesInput{EventBusName: aws.String("app"), NamePrefix: aws.String("pay")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Rules) != 2 || aws.ToString(list.Rules[0].Name) != "payments" || list.Rules[1].State != types.RuleStateDisabled {
		t.Fatalf("ListRules(pay) = %+v", list.Rules)
	}
}

func rulesDisableAndEnable(t *testing.T, c *eb.Client) {
	ctx := context.Background()
	if _, err := c.DisableRule(ctx, &eb.DisableRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	if state := paymentsState(c); state != types.RuleStateDisabled {
		t.Fatalf("after DisableRule state = %s", state)
	}
	if _, err := c.EnableRule(ctx, &eb.EnableRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	if state := paymentsState(c); state != types.RuleStateEnabled {
		t.Fatalf("after EnableRule state = %s", state)
	}
}

// paymentsState is the state DescribeRule gives of the rule payments on
// the bus app.
func paymentsState(c *eb.Client) types.RuleState {
	d, _ := c.DescribeRule(context.Background(), &eb.DescribeRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")})
	return d.State
}

// rulesDelete deletes payments on app: refused while it has a target,
// then done, and done again as AWS does.
func rulesDelete(t *testing.T, c *eb.Client) {
	ctx := context.Background()
	if _, err := c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("payments"), EventBusName: aws.String("app"),
		Targets: []types.Target{{Id: aws.String("q"), Arn: aws.String(queueARN("payment"))}}}); err != nil {
		t.Fatalf("PutTargets: %v", err)
	}
	if _, err := c.DeleteRule(ctx, &eb.DeleteRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")}); apiCode(err) != "ValidationException" {
		t.Fatalf("deleting a rule with targets: %v, want ValidationException", err)
	}
	if _, err := c.RemoveTargets(ctx, &eb.RemoveTargetsInput{Rule: aws.String("payments"), EventBusName: aws.String("app"),
		Ids: []string{"q"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRule(ctx, &eb.DeleteRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")}); err != nil {
		t.Fatalf("DeleteRule: %v", err)
	}
	if _, err := c.DeleteRule(ctx, &eb.DeleteRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")}); err != nil {
		t.Fatalf("deleting a deleted rule must succeed, as on AWS: %v", err)
	}
	_, err := c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")})
	if _, ok := asType[*types.ResourceNotFoundException](err); !ok {
		t.Fatalf("describing a deleted rule: %v", err)
	}
}

func TestPutRuleErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := startService(t, nil, newFlakyQueues())
	tests := []struct {
		name string
		in   eb.PutRuleInput
		want string
	}{
		{"pattern not JSON", eb.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":`)}, "InvalidEventPatternException"},
		{"no pattern", eb.PutRuleInput{Name: aws.String("r")}, "ValidationException"},
		{"bad name", eb.PutRuleInput{Name: aws.String("a b"), EventPattern: aws.String(`{"source":["x"]}`)}, "ValidationException"},
		{"bad state", eb.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["x"]}`), State: "ON"}, "ValidationException"},
		{"missing bus", eb.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("nope"), EventPattern: aws.String(`{"source":["x"]}`)}, "ResourceNotFoundException"},
		{"schedule not valid", eb.PutRuleInput{Name: aws.String("r"), ScheduleExpression: aws.String("rate(5 minute)")}, "ValidationException"},
		{"schedule on a custom bus", eb.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("app"), ScheduleExpression: aws.String("rate(5 minutes)")}, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.PutRule(ctx, &tt.in)
			if got := apiCode(err); got != tt.want {
				t.Fatalf("PutRule error = %q (%v), want %s", got, err, tt.want)
			}
		})
	}
	_, err := c.EnableRule(ctx, &eb.EnableRuleInput{Name: aws.String("missing")})
	if _, ok := asType[*types.ResourceNotFoundException](err); !ok {
		t.Fatalf("EnableRule(missing): %v", err)
	}
}

func TestPutTargetsValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := startService(t, nil, newFlakyQueues())
	route(t, c, "", "r", `{"source":["s"]}`)
	q := queueARN("q")
	tests := []struct {
		name   string
		target types.Target
	}{
		{"not an SQS ARN", types.Target{Id: aws.String("t"), Arn: aws.String("arn:aws:lambda:us-east-1:000000000000:function:f")}},
		{"bad id", types.Target{Id: aws.String("a b"), Arn: aws.String(q)}},
		{"input and input path", types.Target{Id: aws.String("t"), Arn: aws.String(q), Input: aws.String(`{}`), InputPath: aws.String("$.detail")}},
		{"input not JSON", types.Target{Id: aws.String("t"), Arn: aws.String(q), Input: aws.String(`{`)}},
		{"bad input path", types.Target{Id: aws.String("t"), Arn: aws.String(q), InputPath: aws.String("detail")}},
		{"template not JSON", types.Target{Id: aws.String("t"), Arn: aws.String(q), InputTransformer: &types.InputTransformer{
			InputPathsMap: map[string]string{"a": "$.detail.a"}, InputTemplate: aws.String(`{"a": <a>`)}}},
		{"reserved paths key", types.Target{Id: aws.String("t"), Arn: aws.String(q), InputTransformer: &types.InputTransformer{
			InputPathsMap: map[string]string{"aws.events.event": "$.detail"}, InputTemplate: aws.String(`<aws.events.event>`)}}},
		{"FIFO without group", types.Target{Id: aws.String("t"), Arn: aws.String(queueARN("q.fifo"))}},
		{"retry attempts", types.Target{Id: aws.String("t"), Arn: aws.String(q), RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(186)}}},
		{"event age", types.Target{Id: aws.String("t"), Arn: aws.String(q), RetryPolicy: &types.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(59)}}},
		{"DLQ not SQS", types.Target{Id: aws.String("t"), Arn: aws.String(q), DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String("arn:aws:sns:us-east-1:000000000000:t")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{tt.target}})
			if got := apiCode(err); got != "ValidationException" {
				t.Fatalf("PutTargets error = %q (%v), want ValidationException", got, err)
			}
		})
	}

	_, err := c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("missing"), Targets: []types.Target{{Id: aws.String("t"), Arn: aws.String(q)}}})
	if _, ok := asType[*types.ResourceNotFoundException](err); !ok {
		t.Fatalf("PutTargets on a missing rule: %v", err)
	}

	var five []types.Target
	for i := range 5 {
		five = append(five, types.Target{Id: aws.String(fmt.Sprint("t", i)), Arn: aws.String(q)})
	}
	if _, err := c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("r"), Targets: five}); err != nil {
		t.Fatalf("five targets: %v", err)
	}
	_, err = c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{{Id: aws.String("t5"), Arn: aws.String(q)}}})
	if _, ok := asType[*types.LimitExceededException](err); !ok {
		t.Fatalf("a sixth target: %v, want LimitExceededException", err)
	}
	// Replacing an existing target is not a sixth one.
	if _, err := c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{{Id: aws.String("t0"), Arn: aws.String(q), Input: aws.String(`"x"`)}}}); err != nil {
		t.Fatalf("replacing a target: %v", err)
	}
}

func TestListTargetsByRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := startService(t, nil, newFlakyQueues())
	route(t, c, "", "r", `{"source":["s"]}`)
	want := []types.Target{
		{Id: aws.String("a"), Arn: aws.String(queueARN("a")), InputPath: aws.String("$.detail")},
		{Id: aws.String("b"), Arn: aws.String(queueARN("b.fifo")), SqsParameters: &types.SqsParameters{MessageGroupId: aws.String("g")},
			DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String(queueARN("dlq"))},
			RetryPolicy:      &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(3), MaximumEventAgeInSeconds: aws.Int32(120)}},
		{Id: aws.String("c"), Arn: aws.String(queueARN("c")), InputTransformer: &types.InputTransformer{
			InputPathsMap: map[string]string{"id": "$.detail.id"}, InputTemplate: aws.String(`{"id": <id>}`)}},
	}
	out, err := c.PutTargets(ctx, &eb.PutTargetsInput{Rule: aws.String("r"), Targets: want})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutTargets = %+v, %v", out, err)
	}
	list, err := c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Targets) != 3 {
		t.Fatalf("ListTargetsByRule returned %d targets", len(list.Targets))
	}
	b := list.Targets[1]
	if aws.ToString(b.SqsParameters.MessageGroupId) != "g" || aws.ToString(b.DeadLetterConfig.Arn) != queueARN("dlq") ||
		aws.ToInt32(b.RetryPolicy.MaximumRetryAttempts) != 3 || aws.ToInt32(b.RetryPolicy.MaximumEventAgeInSeconds) != 120 {
		t.Fatalf("target b = %+v", b)
	}
	if aws.ToString(list.Targets[0].InputPath) != "$.detail" || list.Targets[2].InputTransformer.InputPathsMap["id"] != "$.detail.id" {
		t.Fatalf("targets a, c = %+v, %+v", list.Targets[0], list.Targets[2])
	}
	names, err := c.ListRuleNamesByTarget(ctx, &eb.ListRuleNamesByTargetInput{TargetArn: aws.String(queueARN("c"))})
	if err != nil || len(names.RuleNames) != 1 || names.RuleNames[0] != "r" {
		t.Fatalf("ListRuleNamesByTarget = %+v, %v", names, err)
	}
	page1, err := c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r"), Limit: aws.Int32(2)})
	if err != nil || len(page1.Targets) != 2 || page1.NextToken == nil {
		t.Fatalf("page 1 = %+v, %v", page1, err)
	}
	page2, err := c.ListTargetsByRule(ctx, &eb.ListTargetsByRuleInput{Rule: aws.String("r"), NextToken: page1.NextToken})
	if err != nil || len(page2.Targets) != 1 || aws.ToString(page2.Targets[0].Id) != "c" {
		t.Fatalf("page 2 = %+v, %v", page2, err)
	}
}

// TestOutboundGuard: the client of API destinations refuses link-local,
// metadata, unspecified and multicast addresses before it connects (it
// checks the address a name resolved to), and allows loopback and
// private ones.
func TestOutboundGuard(t *testing.T) {
	t.Parallel()
	for addr, refused := range map[string]bool{
		"169.254.169.254:80": true, "169.254.170.2:80": true, "[fe80::1]:443": true, "[fd00:ec2::254]:80": true,
		"[::ffff:169.254.169.254]:80": true, "0.0.0.0:80": true, "[::]:80": true, "224.0.0.1:80": true, "255.255.255.255:80": true,
		"[64:ff9b::a9fe:a9fe]:80": true, "[64:ff9b::a00:102]:80": false,
		"[64:ff9b:1:a9fe:a9:fe00::]:80": true, "[64:ff9b:1:a00:1:200::]:80": false, "[2002:a9fe:a9fe::1]:80": true, "[2002:a00:102::1]:80": false,
		"127.0.0.1:80": false, "[::1]:80": false, "10.1.2.3:443": false, "192.168.0.10:8080": false, "example.com:80": true,
	} {
		if err := guardDial("tcp", addr, nil); (err != nil) != refused {
			t.Errorf("guardDial(%s) = %v, want refused %v", addr, err, refused)
		}
	}
	_, err := newHTTPClient().Get("http://169.254.169.254/latest/meta-data/")
	if !errors.Is(err, errRefusedAddress) {
		t.Fatalf("a call to the metadata address: %v", err)
	}
	if code := errorCode(callError(err)); code != "CONNECTION_FAILURE" || retryable(callError(err)) {
		t.Fatalf("a refused address is %s, retryable %v; want CONNECTION_FAILURE, not retried", code, retryable(callError(err)))
	}
}

// TestOutboundNoRedirectNoProxy: the client of API destinations answers a
// redirect with the redirect itself, never calling where it points (the
// guard saw only the first address), and takes no proxy from the
// environment (a proxy would dial on its behalf, unguarded).
func TestOutboundNoRedirectNoProxy(t *testing.T) {
	t.Parallel()
	var followed atomic.Int32
	there := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
	defer there.Close()
	here := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, there.URL+"/meta-data", http.StatusFound)
	}))
	defer here.Close()
	c := newHTTPClient()
	resp, err := c.Get(here.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || followed.Load() != 0 {
		t.Fatalf("a redirect: status %d, target called %d times; want 302 and none", resp.StatusCode, followed.Load())
	}
	if tr, ok := c.Transport.(*http.Transport); !ok || tr.Proxy != nil {
		t.Fatalf("transport %T takes a proxy", c.Transport)
	}
}

// TestValidName: names and target IDs are [\.\-_A-Za-z0-9]+ within a
// length limit.
func TestValidName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		max  int
		want bool
	}{
		{"orders.v1_Created-2", 64, true}, {strings.Repeat("a", 64), 64, true}, {strings.Repeat("a", 65), 64, false},
		{"", 64, false}, {"a b", 64, false}, {"a/b", 64, false}, {"é", 64, false}, {"a\n", 64, false}, {"a:b", 256, false},
	} {
		if got := validName(tc.s, tc.max); got != tc.want {
			t.Errorf("validName(%q, %d) = %v, want %v", tc.s, tc.max, got, tc.want)
		}
	}
}
