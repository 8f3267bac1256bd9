package console

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
)

// ruleInfo is a rule of the bus and its targets.
type ruleInfo struct {
	Name, ARN, Pattern string
	Enabled            bool
	Targets            []targetInfo
}

// targetInfo is a rule's target: the queue it delivers to and the queue
// that receives what it cannot deliver.
type targetInfo struct {
	ID, ARN, DLQ string
}

// rulesTTL is how long the bus's rules are reused before they are listed
// again.
const rulesTTL = 15 * time.Second

// topology caches the bus's rules and their targets.
type topology struct {
	c *Console

	mu    sync.Mutex
	at    time.Time
	cache []ruleInfo
}

// rules returns the bus's rules (the console's own tail rules left out).
func (t *topology) rules(ctx context.Context) ([]ruleInfo, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.at.IsZero() && time.Since(t.at) < rulesTTL {
		return t.cache, nil
	}
	rules, err := t.list(ctx)
	if err != nil {
		return t.cache, err
	}
	t.cache, t.at = rules, time.Now()
	return rules, nil
}

func (t *topology) list(ctx context.Context) ([]ruleInfo, error) {
	api := t.c.cfg.Events
	var rules []ruleInfo
	in := &eventbridge.ListRulesInput{EventBusName: aws.String(t.c.cfg.Bus), Limit: aws.Int32(100)}
	for {
		out, err := api.ListRules(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing the rules of %s: %w", t.c.cfg.Bus, err)
		}
		for _, r := range out.Rules {
			if strings.HasPrefix(aws.ToString(r.Name), TailPrefix) {
				continue
			}
			rules = append(rules, ruleInfo{Name: aws.ToString(r.Name), ARN: aws.ToString(r.Arn),
				Pattern: aws.ToString(r.EventPattern), Enabled: r.State == "ENABLED"})
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	for i := range rules {
		tin := &eventbridge.ListTargetsByRuleInput{Rule: aws.String(rules[i].Name), EventBusName: aws.String(t.c.cfg.Bus)}
		for {
			out, err := api.ListTargetsByRule(ctx, tin)
			if err != nil {
				return nil, fmt.Errorf("listing the targets of %s: %w", rules[i].Name, err)
			}
			for _, tg := range out.Targets {
				ti := targetInfo{ID: aws.ToString(tg.Id), ARN: aws.ToString(tg.Arn)}
				if tg.DeadLetterConfig != nil {
					ti.DLQ = aws.ToString(tg.DeadLetterConfig.Arn)
				}
				rules[i].Targets = append(rules[i].Targets, ti)
			}
			if aws.ToString(out.NextToken) == "" {
				break
			}
			tin.NextToken = out.NextToken
		}
	}
	return rules, nil
}
