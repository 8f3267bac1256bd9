package eventbridge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
)

// runReplay sends the replay's events, a chunk at a time, until it
// completes, is cancelled or fails, or the service closes (then it
// resumes at the next start, after the last chunk it recorded).
func (s *Service) runReplay(name string) {
	rr, ok := s.replayState(name)
	if !ok || !rr.active() {
		return
	}
	if rr.State == replayCancelling {
		s.endReplay(name, replayCancelled, "Cancelled before it started.")
		return
	}
	evs, err := s.windowEvents(rr)
	if err != nil {
		s.endReplay(name, replayFailed, err.Error())
		return
	}
	if rr.State == replayStarting {
		s.changeReplay(name, true, func(r *replayRecord) { r.State = replayRunning })
	}
	for len(evs) > 0 {
		select {
		case <-s.stop:
			return
		default:
		}
		if cur, ok := s.replayState(name); !ok || cur.State == replayCancelling {
			s.endReplay(name, replayCancelled, "Cancelled by CancelReplay.")
			return
		}
		n := min(replayChunk, len(evs))
		if err := s.replayEvents(rr, evs[:n]); err != nil {
			s.endReplay(name, replayFailed, err.Error())
			return
		}
		last := evs[n-1]
		s.changeReplay(name, false, func(r *replayRecord) {
			k := keyOf(last)
			r.Cursor, r.Last, r.Count = &k, last.T, r.Count+int64(n)
		})
		evs = evs[n:]
	}
	s.endReplay(name, replayCompleted, "")
}

func (s *Service) replayState(name string) (replayRecord, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.replays[name]
	if r == nil {
		return replayRecord{}, false
	}
	return r.replayRecord, true
}

// windowEvents returns the archived events of the replay's window after
// its cursor, in event-time order.
func (s *Service) windowEvents(rr replayRecord) ([]*archivedEvent, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a := s.archives[rr.Archive]
	if a == nil {
		return nil, fmt.Errorf("Archive %s no longer exists.", rr.Archive)
	}
	s.archMu.Lock()
	evs := make([]*archivedEvent, 0, len(a.events))
	for _, ev := range a.events {
		if ev.T >= rr.Start && ev.T < rr.End && (rr.Cursor == nil || keyOf(ev).compare(*rr.Cursor) > 0) {
			evs = append(evs, ev)
		}
	}
	s.archMu.Unlock()
	slices.SortFunc(evs, func(a, b *archivedEvent) int { return keyOf(a).compare(keyOf(b)) })
	return evs, nil
}

// replayEvents routes events, each with its replay-name, to the replay's
// rules and delivers them, in order to each queue.
func (s *Service) replayEvents(rr replayRecord, evs []*archivedEvent) error {
	now := s.now()
	s.mu.RLock()
	b := s.buses[rr.Bus]
	if b == nil {
		s.mu.RUnlock()
		return fmt.Errorf("Event bus %s no longer exists.", rr.Bus)
	}
	accept := func(r *rule) bool {
		return r.archive == nil && (len(rr.Filter) == 0 || slices.Contains(rr.Filter, s.ruleARN(r.bus, r.name)))
	}
	var ds []*delivery
	for _, ev := range evs {
		e := &event{env: withReplayName(ev.Env, rr.Name), id: ev.ID, key: ev.ID + "@" + rr.Name, at: now}
		ds = append(ds, s.route(b, e, accept).ds...)
	}
	s.mu.RUnlock()
	lost := 0
	for _, o := range s.dispatch(s.ctx, ds, now, true) {
		if o == OutcomeFailed {
			lost++
		}
	}
	if lost > 0 {
		s.cfg.Logger.Error("replayed events could neither be delivered nor recorded for retry",
			"replay", rr.Name, "deliveries", lost)
	}
	return nil
}

// withReplayName is an envelope with a top-level "replay-name" field, as
// AWS marks a replayed event.
func withReplayName(env []byte, name string) []byte {
	var b bytes.Buffer
	b.Grow(len(env) + len(name) + 20)
	b.Write(env[:bytes.LastIndexByte(env, '}')])
	b.WriteString(`,"replay-name":`)
	writeJSONString(&b, name)
	b.WriteByte('}')
	return b.Bytes()
}

// changeReplay records a change of an active replay: durably when its
// state changes, without waiting for the disk for progress (a lost
// progress record repeats a chunk).
func (s *Service) changeReplay(name string, durable bool, change func(*replayRecord)) {
	err := s.record(context.Background(), durable, func() ([]*record, error) {
		r := s.replays[name]
		if r == nil || !r.active() {
			return nil, nil
		}
		rr := r.replayRecord
		rr.Filter = slices.Clone(r.Filter)
		change(&rr)
		return []*record{{Op: opReplay, Replay: &rr}}, nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		s.cfg.Logger.Warn("recording replay progress", "replay", name, "err", err)
	}
}

func (s *Service) endReplay(name, state, reason string) {
	now := s.now().UnixMilli()
	s.changeReplay(name, true, func(r *replayRecord) { r.State, r.Reason, r.Ended = state, reason, now })
}
