package eventbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// maxHops bounds the event buses one event crosses, so two buses that
// forward to each other do not pass an event round for ever.
const maxHops = 5

// forward puts the event of d on the event bus that is d's target, as it
// is (same id, same fields): the bus's rules match it, its archives keep
// it, its targets receive it, as for PutEvents. It fails when the bus does
// not exist (retried, as for a missing queue), or when the event could be
// neither delivered nor recorded there.
func (s *Service) forward(ctx context.Context, d *delivery) error {
	if d.Hops+1 >= maxHops {
		return &targetError{"RESOURCE_LIMIT_EXCEEDED", false, fmt.Sprintf("the event crossed %d event buses; forwarding stops there", maxHops)}
	}
	env := []byte(d.Body)
	var ev struct {
		ID   string    `json:"id"`
		Time time.Time `json:"time"`
	}
	if err := json.Unmarshal(env, &ev); err != nil || ev.ID == "" {
		return &targetError{"INVALID_JSON", false, "the event to forward is not an event"}
	}
	now := s.now()
	name := busName(d.Queue)
	s.mu.RLock()
	b := s.buses[name]
	if b == nil {
		s.mu.RUnlock()
		return fmt.Errorf("Event bus %s does not exist: %w", name, ErrQueueNotFound)
	}
	rt := s.route(b, &event{env: env, id: ev.ID, key: d.ID, at: now, hops: d.Hops + 1}, nil)
	s.mu.RUnlock()
	if len(rt.archives) > 0 {
		pos, err := s.archiveEvents([]archiveWrite{{rt.archives, &archivedEvent{ID: ev.ID, T: ev.Time.UnixMilli(), In: now.UnixMilli(), Env: env}}})
		if err == nil {
			err = s.cfg.Log.Wait(ctx, pos, true)
		}
		if err != nil {
			return fmt.Errorf("archiving the event on %s: %w", name, err)
		}
	}
	for _, o := range s.dispatch(ctx, rt.ds, now, false) {
		if o == OutcomeFailed {
			return errors.New("the event could be neither delivered nor recorded for retry on " + name)
		}
	}
	return nil
}
