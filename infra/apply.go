package infra

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQSAPI is the part of the SQS client Apply uses.
type SQSAPI interface {
	CreateQueue(context.Context, *sqs.CreateQueueInput, ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error)
	GetQueueUrl(context.Context, *sqs.GetQueueUrlInput, ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	SetQueueAttributes(context.Context, *sqs.SetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error)
}

// EventBridgeAPI is the part of the EventBridge client Apply uses.
type EventBridgeAPI interface {
	CreateEventBus(context.Context, *eventbridge.CreateEventBusInput, ...func(*eventbridge.Options)) (*eventbridge.CreateEventBusOutput, error)
	PutRule(context.Context, *eventbridge.PutRuleInput, ...func(*eventbridge.Options)) (*eventbridge.PutRuleOutput, error)
	PutTargets(context.Context, *eventbridge.PutTargetsInput, ...func(*eventbridge.Options)) (*eventbridge.PutTargetsOutput, error)
	DescribeEventBus(context.Context, *eventbridge.DescribeEventBusInput, ...func(*eventbridge.Options)) (*eventbridge.DescribeEventBusOutput, error)
	CreateArchive(context.Context, *eventbridge.CreateArchiveInput, ...func(*eventbridge.Options)) (*eventbridge.CreateArchiveOutput, error)
	UpdateArchive(context.Context, *eventbridge.UpdateArchiveInput, ...func(*eventbridge.Options)) (*eventbridge.UpdateArchiveOutput, error)
}

// Applied is what Apply created: queue URLs and ARNs by name.
type Applied struct {
	QueueURLs map[string]string
	QueueARNs map[string]string
}

// Apply creates the topology's queues (dead-letter queues first, then each
// queue with its RedrivePolicy) and, when eb is not nil, the bus, rules and
// targets, each target with the template's id, dead-letter queue, retry
// policy and (for FIFO queues) message group id, and the bus's archives. It
// is idempotent: an existing queue's attributes are brought to the
// topology's values, PutRule/PutTargets overwrite, and an existing
// archive gets the topology's retention and pattern.
func Apply(ctx context.Context, q SQSAPI, eb EventBridgeAPI, t Topology) (Applied, error) {
	if err := t.Validate(); err != nil {
		return Applied{}, err
	}
	a := Applied{QueueURLs: map[string]string{}, QueueARNs: map[string]string{}}
	// Queues without a DLQ first: a queue's RedrivePolicy names its DLQ's ARN.
	for _, pass := range []bool{false, true} {
		for _, queue := range t.Queues {
			if (queue.DLQ != "") != pass {
				continue
			}
			if err := a.ensureQueue(ctx, q, queue.Name, queueAttributes(queue, a.QueueARNs[queue.DLQ])); err != nil {
				return a, err
			}
		}
	}
	if eb == nil {
		return a, nil
	}
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(t.Bus)}); err != nil {
		var exists *ebtypes.ResourceAlreadyExistsException
		if !errors.As(err, &exists) {
			return a, fmt.Errorf("creating bus %s: %w", t.Bus, err)
		}
	}
	for _, r := range t.Rules {
		if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{
			Name: aws.String(r.Name), EventBusName: aws.String(t.Bus),
			EventPattern: aws.String(r.EventPattern), State: ebtypes.RuleStateEnabled,
		}); err != nil {
			return a, fmt.Errorf("putting rule %s: %w", r.Name, err)
		}
		if len(r.Targets) == 0 {
			continue
		}
		targets := make([]ebtypes.Target, 0, len(r.Targets))
		for _, tg := range r.Targets {
			targets = append(targets, a.target(tg))
		}
		out, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{
			Rule: aws.String(r.Name), EventBusName: aws.String(t.Bus), Targets: targets,
		})
		if err != nil {
			return a, fmt.Errorf("putting targets of rule %s: %w", r.Name, err)
		}
		if out.FailedEntryCount > 0 {
			e := out.FailedEntries[0]
			return a, fmt.Errorf("putting target %s of rule %s: %s: %s", aws.ToString(e.TargetId), r.Name,
				aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
		}
	}
	return a, applyArchives(ctx, eb, t)
}

// applyArchives creates the bus's archives, or brings existing ones to the
// topology's retention and pattern.
func applyArchives(ctx context.Context, eb EventBridgeAPI, t Topology) error {
	if len(t.Archives) == 0 {
		return nil
	}
	bus, err := eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String(t.Bus)})
	if err != nil {
		return fmt.Errorf("describing bus %s: %w", t.Bus, err)
	}
	for _, ar := range t.Archives {
		var pattern *string
		if ar.EventPattern != "" {
			pattern = aws.String(ar.EventPattern)
		}
		_, err := eb.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String(ar.Name), EventSourceArn: bus.Arn,
			RetentionDays: aws.Int32(int32(ar.RetentionDays)), EventPattern: pattern})
		var exists *ebtypes.ResourceAlreadyExistsException
		if errors.As(err, &exists) {
			_, err = eb.UpdateArchive(ctx, &eventbridge.UpdateArchiveInput{ArchiveName: aws.String(ar.Name),
				RetentionDays: aws.Int32(int32(ar.RetentionDays)), EventPattern: pattern})
		}
		if err != nil {
			return fmt.Errorf("archive %s: %w", ar.Name, err)
		}
	}
	return nil
}

func (a Applied) target(tg Target) ebtypes.Target {
	target := ebtypes.Target{Id: aws.String(tg.ID), Arn: aws.String(a.QueueARNs[tg.Queue])}
	if tg.DLQ != "" {
		target.DeadLetterConfig = &ebtypes.DeadLetterConfig{Arn: aws.String(a.QueueARNs[tg.DLQ])}
	}
	if tg.MaxRetryAttempts > 0 || tg.MaxEventAgeSeconds > 0 {
		target.RetryPolicy = &ebtypes.RetryPolicy{
			MaximumRetryAttempts:     aws.Int32(int32(tg.MaxRetryAttempts)),
			MaximumEventAgeInSeconds: aws.Int32(int32(orDefault(tg.MaxEventAgeSeconds, 86400))),
		}
	}
	if tg.MessageGroupID != "" {
		target.SqsParameters = &ebtypes.SqsParameters{MessageGroupId: aws.String(tg.MessageGroupID)}
	}
	return target
}

func (a Applied) ensureQueue(ctx context.Context, q SQSAPI, name string, attrs map[string]string) error {
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	var url string
	if err != nil {
		// The queue exists with other attributes: bring it to ours.
		var exists *sqstypes.QueueNameExists
		if !errors.As(err, &exists) {
			return fmt.Errorf("creating queue %s: %w", name, err)
		}
		existing, err2 := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if err2 != nil {
			return fmt.Errorf("finding queue %s: %w", name, err2)
		}
		url = aws.ToString(existing.QueueUrl)
		settable := map[string]string{}
		for k, v := range attrs {
			if k != "FifoQueue" { // fixed at creation
				settable[k] = v
			}
		}
		if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: settable}); err != nil {
			return fmt.Errorf("updating queue %s: %w", name, err)
		}
	} else {
		url = aws.ToString(out.QueueUrl)
	}
	got, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return fmt.Errorf("reading queue %s: %w", name, err)
	}
	a.QueueURLs[name] = url
	a.QueueARNs[name] = got.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	return nil
}

func queueAttributes(queue Queue, dlqARN string) map[string]string {
	attrs := map[string]string{}
	if queue.DLQ != "" {
		redrive, _ := json.Marshal(map[string]any{"deadLetterTargetArn": dlqARN, "maxReceiveCount": queue.MaxReceiveCount})
		attrs["RedrivePolicy"] = string(redrive)
	}
	set := func(name string, v int) {
		if v > 0 {
			attrs[name] = strconv.Itoa(v)
		}
	}
	set("VisibilityTimeout", queue.VisibilityTimeout)
	set("MessageRetentionPeriod", queue.MessageRetentionPeriod)
	set("DelaySeconds", queue.DelaySeconds)
	if queue.FIFO {
		attrs["FifoQueue"] = "true"
		if queue.ContentBasedDeduplication {
			attrs["ContentBasedDeduplication"] = "true"
		}
	}
	return attrs
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
