// Package infra describes licenseflow's topology — the event bus, the rules
// that route each detail-type, and the queues with their dead-letter queues —
// and creates it on any SQS/EventBridge endpoint (localaws, ElasticMQ + local
// routing, or AWS).
package infra

import (
	"errors"
	"fmt"
)

// Topology is the bus, its rules and the queues they feed.
type Topology struct {
	// Bus is the custom event bus name.
	Bus    string
	Queues []Queue
	Rules  []Rule
}

// Queue is a consumer queue with its dead-letter queue.
type Queue struct {
	// Name of the queue; its DLQ is named by DLQ.
	Name string
	// DLQ is the dead-letter queue's name; empty for a queue without one
	// (such as a DLQ itself).
	DLQ string
	// MaxReceiveCount is how many receives a message gets before SQS moves
	// it to the DLQ.
	MaxReceiveCount int
	// VisibilityTimeout in seconds.
	VisibilityTimeout int
	// MessageRetentionPeriod in seconds, for the queue and its DLQ.
	MessageRetentionPeriod int
	// DLQRetentionPeriod in seconds.
	DLQRetentionPeriod int
}

// Rule routes matching events on the bus to one queue.
type Rule struct {
	Name string
	// EventPattern is the EventBridge pattern, as JSON.
	EventPattern string
	// Queue is the target queue's name.
	Queue string
	// TargetDLQ receives events the rule could not deliver to Queue.
	TargetDLQ string
	// MaxRetryAttempts and MaxEventAgeSeconds are the target's RetryPolicy.
	MaxRetryAttempts   int
	MaxEventAgeSeconds int
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

// Validate reports every inconsistency in the topology.
func (t Topology) Validate() error {
	var errs []error
	if t.Bus == "" {
		errs = append(errs, errors.New("topology: no bus"))
	}
	names := map[string]bool{}
	for _, q := range t.Queues {
		if q.Name == "" {
			errs = append(errs, errors.New("queue without a name"))
		}
		if q.DLQ != "" && q.MaxReceiveCount < 1 {
			errs = append(errs, fmt.Errorf("queue %q: max receive count must be at least 1", q.Name))
		}
		names[q.Name] = true
		if q.DLQ != "" {
			names[q.DLQ] = true
		}
	}
	for _, r := range t.Rules {
		if !names[r.Queue] {
			errs = append(errs, fmt.Errorf("rule %q: target queue %q is not in the topology", r.Name, r.Queue))
		}
		if r.TargetDLQ != "" && !names[r.TargetDLQ] {
			errs = append(errs, fmt.Errorf("rule %q: target DLQ %q is not in the topology", r.Name, r.TargetDLQ))
		}
	}
	return errors.Join(errs...)
}
