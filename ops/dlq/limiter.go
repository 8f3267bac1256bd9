package dlq

import (
	"context"
	"sync"
	"time"
)

// limiter is a token bucket: tokens accrue at rate a second up to burst;
// take blocks until n tokens are available and removes them. A nil
// *limiter never blocks.
type limiter struct {
	rate  float64
	burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
	taken  int64 // tokens handed out minus refunds, for tests and stats
}

func newLimiter(rate float64) *limiter {
	if rate <= 0 {
		return nil
	}
	burst := min(max(rate, 1), maxBatch)
	return &limiter{rate: rate, burst: burst, tokens: burst, last: time.Now()}
}

// take waits until n tokens (n <= burst) are available and takes them.
func (l *limiter) take(ctx context.Context, n int) error {
	if l == nil || n <= 0 {
		return nil
	}
	need := float64(n)
	for {
		l.mu.Lock()
		now := time.Now()
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
		l.last = now
		if l.tokens >= need {
			l.tokens -= need
			l.taken += int64(n)
			l.mu.Unlock()
			return nil
		}
		wait := time.Duration((need - l.tokens) / l.rate * float64(time.Second))
		l.mu.Unlock()
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// refund gives back tokens taken but not used.
func (l *limiter) refund(n int) {
	if l == nil || n <= 0 {
		return
	}
	l.mu.Lock()
	l.tokens = min(l.burst, l.tokens+float64(n))
	l.taken -= int64(n)
	l.mu.Unlock()
}

// batch is how many messages one receive should ask for under the rate.
func (l *limiter) batch() int {
	if l == nil {
		return maxBatch
	}
	return int(l.burst)
}

// used returns the tokens taken and not refunded.
func (l *limiter) used() int64 {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.taken
}
