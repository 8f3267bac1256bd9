package eventbridge

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
)

// A replay sends the events of an archive whose time lies in a window
// back to the archive's bus, in event-time order, each with a
// "replay-name" field, to the rules it names (or every rule of the bus
// that EventBridge does not manage). Its progress is in the log: a replay
// that was running when localaws stopped resumes after the last event it
// recorded (an event or a chunk may be sent again: delivery is at least
// once).

// Replay states, as on AWS.
const (
	replayStarting   = "STARTING"
	replayRunning    = "RUNNING"
	replayCancelling = "CANCELLING"
	replayCompleted  = "COMPLETED"
	replayCancelled  = "CANCELLED"
	replayFailed     = "FAILED"
)

// maxActiveReplays is AWS's quota of concurrent replays.
const maxActiveReplays = 10

// replayChunk is how many events a replay routes and delivers at once.
const replayChunk = 10

// eventKey orders archived events: by event time, then by when they were
// archived, then by id.
type eventKey struct {
	T  int64  `json:"t"`
	In int64  `json:"in"`
	ID string `json:"id"`
}

func keyOf(ev *archivedEvent) eventKey { return eventKey{ev.T, ev.In, ev.ID} }

func (k eventKey) compare(o eventKey) int {
	return cmp.Or(cmp.Compare(k.T, o.T), cmp.Compare(k.In, o.In), cmp.Compare(k.ID, o.ID))
}

// replayRecord is a replay's whole state; the log holds it after every
// change (durably for a change of State, without waiting for progress).
type replayRecord struct {
	Name        string    `json:"name"`
	Description string    `json:"desc,omitempty"`
	Archive     string    `json:"archive"`
	Bus         string    `json:"bus"`
	Filter      []string  `json:"filter,omitempty"` // rule ARNs
	Start       int64     `json:"from"`             // window, unix ms: Start <= event time < End
	End         int64     `json:"to"`
	State       string    `json:"state"`
	Reason      string    `json:"reason,omitempty"`
	Started     int64     `json:"started"`
	Ended       int64     `json:"ended,omitempty"`
	Last        int64     `json:"last,omitempty"` // time of the last event replayed
	Cursor      *eventKey `json:"cursor,omitempty"`
	Count       int64     `json:"count,omitempty"`
}

func (r *replayRecord) active() bool {
	return r.State == replayStarting || r.State == replayRunning || r.State == replayCancelling
}

// replay is a replayRecord in memory (a copy, changed only by
// applyReplay under s.mu).
type replay struct{ replayRecord }

func (s *Service) replayARN(name string) string {
	return "arn:aws:events:" + s.cfg.Region + ":" + s.cfg.AccountID + ":replay/" + name
}

func replayNotFound(name string) *awsapi.Error {
	return notFound("Replay %s does not exist.", name)
}

func (s *Service) startReplay(ctx context.Context, in *startReplayInput) (*replayStateOutput, error) {
	rr, err := s.checkReplay(in)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func() ([]*record, error) {
		if err := s.admitReplay(rr); err != nil {
			return nil, err
		}
		return []*record{{Op: opReplay, Replay: rr}}, nil
	})
	if err != nil {
		return nil, err
	}
	s.spawn(func() { s.runReplay(rr.Name) })
	return &replayStateOutput{ReplayArn: s.replayARN(rr.Name), ReplayStartTime: epochPtr(time.UnixMilli(rr.Started)), State: rr.State}, nil
}

// checkReplay validates what StartReplay can without the state.
func (s *Service) checkReplay(in *startReplayInput) (*replayRecord, error) {
	if !validName(in.ReplayName, 64) {
		return nil, validation("1 validation error detected: Value '%s' at 'replayName' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length 1 to 64", in.ReplayName)
	}
	switch {
	case in.EventStartTime == nil || in.EventEndTime == nil:
		return nil, validation("Parameters EventStartTime and EventEndTime are required.")
	case in.Destination == nil || in.Destination.Arn == "":
		return nil, validation("Parameter Destination is required.")
	case !in.EventStartTime.Before(in.EventEndTime.Time):
		return nil, validation("Parameter EventStartTime is not valid. Reason: EventStartTime must be before EventEndTime.")
	}
	now := s.now()
	if in.EventEndTime.After(now) {
		return nil, validation("Parameter EventEndTime is not valid. Reason: EventEndTime cannot be in the future.")
	}
	archive := s.archiveName(in.EventSourceArn)
	if archive == "" {
		return nil, validation("Parameter EventSourceArn is not valid: %q is not the ARN of an archive of this account.", in.EventSourceArn)
	}
	rr := &replayRecord{Name: in.ReplayName, Archive: archive, Bus: busName(in.Destination.Arn),
		Filter: in.Destination.FilterArns, Start: in.EventStartTime.UnixMilli(), End: in.EventEndTime.UnixMilli(),
		State: replayStarting, Started: now.UnixMilli()}
	if in.Description != nil {
		rr.Description = *in.Description
	}
	return rr, nil
}

// admitReplay checks a new replay against the state; the caller holds s.mu.
func (s *Service) admitReplay(rr *replayRecord) error {
	if s.replays[rr.Name] != nil {
		return alreadyExists("Replay %s already exists.", rr.Name)
	}
	a := s.archives[rr.Archive]
	if a == nil {
		return archiveNotFound(rr.Archive)
	}
	if a.bus != rr.Bus {
		return validation("Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted; "+
			"archive %s can replay only to %s.", a.name, s.busARN(a.bus))
	}
	b, err := s.findBus(rr.Bus)
	if err != nil {
		return err
	}
	for _, arn := range rr.Filter {
		r := b.rules[ruleName(arn)]
		if r == nil || s.ruleARN(r.bus, r.name) != arn {
			return notFound("Rule %s does not exist on event bus %s.", arn, rr.Bus)
		}
	}
	active := 0
	for _, r := range s.replays {
		if r.active() {
			active++
		}
	}
	if active >= maxActiveReplays {
		return limitExceeded("At most %d replays can be active at once.", maxActiveReplays)
	}
	return nil
}

func (s *Service) describeReplay(ctx context.Context, in *replayNameInput) (*replayOutput, error) {
	return describeOf(s, s.replays, in.ReplayName, replayNotFound, func(r *replay) *replayOutput {
		out := s.replayOutput(r)
		out.ReplayArn = s.replayARN(r.Name)
		out.Description = r.Description
		out.Destination = &replayDestination{Arn: s.busARN(r.Bus), FilterArns: r.Filter}
		return out
	})
}

func (s *Service) replayOutput(r *replay) *replayOutput {
	out := &replayOutput{replayStateOutput: replayStateOutput{ReplayStartTime: epochPtr(time.UnixMilli(r.Started)),
		State: r.State, StateReason: r.Reason}, ReplayName: r.Name, EventSourceArn: s.archiveARN(r.Archive),
		EventStartTime: epochPtr(time.UnixMilli(r.Start)), EventEndTime: epochPtr(time.UnixMilli(r.End))}
	if r.Last != 0 {
		out.EventLastReplayedTime = epochPtr(time.UnixMilli(r.Last))
	}
	if r.Ended != 0 {
		out.ReplayEndTime = epochPtr(time.UnixMilli(r.Ended))
	}
	return out
}

func (s *Service) listReplays(ctx context.Context, in *filteredListInput) (*listOutput[*replayOutput], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keep := func(r *replay) bool {
		return (in.EventSourceArn == "" || in.EventSourceArn == s.archiveARN(r.Archive)) && (in.State == "" || in.State == r.State)
	}
	return listPageOf("Replays", s.replays, &in.listInput, keep, s.replayOutput)
}

// cancelReplay asks a starting or running replay to stop; it is CANCELLED
// once it does (before its next chunk of events).
func (s *Service) cancelReplay(ctx context.Context, in *replayNameInput) (*replayStateOutput, error) {
	err := updateNamed(ctx, s, s.replays, in.ReplayName, replayNotFound, func(r *replay) ([]*record, error) {
		if r.State != replayStarting && r.State != replayRunning {
			return nil, awsapi.Errorf("IllegalStatusException", "Replay %s is %s: only a STARTING or RUNNING replay can be cancelled.",
				r.Name, r.State)
		}
		rr := r.replayRecord
		rr.State, rr.Reason = replayCancelling, "Cancellation requested."
		return []*record{{Op: opReplay, Replay: &rr}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &replayStateOutput{ReplayArn: s.replayARN(in.ReplayName), State: replayCancelling, StateReason: "Cancellation requested."}, nil
}

// applyReplay stores a replay's state; the caller holds s.mu (or is
// replaying the log).
func (s *Service) applyReplay(rr *replayRecord) {
	r := &replay{*rr}
	r.Filter = slices.Clone(rr.Filter)
	s.replays[rr.Name] = r
}

// replayRecords describes the replays for a snapshot; the caller holds s.mu.
func (s *Service) replayRecords() []*record {
	recs := make([]*record, 0, len(s.replays))
	for _, n := range slices.Sorted(maps.Keys(s.replays)) {
		rr := s.replays[n].replayRecord
		recs = append(recs, &record{Op: opReplay, Replay: &rr})
	}
	return recs
}

// resumeReplays starts the replays the log left active.
func (s *Service) resumeReplays() {
	s.mu.RLock()
	var names []string
	for n, r := range s.replays {
		if r.active() {
			names = append(names, n)
		}
	}
	s.mu.RUnlock()
	for _, n := range names {
		s.spawn(func() { s.runReplay(n) })
	}
}
