package dlq

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// run is one copying replay: Concurrency loops of receive, filter, copy,
// delete.
type run struct {
	t    *Tool
	opts ReplayOptions
	dlq  queueRef
	dest *destinations
	obs  Observer
	lim  *limiter

	mu        sync.Mutex
	seen      map[string]bool
	held      []string // receipt handles to release at the end
	remaining int64    // messages --max still allows; unused when opts.Max == 0
	moved     int64
	wouldMove int64
	skipped   int64
	failed    int64
	errs      []string
}

func (r *run) run(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range r.t.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.loop(ctx); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	err := context.Cause(ctx) // nil unless a loop failed or the caller's ctx ended
	r.mu.Lock()
	held := r.held
	r.held = nil
	r.mu.Unlock()
	if rerr := r.t.release(ctx, r.dlq.URL, held); rerr != nil {
		err = errors.Join(err, rerr)
	}
	return err
}

// loop runs until the DLQ has nothing new, the budget is spent, ctx ends
// or a call fails as a whole.
func (r *run) loop(ctx context.Context) error {
	for idle := 0; idle < r.t.cfg.IdleReceives; {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		n := r.budget(min(maxBatch, r.lim.batch()))
		if n == 0 {
			return nil
		}
		if !r.opts.DryRun {
			if err := r.lim.take(ctx, n); err != nil {
				return err
			}
		}
		out, err := r.t.cfg.Client.ReceiveMessage(ctx, r.t.receiveInput(r.dlq, n, r.t.cfg.HoldVisibility))
		if err != nil {
			r.lim.refund(n)
			return fmt.Errorf("receiving from %s: %w", r.dlq.Name, err)
		}
		picked, fresh := r.sort(out.Messages)
		if !r.opts.DryRun {
			r.lim.refund(n - len(picked))
		}
		if !fresh {
			idle++
			continue
		}
		idle = 0
		if len(picked) == 0 {
			continue
		}
		if r.opts.DryRun {
			r.hold(picked)
			for _, m := range picked {
				r.count(&r.wouldMove, Outcome{Action: ActionWouldMove, MessageID: aws.ToString(m.MessageId), Destination: r.destName(ctx, m)})
			}
			continue
		}
		if err := r.copy(ctx, picked); err != nil {
			return err
		}
	}
	return nil
}

// budget returns how many messages the next receive may ask for.
func (r *run) budget(want int) int {
	if r.opts.Max == 0 {
		return want
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return int(min(int64(want), r.remaining))
}

// sort marks received messages seen and returns those to move (within
// budget); the rest are held for release. fresh reports whether any
// message was new to this run.
func (r *run) sort(msgs []sqstypes.Message) (picked []sqstypes.Message, fresh bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range msgs {
		id := aws.ToString(m.MessageId)
		if r.seen[id] {
			r.held = append(r.held, aws.ToString(m.ReceiptHandle))
			continue
		}
		r.seen[id] = true
		fresh = true
		if !matchAll(r.opts.Filters, m) {
			r.held = append(r.held, aws.ToString(m.ReceiptHandle))
			r.skipped++
			r.obs.Done(Outcome{Action: ActionSkipped, MessageID: id})
			continue
		}
		if r.opts.Max > 0 {
			if r.remaining == 0 {
				r.held = append(r.held, aws.ToString(m.ReceiptHandle))
				delete(r.seen, id)
				continue
			}
			r.remaining--
		}
		picked = append(picked, m)
	}
	return picked, fresh
}

// unpick gives back the budget of messages that were not moved.
func (r *run) unpick(n int) {
	if r.opts.Max == 0 || n == 0 {
		return
	}
	r.mu.Lock()
	r.remaining += int64(n)
	r.mu.Unlock()
}

func (r *run) hold(msgs []sqstypes.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range msgs {
		r.held = append(r.held, aws.ToString(m.ReceiptHandle))
	}
}

// count adds one to counter and reports o.
func (r *run) count(counter *int64, o Outcome) {
	r.mu.Lock()
	*counter++
	if o.Action == ActionFailed && len(r.errs) < maxErrors {
		r.errs = append(r.errs, o.MessageID+": "+o.Error)
	}
	r.mu.Unlock()
	r.obs.Done(o)
}

// maxErrors bounds the per-message errors a summary keeps.
const maxErrors = 50

func (r *run) destName(ctx context.Context, m sqstypes.Message) string {
	q, err := r.dest.of(ctx, sourceARN(m))
	if err != nil {
		return "?"
	}
	return q.Name
}

func (r *run) fill(s *Summary) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.Moved, s.WouldMove, s.Skipped, s.Failed = r.moved, r.wouldMove, r.skipped, r.failed
	s.Errors = append(s.Errors, r.errs...)
	if r.opts.Max > 0 && r.remaining == 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("stopped after --max %d", r.opts.Max))
	}
	if r.opts.DryRun {
		s.Notes = append(s.Notes, "dry run: nothing was moved")
	}
}
