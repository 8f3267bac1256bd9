package dlq

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/licenseflow/licenseflow/internal/problems"
)

// ReplayOptions says what to replay.
type ReplayOptions struct {
	// Queue is the dead-letter queue (name, URL or ARN). Required.
	Queue string
	// To is the destination queue (name, URL or ARN). Empty means the
	// DLQ's source queue: the one queue whose RedrivePolicy targets it,
	// or, when none does, each message's own source (SQS's
	// DeadLetterQueueSourceArn, our topic_poisoned attribute, or the
	// TARGET_ARN of an EventBridge target's dead letter). A DLQ
	// with several source queues needs To.
	To string
	// Filters must all match for a message to move.
	Filters []Filter
	// Max is the most messages to move; 0 means all.
	Max int
	// Rate is the most messages moved a second; 0 means no limit.
	Rate float64
	// DryRun moves nothing and reports what would move.
	DryRun bool
}

// Validate reports every problem with the options.
func (o ReplayOptions) Validate() error {
	var errs problems.List
	errs.If(o.Queue == "", "queue is required")
	errs.If(o.Max < 0, "max must not be negative")
	errs.If(o.Rate < 0, "rate must not be negative")
	return errs.Err()
}

// Replay moves the messages of a dead-letter queue back. Bodies and
// message attributes arrive unchanged, and on FIFO destinations the
// message group id and deduplication id are kept. A message is deleted
// from the DLQ only after the destination accepted its copy; messages that
// do not match the filters are made visible again when the replay ends.
// Every message is looked at once at most: the replay ends when the DLQ
// has nothing it has not seen, --max messages moved, or ctx ends.
//
// With Config.AllowMoveTask, no filters, no Max and no DryRun, SQS's
// StartMessageMoveTask does the move and the summary says so.
//
// The error reports what stopped the replay early (matching ErrNotStarted
// when that was before anything was received); messages that failed one by
// one are counted in Summary.Failed with their reasons in Errors.
func (t *Tool) Replay(ctx context.Context, opts ReplayOptions, obs Observer) (Summary, error) {
	obs = observerOr(obs)
	sum := Summary{Operation: "replay", Queue: opts.Queue, DryRun: opts.DryRun}
	if err := opts.Validate(); err != nil {
		return sum, beforeStart(fmt.Errorf("replay: %w", err))
	}
	dlq, err := t.resolve(ctx, opts.Queue)
	if err != nil {
		return sum, beforeStart(err)
	}
	sum.Queue = dlq.Name
	dest, err := t.destination(ctx, dlq, opts.To)
	if err != nil {
		return sum, beforeStart(err)
	}
	if dest.fixed != nil {
		sum.Destination = dest.fixed.Name
	} else {
		sum.Destination = "(each message's source queue)"
	}
	visible, _ := dlq.count()
	planned := visible
	if opts.Max > 0 {
		planned = min(planned, int64(opts.Max))
	}
	obs.Planned(planned)
	if t.cfg.AllowMoveTask && !opts.DryRun && len(opts.Filters) == 0 && opts.Max == 0 && opts.Rate <= maxMoveTaskRate {
		return t.moveTask(ctx, dlq, dest, opts, obs, sum)
	}
	r := &run{t: t, opts: opts, dlq: dlq, dest: dest, obs: obs, lim: newLimiter(opts.Rate),
		seen: map[string]bool{}, remaining: int64(opts.Max)}
	err = r.run(ctx)
	r.fill(&sum)
	return sum, err
}

// destinations resolves where messages go.
type destinations struct {
	fixed *queueRef // nil: each message's source

	t     *Tool
	mu    sync.Mutex
	byARN map[string]queueRef
}

func (t *Tool) destination(ctx context.Context, dlq queueRef, to string) (*destinations, error) {
	d := &destinations{t: t, byARN: map[string]queueRef{}}
	if to != "" {
		q, err := t.resolve(ctx, to)
		if err != nil {
			return nil, fmt.Errorf("destination: %w", err)
		}
		d.fixed = &q
		return d, nil
	}
	sources, err := t.sourcesOf(ctx, dlq)
	if err != nil {
		return nil, err
	}
	switch len(sources) {
	case 0:
		return d, nil
	case 1:
		q, err := t.resolve(ctx, sources[0])
		if err != nil {
			return nil, fmt.Errorf("source queue: %w", err)
		}
		d.fixed = &q
		return d, nil
	}
	names := make([]string, len(sources))
	for i, u := range sources {
		names[i] = u[strings.LastIndex(u, "/")+1:]
	}
	return nil, fmt.Errorf("%s is the dead-letter queue of %d queues (%s): name the destination with --to",
		dlq.Name, len(sources), strings.Join(names, ", "))
}

// of returns the destination of a message whose source ARN is arn.
func (d *destinations) of(ctx context.Context, arn string) (queueRef, error) {
	if d.fixed != nil {
		return *d.fixed, nil
	}
	if arn == "" {
		return queueRef{}, errors.New("no source queue: the DLQ has no source queue and the message names none (use --to)")
	}
	d.mu.Lock()
	q, ok := d.byARN[arn]
	d.mu.Unlock()
	if ok {
		return q, nil
	}
	q, err := d.t.resolve(ctx, arn)
	if err != nil {
		return queueRef{}, err
	}
	d.mu.Lock()
	d.byARN[arn] = q
	d.mu.Unlock()
	return q, nil
}
