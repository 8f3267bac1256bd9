package eventbridge

import "time"

// clockLoop drops archived events past their retention when they expire.
func (s *Service) clockLoop() {
	for {
		now := s.now()
		s.pruneArchives(now)
		wait := time.Hour
		if next := s.nextExpiry(); !next.IsZero() {
			wait = min(wait, max(next.Sub(now), time.Millisecond))
		}
		if !s.sleep(wait, s.wake) {
			return
		}
	}
}

// sleep waits for d on the engine's clock, or until wake receives; it
// returns false once the service closes.
func (s *Service) sleep(d time.Duration, wake <-chan struct{}) bool {
	timer := s.cfg.Clock.NewTimer(d)
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
