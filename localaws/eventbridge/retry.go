package eventbridge

import (
	"container/heap"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// retrier holds the deliveries waiting for another attempt, ordered by
// their next attempt.
type retrier struct {
	mu    sync.Mutex
	byID  map[string]*delivery
	queue deliveryHeap
	wake  chan struct{}
	// base and cap bound the exponential backoff between attempts.
	base, cap time.Duration
	// workers bounds concurrent retry attempts.
	workers chan struct{}
}

func (r *retrier) init() {
	r.byID = map[string]*delivery{}
	r.wake = make(chan struct{}, 1)
	r.base, r.cap = time.Second, 3*time.Minute
	r.workers = make(chan struct{}, 16)
}

// next returns when the delivery's next attempt is due: exponential
// backoff with jitter, never after its deadline.
func (r *retrier) next(d *delivery, now time.Time) time.Time {
	delay := r.cap
	if shift := d.Attempts - 1; shift < 30 {
		delay = min(r.cap, r.base<<shift)
	}
	delay = delay/2 + rand.N(delay/2+1)
	at := now.Add(delay)
	if dl := time.UnixMilli(d.Deadline); at.After(dl) {
		at = dl
	}
	return at
}

// apply replays a retry record; the heap is rebuilt by start.
func (r *retrier) apply(rec *record) {
	switch rec.Op {
	case opPending:
		r.byID[rec.Pending.ID] = rec.Pending
	case opTry:
		if d := r.byID[rec.Name]; d != nil {
			d.Attempts, d.NextAt, d.ErrMessage = rec.Attempts, rec.NextAt, rec.Error
		}
	case opDone:
		delete(r.byID, rec.Name)
	}
}

// start orders the replayed deliveries for the retry loop.
func (r *retrier) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.byID {
		heap.Push(&r.queue, d)
	}
}

// records describes the pending deliveries for a snapshot. The caller
// holds r.mu.
func (r *retrier) records() []*record {
	recs := make([]*record, 0, len(r.byID))
	for _, id := range slices.Sorted(maps.Keys(r.byID)) {
		d := *r.byID[id]
		recs = append(recs, &record{Op: opPending, Pending: &d})
	}
	return recs
}

func (r *retrier) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// schedule records new pending deliveries durably and queues them.
func (s *Service) schedule(ctx context.Context, ds []*delivery) error {
	recs := make([]*record, len(ds))
	for i, d := range ds {
		recs[i] = &record{Op: opPending, Pending: d}
	}
	s.retry.mu.Lock()
	pos, err := s.add(recs...)
	if err == nil {
		for _, d := range ds {
			s.retry.byID[d.ID] = d
			heap.Push(&s.retry.queue, d)
		}
	}
	s.retry.mu.Unlock()
	if err != nil {
		return err
	}
	s.retry.poke()
	if err := s.cfg.Log.Wait(ctx, pos, true); err != nil {
		return fmt.Errorf("recording pending deliveries: %w", err)
	}
	s.maybeCheckpoint()
	return nil
}

// retryLoop starts each pending delivery's attempt when it is due.
func (s *Service) retryLoop() {
	for {
		r := &s.retry
		r.mu.Lock()
		now := s.now().UnixMilli()
		var due []*delivery
		for r.queue.Len() > 0 && r.queue[0].NextAt <= now {
			due = append(due, heap.Pop(&r.queue).(*delivery))
		}
		until := time.UnixMilli(now).Add(time.Hour)
		if r.queue.Len() > 0 {
			until = time.UnixMilli(r.queue[0].NextAt)
		}
		r.mu.Unlock()
		for _, d := range due {
			select {
			case r.workers <- struct{}{}:
			case <-s.stop:
				return
			}
			if !s.spawn(func() {
				defer func() { <-r.workers }()
				s.attempt(d)
			}) {
				return
			}
		}
		if len(due) > 0 {
			continue // more may have come due meanwhile
		}
		if !s.sleep(until, r.wake) {
			return
		}
	}
}

// attempt tries a pending delivery again: done when sent, dead-lettered
// (or dropped) when its RetryPolicy is exhausted or its error is not one
// to retry, else rescheduled. A call of an API destination waits for its
// turn under the destination's rate limit first.
func (s *Service) attempt(d *delivery) {
	if d.kind() == kindAPI {
		if at := s.rateSlot(d, s.now()); at.After(s.now()) {
			s.requeue(d, at)
			return
		}
	}
	err := s.send(s.ctx, d)
	select {
	case <-s.stop:
		return // closing: the delivery stays pending in the log
	default:
	}
	now := s.now()
	if err != nil {
		s.retry.mu.Lock() // a snapshot may be reading d
		d.failed(err)
		s.retry.mu.Unlock()
		if cond := d.exhausted(now); cond != "" || !retryable(err) {
			s.deadLetter(s.ctx, d, cond)
		} else {
			s.requeue(d, s.retry.next(d, now))
			return
		}
	}
	s.finish(d)
}

func (s *Service) requeue(d *delivery, at time.Time) {
	s.retry.mu.Lock()
	d.NextAt = at.UnixMilli()
	pos, err := s.add(&record{Op: opTry, Name: d.ID, Attempts: d.Attempts, NextAt: d.NextAt, Error: d.ErrMessage})
	heap.Push(&s.retry.queue, d)
	s.retry.mu.Unlock()
	if err == nil {
		err = s.cfg.Log.Wait(context.Background(), pos, false)
	}
	if err != nil {
		// The older record still schedules the delivery after a restart.
		s.cfg.Logger.Warn("recording retry progress", "delivery", d.ID, "err", err)
	}
	s.retry.poke()
	s.maybeCheckpoint()
}

func (s *Service) finish(d *delivery) {
	s.retry.mu.Lock()
	delete(s.retry.byID, d.ID)
	pos, err := s.add(&record{Op: opDone, Name: d.ID})
	s.retry.mu.Unlock()
	if err == nil {
		err = s.cfg.Log.Wait(context.Background(), pos, false)
	}
	if err != nil {
		// At worst the delivery is repeated after a restart.
		s.cfg.Logger.Warn("recording a finished delivery", "delivery", d.ID, "err", err)
	}
	s.maybeCheckpoint()
}

// deadLetter sends a delivery that exhausted its RetryPolicy to the
// target's dead-letter queue; without one, or when that fails too, the
// event is dropped, as on AWS.
func (s *Service) deadLetter(ctx context.Context, d *delivery, condition string) {
	if d.DLQ == "" {
		s.cfg.Logger.Warn("dropping undeliverable event: target has no dead-letter queue",
			"rule", d.RuleARN, "target", d.Queue, "attempts", d.Attempts, "condition", condition, "error", d.ErrMessage)
		return
	}
	if err := s.cfg.Queues.SendToQueue(ctx, d.DLQ, d.dlqMessage(condition)); err != nil {
		s.cfg.Logger.Error("dropping undeliverable event: its dead-letter queue failed too",
			"rule", d.RuleARN, "target", d.Queue, "dlq", d.DLQ, "error", d.ErrMessage, "dlq_error", err)
	}
}

// deliveryHeap orders deliveries by their next attempt.
type deliveryHeap []*delivery

func (h deliveryHeap) Len() int           { return len(h) }
func (h deliveryHeap) Less(i, j int) bool { return h[i].NextAt < h[j].NextAt }
func (h deliveryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *deliveryHeap) Push(x any) {
	d := x.(*delivery)
	d.index = len(*h)
	*h = append(*h, d)
}
func (h *deliveryHeap) Pop() any {
	old := *h
	d := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	d.index = -1
	return d
}
