package eventbridge

import "time"

// clockLoop fires the ticks of scheduled rules and drops archived events
// past their retention, each when its time comes on the engine's clock.
func (s *Service) clockLoop() {
	for {
		now := s.now()
		s.pruneArchives(now)
		due, next := s.dueTicks(now)
		for _, d := range due {
			s.fire(d, now)
		}
		if exp := s.nextExpiry(); !exp.IsZero() && (next.IsZero() || exp.Before(next)) {
			next = exp
		}
		until := now.Add(time.Hour)
		if !next.IsZero() && next.Before(until) {
			until = next
		}
		if !s.sleep(until, s.wake) {
			return
		}
	}
}

// sleep waits until the engine's clock reads until, or wake receives; it
// returns false once the service closes.
func (s *Service) sleep(until time.Time, wake <-chan struct{}) bool {
	timer := s.cfg.Clock.TimerAt(until)
	defer timer.Stop()
	select {
	case <-s.stop:
		return false
	case <-wake:
	case <-timer.C():
	}
	return true
}

// poke wakes clockLoop to look at the clock again.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// dueTick is the tick of a scheduled rule that came and has not fired.
type dueTick struct {
	rule string
	at   time.Time
}

// dueTicks returns the latest due tick of each enabled scheduled rule
// (ticks the clock jumped over fire once, as the latest), and the next
// tick of any after now.
func (s *Service) dueTicks(now time.Time) (due []dueTick, next time.Time) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buses[defaultBus] // the only bus with schedules
	if b == nil {
		return nil, time.Time{}
	}
	for _, r := range b.rules {
		if r.sched == nil || !r.enabled {
			continue
		}
		from := r.since
		if r.lastTick.After(from) {
			from = r.lastTick
		}
		var latest time.Time
		t, ok := r.sched.next(from)
		for ok && !t.After(now) {
			latest = t
			t, ok = r.sched.next(t)
		}
		if !latest.IsZero() {
			due = append(due, dueTick{r.name, latest})
		}
		if ok && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return due, next
}

// fire records a tick durably, then delivers its Scheduled Event to the
// rule's targets: a tick fires at most once, also across a crash.
func (s *Service) fire(d dueTick, now time.Time) {
	fired := false
	err := s.update(s.ctx, func() ([]*record, error) {
		r := s.rule(defaultBus, d.rule)
		if r == nil || r.sched == nil || !r.enabled || !r.lastTick.Before(d.at) {
			return nil, nil
		}
		fired = true
		return []*record{{Op: opTick, BusName: defaultBus, Name: d.rule, NextAt: d.at.UnixMilli()}}, nil
	})
	if err != nil {
		if s.ctx.Err() == nil {
			s.cfg.Logger.Warn("recording a scheduled rule's tick; it is skipped", "rule", d.rule, "tick", d.at, "err", err)
		}
		return
	}
	if !fired {
		return
	}
	id := newEventID()
	env, _ := s.buildEnvelope(id, "Scheduled Event", "aws.events", d.at, []string{s.ruleARN(defaultBus, d.rule)}, "{}")
	s.mu.RLock()
	var ds []*delivery
	if r := s.rule(defaultBus, d.rule); r != nil {
		ds = s.targetDeliveries(r, &event{env: env, id: id, key: id, at: now})
	}
	s.mu.RUnlock()
	for _, o := range s.dispatch(s.ctx, ds, now, false) {
		if o == OutcomeFailed {
			s.cfg.Logger.Error("a scheduled event could neither be delivered nor recorded for retry", "rule", d.rule, "tick", d.at)
		}
	}
}
