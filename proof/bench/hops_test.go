package bench

import (
	"context"
	"fmt"
	"sync"

	"github.com/licenseflow/licenseflow/pipeline"
)

// hopWatch records the successful hops from a pipeline's Hops channel,
// the first of each kind by company and by correlation id, so that a
// benchmark can wait for a hop that may have arrived before it asked.
type hopWatch struct {
	mu      sync.Mutex
	seen    map[string]pipeline.Hop
	lastErr map[string]error
	waiters map[string]chan struct{}
}

// companyKey names the first hop of a stage and detail-type for a company.
func companyKey(stage, detailType, company string) string {
	return "company\x00" + stage + "\x00" + detailType + "\x00" + company
}

// flowKey names the first hop of a stage and detail-type in a flow (by its
// correlation id).
func flowKey(stage, detailType, correlationID string) string {
	return "flow\x00" + stage + "\x00" + detailType + "\x00" + correlationID
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
	keys := []string{companyKey(h.Stage, h.DetailType, h.CompanyID)}
	if h.CorrelationID != "" {
		keys = append(keys, flowKey(h.Stage, h.DetailType, h.CorrelationID))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, k := range keys {
		if h.Err != nil {
			w.lastErr[k] = h.Err // a retry may still succeed
			continue
		}
		if _, ok := w.seen[k]; ok {
			continue
		}
		w.seen[k] = h
		if c, ok := w.waiters[k]; ok {
			close(c)
			delete(w.waiters, k)
		}
	}
}

// wait returns the first successful hop under key, waiting until ctx ends.
func (w *hopWatch) wait(ctx context.Context, key string) (pipeline.Hop, error) {
	w.mu.Lock()
	if h, ok := w.seen[key]; ok {
		w.mu.Unlock()
		return h, nil
	}
	c, ok := w.waiters[key]
	if !ok {
		c = make(chan struct{})
		w.waiters[key] = c
	}
	w.mu.Unlock()
	select {
	case <-c:
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.seen[key], nil
	case <-ctx.Done():
		w.mu.Lock()
		defer w.mu.Unlock()
		return pipeline.Hop{}, fmt.Errorf("no hop %q: %w (last handler error: %v)", key, ctx.Err(), w.lastErr[key])
	}
}

// first returns the first successful hop under key, if one arrived.
func (w *hopWatch) first(key string) (pipeline.Hop, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	h, ok := w.seen[key]
	return h, ok
}
