package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/licenseflow/licenseflow/localaws"
	lfeb "github.com/licenseflow/licenseflow/localaws/eventbridge"
)

// TailPrefix starts the names of the temporary rule and queue the console
// tails the bus through where localaws's TailEvents is not served. The
// console deletes them when it stops; one left behind (the console was
// killed) is safe to delete.
const TailPrefix = "licenseflow-console-tail-"

// tailSource is where the live tail's events come from.
type tailSource interface {
	// poll waits (up to about 20 s) for events and returns them.
	poll(ctx context.Context) ([]BusEvent, error)
	// how says how the tail works, for the events page.
	how() string
	// close removes what the tail created.
	close(ctx context.Context) error
}

// startTail picks the tail: localaws's TailEvents where the EventBridge
// endpoint serves it (unless Config.TailRule), else a temporary rule and
// queue.
func (c *Console) startTail(ctx context.Context) (tailSource, error) {
	if c.ext.events != nil && !c.cfg.TailRule {
		t := &localTail{c: c}
		out, err := c.ext.events.TailEvents(ctx, &lfeb.TailInput{MaxResults: aws.Int32(200)})
		if err == nil {
			t.first = t.convert(out)
			return t, nil
		}
		if !errors.Is(err, localaws.ErrNoExtensions) {
			return nil, fmt.Errorf("console: following the bus: %w", err)
		}
	}
	return newRuleTail(ctx, c)
}

// follow feeds the journal from the tail until ctx ends.
func (c *Console) follow(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		evs, err := c.tail.poll(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			c.cfg.Logger.Warn("console: following the bus", "err", err, "retry_in", backoff)
			c.journal.note("the tail failed, retrying: " + err.Error())
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			backoff = min(2*backoff, 30*time.Second)
			continue
		}
		backoff = time.Second
		c.journal.addEvents(evs)
	}
}

// localTail follows a localaws's journal with TailEvents: every event of
// the bus with the rules it matched and the outcome of each delivery.
type localTail struct {
	c     *Console
	after *int64
	first []BusEvent
}

func (t *localTail) how() string {
	return "localaws TailEvents: every event the bus accepted, the rules it matched and what became of each delivery"
}

func (t *localTail) poll(ctx context.Context) ([]BusEvent, error) {
	if t.first != nil {
		evs := t.first
		t.first = nil
		return evs, nil
	}
	out, err := t.c.ext.events.TailEvents(ctx, &lfeb.TailInput{After: t.after, MaxResults: aws.Int32(500), WaitTimeSeconds: aws.Int32(20)})
	if err != nil {
		return nil, err
	}
	if out.Missed {
		t.c.journal.note("events came faster than the console read them: some are not shown")
	}
	return t.convert(out), nil
}

func (t *localTail) convert(out *lfeb.TailOutput) []BusEvent {
	seq := out.Sequence
	t.after = &seq
	evs := []BusEvent{}
	for _, te := range out.Events {
		if te.EventBusName != t.c.cfg.Bus {
			continue
		}
		e, ok := busEvent(te.Event, time.UnixMilli(te.IngestedAt))
		if !ok {
			continue
		}
		for _, r := range te.Rules {
			mr := MatchedRule{Name: r.Name}
			for _, tg := range r.Targets {
				mr.Targets = append(mr.Targets, Delivery{Queue: queueName(tg.Arn), Outcome: tg.Outcome, Error: tg.Error})
			}
			e.Rules = append(e.Rules, mr)
		}
		evs = append(evs, e)
	}
	return evs
}

func (t *localTail) close(context.Context) error { return nil }

// ruleTail follows the bus through a rule of its own that matches every
// event and delivers it to a queue of its own; the rules each event
// matched come from TestEventPattern.
type ruleTail struct {
	c             *Console
	name          string
	ruleARN, qURL string
	created       time.Time
	leftover      []string
}

// tailPattern matches every event.
const tailPattern = `{"source":[{"prefix":""}]}`

func newRuleTail(ctx context.Context, c *Console) (*ruleTail, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	t := &ruleTail{c: c, name: TailPrefix + hex.EncodeToString(b[:]), created: time.Now().UTC()}
	t.findLeftovers(ctx)
	desc := "Temporary: the licenseflow console's live tail, created " + t.created.Format(time.RFC3339) +
		"; the console deletes it when it stops, and one left behind is safe to delete."
	r, err := c.cfg.Events.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(t.name), EventBusName: aws.String(c.cfg.Bus),
		EventPattern: aws.String(tailPattern), State: ebtypes.RuleStateEnabled, Description: aws.String(desc)})
	if err != nil {
		return nil, fmt.Errorf("console: creating the tail rule: %w", err)
	}
	t.ruleARN = aws.ToString(r.RuleArn)
	policy, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]string{"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
		"Resource": "*", "Condition": map[string]any{"ArnEquals": map[string]string{"aws:SourceArn": t.ruleARN}}}}})
	q, err := c.cfg.SQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(t.name),
		Attributes: map[string]string{"MessageRetentionPeriod": "3600", "Policy": string(policy)},
		Tags:       map[string]string{"licenseflow": "console-tail"}})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("console: creating the tail queue: %w", err), t.close(context.WithoutCancel(ctx)))
	}
	t.qURL = aws.ToString(q.QueueUrl)
	a, err := c.cfg.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err == nil {
		_, err = c.cfg.Events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(t.name), EventBusName: aws.String(c.cfg.Bus),
			Targets: []ebtypes.Target{{Id: aws.String("tail"), Arn: aws.String(a.Attributes["QueueArn"])}}})
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("console: connecting the tail rule to its queue: %w", err), t.close(context.WithoutCancel(ctx)))
	}
	return t, nil
}

// findLeftovers logs the tail rules and queues of consoles that did not
// stop cleanly.
func (t *ruleTail) findLeftovers(ctx context.Context) {
	rules, err := t.c.cfg.Events.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: aws.String(t.c.cfg.Bus), NamePrefix: aws.String(TailPrefix)})
	if err == nil {
		for _, r := range rules.Rules {
			t.leftover = append(t.leftover, "rule "+aws.ToString(r.Name))
		}
	}
	qs, err := t.c.cfg.SQS.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(TailPrefix)})
	if err == nil {
		for _, u := range qs.QueueUrls {
			t.leftover = append(t.leftover, "queue "+queueName(u))
		}
	}
	if len(t.leftover) > 0 {
		t.c.cfg.Logger.Warn("console: tail rules or queues of another console (running, or killed before it removed them)",
			"found", strings.Join(t.leftover, ", "))
	}
}

func (t *ruleTail) how() string {
	s := "temporary rule and queue " + t.name + " (deleted when the console stops); the rules each event matched come from TestEventPattern"
	if len(t.leftover) > 0 {
		s += "; found from other consoles (delete them if none runs): " + strings.Join(t.leftover, ", ")
	}
	return s
}

func (t *ruleTail) poll(ctx context.Context) ([]BusEvent, error) {
	out, err := t.c.cfg.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(t.qURL),
		MaxNumberOfMessages: 10, WaitTimeSeconds: 20, VisibilityTimeout: 30})
	if err != nil || len(out.Messages) == 0 {
		return nil, err
	}
	rules, rerr := t.c.topo.rules(ctx)
	var evs []BusEvent
	del := &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(t.qURL)}
	for i, m := range out.Messages {
		del.Entries = append(del.Entries, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
		e, ok := busEvent(aws.ToString(m.Body), time.Now())
		if !ok {
			continue
		}
		if rerr != nil {
			e.MatchError = rerr.Error()
		} else {
			e.Rules, e.MatchError = t.match(ctx, rules, aws.ToString(m.Body))
		}
		evs = append(evs, e)
	}
	if _, err := t.c.cfg.SQS.DeleteMessageBatch(context.WithoutCancel(ctx), del); err != nil {
		t.c.cfg.Logger.Warn("console: deleting tailed events", "err", err)
	}
	return evs, nil
}

// match asks TestEventPattern which enabled rules match event.
func (t *ruleTail) match(ctx context.Context, rules []ruleInfo, event string) ([]MatchedRule, string) {
	var out []MatchedRule
	for _, r := range rules {
		if !r.Enabled || r.Pattern == "" {
			continue
		}
		res, err := t.c.cfg.Events.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: aws.String(r.Pattern), Event: aws.String(event)})
		if err != nil {
			return out, "TestEventPattern: " + err.Error()
		}
		if !res.Result {
			continue
		}
		mr := MatchedRule{Name: r.Name}
		for _, tg := range r.Targets {
			mr.Targets = append(mr.Targets, Delivery{Queue: queueName(tg.ARN)})
		}
		out = append(out, mr)
	}
	return out, ""
}

// close removes the target, the rule and the queue.
func (t *ruleTail) close(ctx context.Context) error {
	var errs []error
	bus := aws.String(t.c.cfg.Bus)
	if t.ruleARN != "" {
		if _, err := t.c.cfg.Events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(t.name), EventBusName: bus,
			Ids: []string{"tail"}}); err != nil {
			errs = append(errs, err)
		}
		if _, err := t.c.cfg.Events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(t.name), EventBusName: bus}); err != nil {
			errs = append(errs, err)
		}
	}
	if t.qURL != "" {
		if _, err := t.c.cfg.SQS.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(t.qURL)}); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("console: removing the tail rule and queue %s: %w", t.name, err)
	}
	return nil
}
