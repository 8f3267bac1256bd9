package eventbridge

import (
	"context"
	"errors"
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

func TestRuleLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := startService(t, nil, newFlakyQueues())
	if _, err := c.CreateEventBus(ctx, &eb.CreateEventBusInput{Name: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	pat := `{"source":["licenseflow.payment"]}`
	put, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app"),
		EventPattern: aws.String(pat), Description: aws.String("to the payment queue")})
	if err != nil {
		t.Fatalf("PutRule: %v", err)
	}
	if got, want := aws.ToString(put.RuleArn), "arn:aws:events:us-east-1:000000000000:rule/app/payments"; got != want {
		t.Fatalf("RuleArn = %s, want %s", got, want)
	}
	onDefault, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("payments"), EventPattern: aws.String(pat)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(onDefault.RuleArn), "arn:aws:events:us-east-1:000000000000:rule/payments"; got != want {
		t.Fatalf("default-bus RuleArn = %s, want %s", got, want)
	}
	if _, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("paymentsx"), EventBusName: aws.String("app"),
		EventPattern: aws.String(pat), State: types.RuleStateDisabled}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRule(ctx, &eb.PutRuleInput{Name: aws.String("signup"), EventBusName: aws.String("app"),
		EventPattern: aws.String(pat)}); err != nil {
		t.Fatal(err)
	}

	d, err := c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")})
	if err != nil {
		t.Fatalf("DescribeRule: %v", err)
	}
	if aws.ToString(d.EventPattern) != pat || d.State != types.RuleStateEnabled || aws.ToString(d.EventBusName) != "app" ||
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

	if _, err := c.DisableRule(ctx, &eb.DisableRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	d, _ = c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")})
	if d.State != types.RuleStateDisabled {
		t.Fatalf("after DisableRule state = %s", d.State)
	}
	if _, err := c.EnableRule(ctx, &eb.EnableRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	d, _ = c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")})
	if d.State != types.RuleStateEnabled {
		t.Fatalf("after EnableRule state = %s", d.State)
	}

	// A rule with targets cannot be deleted.
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
	_, err = c.DescribeRule(ctx, &eb.DescribeRuleInput{Name: aws.String("payments"), EventBusName: aws.String("app")})
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
