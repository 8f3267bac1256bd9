package eventbridge

import (
	"encoding/json"
	"fmt"
)

// maybeCheckpoint starts a snapshot in the background once the log grew
// past ckptEvery since the last one.
func (s *Service) maybeCheckpoint() {
	if s.cfg.Log.Size() < s.ckptEvery.Load() || !s.checkpointing.TryLock() {
		return
	}
	if !s.spawn(func() {
		defer s.checkpointing.Unlock()
		if err := s.checkpoint(); err != nil {
			s.cfg.Logger.Warn("eventbridge checkpoint failed; the log keeps growing until the next one", "err", err)
		}
	}) {
		s.checkpointing.Unlock()
	}
}

// Checkpoint writes a snapshot of the whole state now, so the next start
// replays it instead of the log behind it. It waits for a background
// snapshot that is running.
func (s *Service) Checkpoint() error {
	s.checkpointing.Lock()
	defer s.checkpointing.Unlock()
	return s.checkpoint()
}

// checkpoint writes the whole state as a snapshot that replaces the log.
func (s *Service) checkpoint() error {
	// Every record is added under s.mu, s.archMu or s.retry.mu: holding
	// all three, the snapshot position and the state it describes agree.
	s.mu.RLock()
	s.archMu.Lock()
	s.retry.mu.Lock()
	unlock := func() {
		s.retry.mu.Unlock()
		s.archMu.Unlock()
		s.mu.RUnlock()
	}
	snap, err := s.cfg.Log.Checkpoint()
	if err != nil {
		unlock()
		return fmt.Errorf("starting snapshot: %w", err)
	}
	recs := s.stateRecords()
	bufs := make([][]byte, len(recs))
	size := int64(0)
	for i, r := range recs {
		bufs[i], err = json.Marshal(r)
		if err != nil {
			break
		}
		size += int64(len(bufs[i]))
	}
	unlock()
	if err != nil {
		return errJoinAbort(fmt.Errorf("encoding snapshot: %w", err), snap.Abort())
	}
	for _, b := range bufs {
		if err := snap.Write(b); err != nil {
			return errJoinAbort(fmt.Errorf("writing snapshot: %w", err), snap.Abort())
		}
	}
	if err := snap.Commit(); err != nil {
		return fmt.Errorf("committing snapshot: %w", err)
	}
	// An archive makes the snapshot large: let the log grow as much
	// again before the next one, so rewriting it stays linear.
	s.ckptEvery.Store(max(s.ckptMin.Load(), size))
	return nil
}

func errJoinAbort(err, abortErr error) error {
	if abortErr != nil {
		return fmt.Errorf("%w (aborting: %v)", err, abortErr)
	}
	return err
}
