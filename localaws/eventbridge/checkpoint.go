package eventbridge

import (
	"encoding/json"
	"fmt"
)

// maybeCheckpoint starts a snapshot in the background once the log grew
// past ckptEvery since the last one.
func (s *Service) maybeCheckpoint() {
	if s.cfg.Log.Size() < s.ckptEvery || !s.checkpointing.TryLock() {
		return
	}
	select {
	case <-s.stop:
		s.checkpointing.Unlock()
		return
	default:
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.checkpointing.Unlock()
		if err := s.checkpoint(); err != nil {
			s.cfg.Logger.Warn("eventbridge checkpoint failed; the log keeps growing until the next one", "err", err)
		}
	}()
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
	// Every record is added under s.mu or s.retry.mu: holding both, the
	// snapshot position and the state it describes agree.
	s.mu.RLock()
	s.retry.mu.Lock()
	snap, err := s.cfg.Log.Checkpoint()
	if err != nil {
		s.retry.mu.Unlock()
		s.mu.RUnlock()
		return fmt.Errorf("starting snapshot: %w", err)
	}
	recs := s.stateRecords()
	bufs := make([][]byte, len(recs))
	for i, r := range recs {
		bufs[i], err = json.Marshal(r)
		if err != nil {
			break
		}
	}
	s.retry.mu.Unlock()
	s.mu.RUnlock()
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
	return nil
}

func errJoinAbort(err, abortErr error) error {
	if abortErr != nil {
		return fmt.Errorf("%w (aborting: %v)", err, abortErr)
	}
	return err
}
