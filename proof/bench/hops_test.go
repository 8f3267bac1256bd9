package bench

import (
	"context"
	"fmt"
	"sync"

	"github.com/licenseflow/licenseflow/pipeline"
)

// hopWatch records the first successful hop per (stage, detail-type,
// company) from a pipeline's Hops channel, so a benchmark can wait for a
// hop that may have arrived before it asked.
type hopWatch struct {
	mu      sync.Mutex
	seen    map[string]pipeline.Hop
	lastErr map[string]error
	waiters map[string]chan struct{}
}

func hopKey(stage, detailType, company string) string {
	return stage + "\x00" + detailType + "\x00" + company
}

// watchHops drains hops until ctx ends.
func watchHops(ctx context.Context, hops <-chan pipeline.Hop) *hopWatch {
	w := &hopWatch{seen: map[string]pipeline.Hop{}, lastErr: map[string]error{}, waiters: map[string]chan struct{}{}}
	go func() {
		for {
			select {
			case h := <-hops:
				w.add(h)
			case <-ctx.Done():
				return
			}
		}
	}()
	return w
}

func (w *hopWatch) add(h pipeline.Hop) {
	k := hopKey(h.Stage, h.DetailType, h.CompanyID)
	w.mu.Lock()
	defer w.mu.Unlock()
	if h.Err != nil {
		w.lastErr[k] = h.Err // a retry may still succeed
		return
	}
	if _, ok := w.seen[k]; ok {
		return
	}
	w.seen[k] = h
	if c, ok := w.waiters[k]; ok {
		close(c)
		delete(w.waiters, k)
	}
}

// wait returns the first successful hop of the kind, waiting until ctx ends.
func (w *hopWatch) wait(ctx context.Context, stage, detailType, company string) (pipeline.Hop, error) {
	k := hopKey(stage, detailType, company)
	w.mu.Lock()
	if h, ok := w.seen[k]; ok {
		w.mu.Unlock()
		return h, nil
	}
	c, ok := w.waiters[k]
	if !ok {
		c = make(chan struct{})
		w.waiters[k] = c
	}
	w.mu.Unlock()
	select {
	case <-c:
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.seen[k], nil
	case <-ctx.Done():
		w.mu.Lock()
		defer w.mu.Unlock()
		return pipeline.Hop{}, fmt.Errorf("no %q handled by %s for %s: %w (last handler error: %v)",
			detailType, stage, company, ctx.Err(), w.lastErr[k])
	}
}
