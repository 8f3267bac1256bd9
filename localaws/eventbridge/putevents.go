package eventbridge

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/licenseflow/licenseflow/localaws/pattern"
)

// Retry defaults of a target without RetryPolicy, as on AWS.
const (
	defaultMaxRetries = 185
	defaultMaxAge     = 24 * time.Hour
)

func (s *Service) putEvents(ctx context.Context, in *putEventsInput) (*putEventsOutput, error) {
	if len(in.Entries) == 0 || len(in.Entries) > 10 {
		return nil, validation("1 validation error detected: Value at 'entries' failed to satisfy constraint: " +
			"Member must have length between 1 and 10")
	}
	now := s.now()
	out := &putEventsOutput{Entries: make([]putEventsResultEntry, len(in.Entries))}
	var ds []*delivery
	var entryOf []int // entry index of each delivery
	var journal []accepted
	recording := s.journal.recording(now)

	s.mu.RLock()
	for i := range in.Entries {
		e := &in.Entries[i]
		id := newEventID()
		env, eerr := s.envelope(e, id, now)
		var b *bus
		if eerr == nil {
			bn := busName(e.EventBusName)
			if b = s.buses[bn]; b == nil {
				eerr = &entryError{"ResourceNotFoundException", "Event bus " + bn + " does not exist."}
			}
		}
		if eerr != nil {
			out.Entries[i] = putEventsResultEntry{ErrorCode: eerr.code, ErrorMessage: eerr.message}
			out.FailedEntryCount++
			continue
		}
		out.Entries[i].EventId = id
		if recording {
			journal = append(journal, accepted{entry: i, id: id, bus: b.name, env: env})
		}
		for _, d := range s.route(b, env, id, now) {
			ds = append(ds, d)
			entryOf = append(entryOf, i)
		}
	}
	s.mu.RUnlock()

	outcomes := s.deliverAll(ctx, ds, now, out, entryOf)
	if recording {
		s.journal.add(now, journal, ds, entryOf, outcomes)
	}
	return out, nil
}

// deliverAll delivers ds, schedules retries of the failed ones and
// dead-letters those that may not be retried; it returns each delivery's
// outcome. A retry it cannot record fails the delivery's entry in out
// (entryOf[i] is the index of ds[i]'s entry).
func (s *Service) deliverAll(ctx context.Context, ds []*delivery, now time.Time, out *putEventsOutput, entryOf []int) []string {
	if len(ds) == 0 {
		return nil
	}
	// The client may hang up; deliveries must still finish or be recorded.
	ctx = context.WithoutCancel(ctx)
	errs := s.deliver(ctx, ds)
	outcomes := make([]string, len(ds))
	var retry []*delivery
	var retryAt []int
	for i, err := range errs {
		outcomes[i] = OutcomeDelivered
		if err == nil {
			continue
		}
		d := ds[i]
		d.failed(err)
		if cond := d.exhausted(now); cond != "" {
			s.deadLetter(ctx, d, cond)
			outcomes[i] = OutcomeDeadLettered
			continue
		}
		d.NextAt = s.retry.next(d, now).UnixMilli()
		retry = append(retry, d)
		retryAt = append(retryAt, i)
		outcomes[i] = OutcomeRetrying
	}
	if len(retry) == 0 {
		return outcomes
	}
	if err := s.schedule(ctx, retry); err != nil {
		s.cfg.Logger.Error("recording pending deliveries", "err", err)
		for _, i := range retryAt {
			outcomes[i] = OutcomeFailed
			e := &out.Entries[entryOf[i]]
			if e.ErrorCode == "" {
				*e = putEventsResultEntry{ErrorCode: "InternalFailure",
					ErrorMessage: "The event could not be delivered or recorded for retry."}
				out.FailedEntryCount++
			}
		}
	}
	return outcomes
}

// route returns a delivery for every target of every enabled rule of b
// that matches the event. The caller holds s.mu.
func (s *Service) route(b *bus, env []byte, id string, now time.Time) []*delivery {
	var ds []*delivery
	var ev *pattern.Event // parsed once, for every rule
	for _, r := range b.rules {
		if !r.enabled || r.compiled == nil || len(r.targets) == 0 {
			continue
		}
		if ev == nil {
			var err error
			if ev, err = pattern.ParseEvent(env); err != nil {
				// env is the envelope we built: a JSON object.
				s.cfg.Logger.Error("parsing an envelope for matching", "err", err)
				return nil
			}
		}
		if !r.compiled.MatchEvent(ev) {
			continue
		}
		ruleARN := s.ruleARN(r.bus, r.name)
		for _, t := range r.targets {
			ds = append(ds, s.newDelivery(r, ruleARN, t, env, id, now))
		}
	}
	return ds
}

func (s *Service) newDelivery(r *rule, ruleARN string, t *target, env []byte, id string, now time.Time) *delivery {
	w := t.wire
	d := &delivery{
		ID:         id + "/" + r.name + "/" + w.Id,
		Queue:      w.Arn,
		RuleARN:    ruleARN,
		TargetID:   w.Id,
		MaxRetries: defaultMaxRetries,
		Deadline:   now.Add(defaultMaxAge).UnixMilli(),
	}
	if rp := w.RetryPolicy; rp != nil {
		if rp.MaximumRetryAttempts != nil {
			d.MaxRetries = int(*rp.MaximumRetryAttempts)
		}
		if rp.MaximumEventAgeInSeconds != nil {
			d.Deadline = now.Add(time.Duration(*rp.MaximumEventAgeInSeconds) * time.Second).UnixMilli()
		}
	}
	if w.DeadLetterConfig != nil {
		d.DLQ = w.DeadLetterConfig.Arn
	}
	if t.fifo {
		d.GroupID = w.SqsParameters.MessageGroupId
		d.DedupID = id
	}
	switch {
	case w.Input != nil:
		d.Body = *w.Input
	case t.path != nil:
		if v, found := t.path.eval(env); found {
			d.Body = string(v)
		} else {
			d.Body = "null"
		}
	case t.template != nil:
		d.Body = t.template.render(templateVars{event: env, ruleARN: ruleARN,
			ruleName: r.name, ingested: now})
	default:
		d.Body = string(env)
	}
	if d.Body != string(env) {
		d.Event = string(env)
	}
	return d
}

// deliver sends every delivery and returns their errors. Deliveries to
// one queue go as batches when the sender can (one durable write each),
// else one by one: in order for a FIFO queue, all at once otherwise, so
// the queue's durable writes share their syncs.
func (s *Service) deliver(ctx context.Context, ds []*delivery) []error {
	errs := make([]error, len(ds))
	if len(ds) == 1 {
		errs[0] = s.send(ctx, ds[0])
		return errs
	}
	batcher, _ := s.cfg.Queues.(BatchQueueSender)
	var order []string
	byQueue := map[string][]int{}
	for i, d := range ds {
		if _, ok := byQueue[d.Queue]; !ok {
			order = append(order, d.Queue)
		}
		byQueue[d.Queue] = append(byQueue[d.Queue], i)
	}
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	for _, q := range order {
		idx := byQueue[q]
		switch {
		case batcher != nil && len(idx) > 1:
			run(func() {
				for start := 0; start < len(idx); start += maxSendBatch {
					chunk := idx[start:min(start+maxSendBatch, len(idx))]
					ms := make([]QueueMessage, len(chunk))
					for j, i := range chunk {
						ms[j] = ds[i].message()
					}
					for j, err := range batcher.SendBatchToQueue(ctx, q, ms) {
						errs[chunk[j]] = err
					}
				}
			})
		case strings.HasSuffix(q, ".fifo"):
			run(func() {
				for _, i := range idx {
					errs[i] = s.send(ctx, ds[i])
				}
			})
		default:
			for _, i := range idx {
				run(func() { errs[i] = s.send(ctx, ds[i]) })
			}
		}
	}
	wg.Wait()
	return errs
}

func (s *Service) send(ctx context.Context, d *delivery) error {
	return s.cfg.Queues.SendToQueue(ctx, d.Queue, d.message())
}
