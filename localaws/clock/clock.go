// Package clock is the time of localaws's EventBridge engine: the real
// clock, one that runs faster than real time (so a rate(1 hour) rule can
// be watched in a demo), or one that moves only when a test moves it.
// Schedules, retries, archive retention and replay windows all read it, so
// a test of a daily schedule or a retention of 30 days waits for nothing.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time and makes timers on it. Implementations are safe
// for concurrent use.
type Clock interface {
	Now() time.Time
	// TimerAt returns a timer that fires once the clock reads at or
	// later (at once when it already does). An absolute time, so a clock
	// moved between reading it and making the timer cannot delay it.
	TimerAt(at time.Time) Timer
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	// C receives the clock's time once the timer fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
}

// Real is the system clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time             { return time.Now() }
func (realClock) TimerAt(at time.Time) Timer { return realTimer{time.NewTimer(time.Until(at))} }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }

// Scaled returns a clock that starts at the real time and runs speed times
// faster than it (speed 60: a minute passes every real second). A speed
// of 1 or less is the real clock.
func Scaled(speed float64) Clock {
	if speed <= 1 {
		return Real()
	}
	return &scaled{origin: time.Now(), speed: speed}
}

type scaled struct {
	origin time.Time
	speed  float64
}

func (s *scaled) Now() time.Time {
	return s.origin.Add(time.Duration(float64(time.Since(s.origin)) * s.speed))
}

func (s *scaled) TimerAt(at time.Time) Timer {
	c := make(chan time.Time, 1)
	t := time.AfterFunc(time.Duration(float64(at.Sub(s.Now()))/s.speed), func() { c <- s.Now() })
	return &scaledTimer{t: t, c: c}
}

// scaledTimer hands out the scaled time instead of the real one.
type scaledTimer struct {
	t *time.Timer
	c chan time.Time
}

func (t *scaledTimer) C() <-chan time.Time { return t.c }
func (t *scaledTimer) Stop() bool          { return t.t.Stop() }

// Manual is a clock that moves only by Advance or Set: for tests. Its
// zero value is not usable; use NewManual.
type Manual struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

// NewManual returns a Manual clock reading t.
func NewManual(t time.Time) *Manual { return &Manual{now: t} }

// Now returns the clock's time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Advance moves the clock d forward and fires the timers that are due.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	m.setLocked(m.now.Add(d))
	m.mu.Unlock()
}

// Set moves the clock to t (never backwards) and fires the timers that are due.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	if t.After(m.now) {
		m.setLocked(t)
	}
	m.mu.Unlock()
}

func (m *Manual) setLocked(t time.Time) {
	m.now = t
	kept := m.timers[:0]
	for _, tm := range m.timers {
		if tm.at.After(t) {
			kept = append(kept, tm)
			continue
		}
		tm.c <- t
	}
	clear(m.timers[len(kept):])
	m.timers = kept
}

// TimerAt returns a timer that fires when the clock is moved to at.
func (m *Manual) TimerAt(at time.Time) Timer {
	m.mu.Lock()
	defer m.mu.Unlock()
	tm := &manualTimer{m: m, at: at, c: make(chan time.Time, 1)}
	if !at.After(m.now) {
		tm.c <- m.now
		return tm
	}
	m.timers = append(m.timers, tm)
	return tm
}

type manualTimer struct {
	m  *Manual
	at time.Time
	c  chan time.Time
}

func (t *manualTimer) C() <-chan time.Time { return t.c }

func (t *manualTimer) Stop() bool {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	for i, tm := range t.m.timers {
		if tm == t {
			t.m.timers = append(t.m.timers[:i], t.m.timers[i+1:]...)
			return true
		}
	}
	return false
}

// Waiting reports how many timers wait on the clock: a test moves the
// clock once the engine it drives is waiting.
func (m *Manual) Waiting() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.timers)
}
