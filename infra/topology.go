// Package infra holds licenseflow's AWS template (template.yaml, embedded)
// and everything derived from it: the topology — the event bus, the rules
// that route each detail-type and the queues with their dead-letter queues —
// which Apply creates on any SQS/EventBridge endpoint (localaws, ElasticMQ,
// AWS); the ElasticMQ configuration; and the posture checks that hold the
// template's security promises.
package infra

import (
	"errors"
	"fmt"
	"regexp"
)

// Topology is the bus, its rules and the queues they feed.
type Topology struct {
	// Bus is the custom event bus name.
	Bus string
	// Queues, sorted by name; dead-letter queues are queues too.
	Queues []Queue
	// Rules, sorted by name.
	Rules []Rule
	// Archives keep the bus's events for replays, sorted by name.
	Archives []Archive
}

// Archive keeps the events of the bus for replays.
type Archive struct {
	Name string
	// RetentionDays is how long events are kept; 0 keeps them for ever.
	RetentionDays int
	// EventPattern filters what is archived; "" archives every event.
	EventPattern string
}

// Queue is an SQS queue.
type Queue struct {
	// Name of the queue (".fifo" included for a FIFO queue).
	Name string
	// DLQ is the name of the queue's dead-letter queue; empty for a queue
	// without one (such as a DLQ itself).
	DLQ string
	// MaxReceiveCount is how many receives a message gets before SQS moves
	// it to the DLQ.
	MaxReceiveCount int
	// VisibilityTimeout in seconds; 0 means the SQS default (30).
	VisibilityTimeout int
	// MessageRetentionPeriod in seconds; 0 means the SQS default (4 days).
	MessageRetentionPeriod int
	// DelaySeconds delays every new message; 0 means none.
	DelaySeconds int
	// FIFO marks a FIFO queue; ContentBasedDeduplication applies to one.
	FIFO                      bool
	ContentBasedDeduplication bool
}

// Rule routes matching events on the bus to its targets.
type Rule struct {
	Name string
	// EventPattern is the EventBridge pattern, as JSON.
	EventPattern string
	Targets      []Target
}

// Target is one queue a rule delivers to.
type Target struct {
	// ID is the target id within its rule ([.-_A-Za-z0-9], at most 64).
	ID string
	// Queue is the target queue's name.
	Queue string
	// DLQ is the name of the queue that receives events the rule could not
	// deliver; empty for none.
	DLQ string
	// MaxRetryAttempts and MaxEventAgeSeconds are the target's RetryPolicy;
	// both zero means EventBridge's default policy.
	MaxRetryAttempts   int
	MaxEventAgeSeconds int
	// MessageGroupID is SqsParameters.MessageGroupId, required for a FIFO
	// queue.
	MessageGroupID string
}

// QueueByName returns the named queue of the topology.
func (t Topology) QueueByName(name string) (Queue, bool) {
	for _, q := range t.Queues {
		if q.Name == name {
			return q, true
		}
	}
	return Queue{}, false
}

// RuleByName returns the named rule of the topology.
func (t Topology) RuleByName(name string) (Rule, bool) {
	for _, r := range t.Rules {
		if r.Name == name {
			return r, true
		}
	}
	return Rule{}, false
}

var targetIDRE = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)

// Validate reports every inconsistency in the topology.
func (t Topology) Validate() error {
	var errs []error
	if t.Bus == "" {
		errs = append(errs, errors.New("topology: no bus"))
	}
	names := map[string]Queue{}
	for _, q := range t.Queues {
		if q.Name == "" {
			errs = append(errs, errors.New("queue without a name"))
		}
		if _, dup := names[q.Name]; dup {
			errs = append(errs, fmt.Errorf("queue %q: defined twice", q.Name))
		}
		names[q.Name] = q
	}
	for _, q := range t.Queues {
		if q.DLQ == "" {
			continue
		}
		if q.MaxReceiveCount < 1 {
			errs = append(errs, fmt.Errorf("queue %q: max receive count must be at least 1", q.Name))
		}
		if dlq, ok := names[q.DLQ]; !ok {
			errs = append(errs, fmt.Errorf("queue %q: dead-letter queue %q is not in the topology", q.Name, q.DLQ))
		} else if dlq.FIFO != q.FIFO {
			errs = append(errs, fmt.Errorf("queue %q: dead-letter queue %q must be of the same kind (FIFO or standard)", q.Name, q.DLQ))
		}
	}
	for _, a := range t.Archives {
		if a.Name == "" || a.RetentionDays < 0 {
			errs = append(errs, fmt.Errorf("archive %q: needs a name and a retention of 0 days or more", a.Name))
		}
	}
	for _, r := range t.Rules {
		if r.Name == "" || r.EventPattern == "" {
			errs = append(errs, fmt.Errorf("rule %q: needs a name and an event pattern", r.Name))
		}
		ids := map[string]bool{}
		for _, tg := range r.Targets {
			if !targetIDRE.MatchString(tg.ID) {
				errs = append(errs, fmt.Errorf("rule %q: target id %q: must be 1-64 of [.-_A-Za-z0-9]", r.Name, tg.ID))
			}
			if ids[tg.ID] {
				errs = append(errs, fmt.Errorf("rule %q: target id %q used twice", r.Name, tg.ID))
			}
			ids[tg.ID] = true
			q, ok := names[tg.Queue]
			if !ok {
				errs = append(errs, fmt.Errorf("rule %q: target queue %q is not in the topology", r.Name, tg.Queue))
			} else if q.FIFO && tg.MessageGroupID == "" {
				errs = append(errs, fmt.Errorf("rule %q: target %q: FIFO queue %q needs a message group id", r.Name, tg.ID, tg.Queue))
			}
			if tg.DLQ != "" {
				if _, ok := names[tg.DLQ]; !ok {
					errs = append(errs, fmt.Errorf("rule %q: target DLQ %q is not in the topology", r.Name, tg.DLQ))
				}
			}
		}
	}
	return errors.Join(errs...)
}
