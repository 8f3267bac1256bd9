package pipeline

import (
	"context"
	"errors"
	"runtime/pprof"
	"sync"
)

// Part is what a process runs: Run until its context ends (or the part
// fails), then Close. Stages (*Stage, *Payment) and HTTP servers (*Server)
// are parts.
type Part interface {
	Run(ctx context.Context) error
	Close() error
}

// group runs parts until stop; a part's failure is reported to fail.
type group struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (g *group) start(fail func(error), parts ...Part) {
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel = cancel
	for _, part := range parts {
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			if err := runLabeled(ctx, part); err != nil {
				fail(err)
			}
		}()
	}
}

// runLabeled runs part with the profiler label part=NAME (its Name), so
// that a CPU profile of a process running several parts tells them apart:
// every goroutine the part starts carries the label.
func runLabeled(ctx context.Context, part Part) error {
	named, ok := part.(interface{ Name() string })
	if !ok {
		return part.Run(ctx)
	}
	var err error
	pprof.Do(ctx, pprof.Labels("part", named.Name()), func(ctx context.Context) { err = part.Run(ctx) })
	return err
}

// stop ends the parts' runs and waits for them.
func (g *group) stop() {
	if g.cancel != nil {
		g.cancel()
	}
	g.wg.Wait()
}

// RunParts runs every part until ctx ends or one fails, which stops the
// others, then closes them all. It returns the first failure.
func RunParts(ctx context.Context, parts ...Part) error {
	fns := make([]func(context.Context) error, len(parts))
	for i, p := range parts {
		fns[i] = func(ctx context.Context) error { return runLabeled(ctx, p) }
	}
	err := runTogether(ctx, fns)
	for _, p := range parts {
		err = errors.Join(err, p.Close())
	}
	return err
}
