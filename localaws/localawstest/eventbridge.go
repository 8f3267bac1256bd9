package localawstest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// CreateBus creates the event bus name.
func CreateBus(tb testing.TB, c *eventbridge.Client, name string) {
	tb.Helper()
	if _, err := c.CreateEventBus(context.Background(), &eventbridge.CreateEventBusInput{Name: aws.String(name)}); err != nil {
		tb.Fatalf("creating bus %s: %v", name, err)
	}
}

// Route puts rule with pattern on bus ("" is the default bus) and, when
// there are any, targets on it; it fails tb unless EventBridge accepted
// them all, and returns the rule's ARN.
func Route(tb testing.TB, c *eventbridge.Client, bus, rule, pattern string, targets ...ebtypes.Target) string {
	tb.Helper()
	ctx := context.Background()
	out, err := c.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(rule), EventBusName: busName(bus),
		EventPattern: aws.String(pattern)})
	if err != nil {
		tb.Fatalf("putting rule %s: %v", rule, err)
	}
	if len(targets) > 0 {
		res, err := c.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule), EventBusName: busName(bus), Targets: targets})
		if err != nil || res.FailedEntryCount != 0 {
			tb.Fatalf("putting the targets of %s: %+v, %v", rule, res, err)
		}
	}
	return aws.ToString(out.RuleArn)
}

// Target is a rule target that sends the whole event to arn.
func Target(id, arn string) ebtypes.Target {
	return ebtypes.Target{Id: aws.String(id), Arn: aws.String(arn)}
}

// Entry is a PutEvents entry for bus ("" is the default bus).
func Entry(bus, source, detailType, detail string) ebtypes.PutEventsRequestEntry {
	return ebtypes.PutEventsRequestEntry{EventBusName: busName(bus), Source: aws.String(source),
		DetailType: aws.String(detailType), Detail: aws.String(detail)}
}

// PutEvents puts entries, fails tb unless EventBridge accepted every one,
// and returns their event ids.
func PutEvents(tb testing.TB, c *eventbridge.Client, entries ...ebtypes.PutEventsRequestEntry) []string {
	tb.Helper()
	out, err := c.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		tb.Fatalf("PutEvents: %v", err)
	}
	ids := make([]string, len(out.Entries))
	for i, e := range out.Entries {
		if e.ErrorCode != nil {
			tb.Fatalf("PutEvents entry %d: %s %s", i, aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
		}
		ids[i] = aws.ToString(e.EventId)
	}
	return ids
}

func busName(bus string) *string {
	if bus == "" {
		return nil
	}
	return aws.String(bus)
}
