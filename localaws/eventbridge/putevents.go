package eventbridge

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/licenseflow/licenseflow/localaws/pattern"
	"github.com/licenseflow/licenseflow/localaws/storage"
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
	var (
		ds      []*delivery
		entryOf []int // entry index of each delivery
		arch    []archiveWrite
		archOf  []int // entry index of each archive write
		journal []accepted
	)
	recording := s.journal.recording(now)
	s.mu.RLock()
	for i := range in.Entries {
		e := &in.Entries[i]
		id := newEventID()
		env, t, eerr := s.envelope(e, id, now)
		var b *bus
		if eerr == nil {
			bn := busName(e.EventBusName)
			if b = s.buses[bn]; b == nil {
				eerr = &entryError{"ResourceNotFoundException", "Event bus " + bn + " does not exist."}
			}
		}
		if eerr != nil {
			out.fail(i, eerr.code, eerr.message)
			continue
		}
		out.Entries[i].EventId = id
		if recording {
			journal = append(journal, accepted{entry: i, id: id, bus: b.name, env: env})
		}
		rt := s.route(b, &event{env: env, id: id, key: id, at: now}, nil)
		for _, d := range rt.ds {
			ds = append(ds, d)
			entryOf = append(entryOf, i)
		}
		if len(rt.archives) > 0 {
			arch = append(arch, archiveWrite{rt.archives, &archivedEvent{ID: id, T: t.UnixMilli(), In: now.UnixMilli(), Env: env}})
			archOf = append(archOf, i)
		}
	}
	s.mu.RUnlock()

	// The client may hang up; deliveries must still finish or be recorded.
	ctx = context.WithoutCancel(ctx)
	var archived storage.Pos
	var archErr error
	if len(arch) > 0 {
		archived, archErr = s.archiveEvents(arch)
	}
	outcomes := s.dispatch(ctx, ds, now, false)
	for i, o := range outcomes {
		if o == OutcomeFailed {
			out.fail(entryOf[i], "InternalFailure", "The event could not be delivered or recorded for retry.")
		}
	}
	if len(arch) > 0 && archErr == nil {
		archErr = s.cfg.Log.Wait(ctx, archived, true)
	}
	if archErr != nil {
		s.cfg.Logger.Error("archiving events", "err", archErr)
		for _, i := range archOf {
			out.fail(i, "InternalFailure", "The event could not be archived.")
		}
	}
	if recording {
		s.journal.add(now, journal, ds, entryOf, outcomes)
	}
	return out, nil
}

// fail marks entry i failed, unless it already is.
func (o *putEventsOutput) fail(i int, code, message string) {
	if o.Entries[i].ErrorCode == "" {
		o.Entries[i] = putEventsResultEntry{ErrorCode: code, ErrorMessage: message}
		o.FailedEntryCount++
	}
}

// dispatch delivers ds, schedules retries of the failed ones and
// dead-letters those that may not be retried; it returns each delivery's
// outcome (OutcomeFailed: neither delivered nor recorded for a retry).
// With ordered, deliveries to one queue are sent in their order.
func (s *Service) dispatch(ctx context.Context, ds []*delivery, now time.Time, ordered bool) []string {
	if len(ds) == 0 {
		return nil
	}
	errs := s.deliver(ctx, ds, ordered)
	outcomes := make([]string, len(ds))
	var retry []*delivery
	var retryAt []int
	for i, err := range errs {
		outcomes[i] = OutcomeDelivered
		if err == errQueued {
			// An HTTP call is made after PutEvents answers, by the retry loop.
			ds[i].NextAt = now.UnixMilli()
			retry = append(retry, ds[i])
			retryAt = append(retryAt, i)
			outcomes[i] = OutcomeQueued
			continue
		}
		if err == nil {
			continue
		}
		d := ds[i]
		d.failed(err)
		if cond := d.exhausted(now); cond != "" || !retryable(err) {
			s.deadLetter(ctx, d, cond)
			outcomes[i] = OutcomeDeadLettered
			continue
		}
		d.NextAt = s.retry.next(d, now).UnixMilli()
		retry = append(retry, d)
		retryAt = append(retryAt, i)
		outcomes[i] = OutcomeRetrying
	}
	if len(retry) > 0 {
		if err := s.schedule(ctx, retry); err != nil {
			s.cfg.Logger.Error("recording pending deliveries", "err", err)
			for _, i := range retryAt {
				outcomes[i] = OutcomeFailed
			}
		}
	}
	return outcomes
}

// event is an event on its way through a bus.
type event struct {
	env []byte
	id  string
	// key makes the ids of its deliveries unique: the event id, with the
	// replay's name for a replayed event.
	key  string
	at   time.Time // ingestion time
	hops int       // event buses crossed before this one
}

// routed is where an event goes: deliveries, and archives.
type routed struct {
	ds       []*delivery
	archives []*archive
}

// route returns a delivery for every target of every enabled rule of b
// that accept takes (nil: every rule) and that matches the event, and the
// archives whose rules match it. The caller holds s.mu.
func (s *Service) route(b *bus, e *event, accept func(*rule) bool) routed {
	var rt routed
	var ev *pattern.Event // parsed once, for every rule
	for _, r := range b.rules {
		if !r.enabled || r.compiled == nil || (len(r.targets) == 0 && r.archive == nil) || (accept != nil && !accept(r)) {
			continue
		}
		if ev == nil {
			var err error
			if ev, err = pattern.ParseEvent(e.env); err != nil {
				// env is the envelope we built: a JSON object.
				s.cfg.Logger.Error("parsing an envelope for matching", "err", err)
				return routed{}
			}
		}
		if !r.compiled.MatchEvent(ev) {
			continue
		}
		if r.archive != nil {
			rt.archives = append(rt.archives, r.archive)
			continue
		}
		rt.ds = append(rt.ds, s.targetDeliveries(r, e)...)
	}
	return rt
}

// targetDeliveries is a delivery of e to each target of r.
func (s *Service) targetDeliveries(r *rule, e *event) []*delivery {
	ruleARN := s.ruleARN(r.bus, r.name)
	ds := make([]*delivery, len(r.targets))
	for i, t := range r.targets {
		ds[i] = s.newDelivery(r, ruleARN, t, e)
	}
	return ds
}

func (s *Service) newDelivery(r *rule, ruleARN string, t *target, e *event) *delivery {
	w := t.wire
	d := &delivery{
		ID:         e.key + "/" + r.name + "/" + w.Id,
		Queue:      w.Arn,
		RuleARN:    ruleARN,
		TargetID:   w.Id,
		MaxRetries: defaultMaxRetries,
		Deadline:   e.at.Add(defaultMaxAge).UnixMilli(),
		Hops:       e.hops,
		HTTP:       t.httpCall(e.env),
	}
	if rp := w.RetryPolicy; rp != nil {
		if rp.MaximumRetryAttempts != nil {
			d.MaxRetries = int(*rp.MaximumRetryAttempts)
		}
		if rp.MaximumEventAgeInSeconds != nil {
			d.Deadline = e.at.Add(time.Duration(*rp.MaximumEventAgeInSeconds) * time.Second).UnixMilli()
		}
	}
	if w.DeadLetterConfig != nil {
		d.DLQ = w.DeadLetterConfig.Arn
	}
	if t.fifo {
		d.GroupID = w.SqsParameters.MessageGroupId
		d.DedupID = e.id
	}
	env := e.env
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
			ruleName: r.name, ingested: e.at})
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
func (s *Service) deliver(ctx context.Context, ds []*delivery, ordered bool) []error {
	errs := make([]error, len(ds))
	for i, d := range ds {
		if d.kind() == kindAPI {
			errs[i] = errQueued
		}
	}
	if len(ds) == 1 {
		if errs[0] == nil {
			errs[0] = s.send(ctx, ds[0])
		}
		return errs
	}
	batcher, _ := s.cfg.Queues.(BatchQueueSender)
	var order []string
	byQueue := map[string][]int{}
	for i, d := range ds {
		if errs[i] != nil {
			continue
		}
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
		case batcher != nil && len(idx) > 1 && targetKind(q) == kindSQS:
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
		case ordered || strings.HasSuffix(q, ".fifo"):
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

// errQueued marks a delivery deliver leaves to the retry loop.
var errQueued = errors.New("queued for the retry loop")

// send makes one attempt of a delivery, whatever its target.
func (s *Service) send(ctx context.Context, d *delivery) error {
	switch d.kind() {
	case kindBus:
		return s.forward(ctx, d)
	case kindAPI:
		return s.invoke(ctx, d)
	}
	return s.cfg.Queues.SendToQueue(ctx, d.Queue, d.message())
}
