package sqs

// ReleaseInFlight makes every in-flight message receivable now and reports
// how many it released. SQS keeps a message invisible until its visibility
// timeout; a process that embeds localaws together with every consumer of
// its queues knows that no receipt handle from before its start can ever
// be used, and can skip that wait after a crash. Receive counts are kept,
// so redrive to a DLQ still counts every delivery. Call it right after New.
func (s *Service) ReleaseInFlight() int {
	s.mu.RLock()
	queues := make([]*queue, 0, len(s.byName))
	for _, q := range s.byName {
		queues = append(queues, q)
	}
	s.mu.RUnlock()
	now := s.nowMs()
	released := 0
	for _, q := range queues {
		q.mu.Lock()
		for _, m := range q.msgs {
			if m.state == stateInflight {
				q.setVisibility(m, now, now)
				released++
			}
		}
		q.mu.Unlock()
	}
	return released
}
