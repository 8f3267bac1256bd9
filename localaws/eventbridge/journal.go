package eventbridge

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Journal bounds: TailEvents keeps at most this many events, and this many
// bytes of them; the oldest go first.
const (
	journalEvents = 1000
	journalBytes  = 8 << 20
	// journalIdle is how long the journal keeps recording after the last
	// TailEvents call.
	journalIdle = time.Minute
	maxTailWait = 20 * time.Second
)

// Delivery outcomes TailEvents reports for each target an event went to.
const (
	OutcomeDelivered    = "DELIVERED"     // in the target queue
	OutcomeRetrying     = "RETRYING"      // the attempt failed; retried by its RetryPolicy
	OutcomeDeadLettered = "DEAD_LETTERED" // given up at once; in the target's dead-letter queue, if any
	OutcomeFailed       = "FAILED"        // neither delivered nor recorded; PutEvents reported the entry failed
	OutcomeQueued       = "QUEUED"        // recorded; an API destination is called after PutEvents answers
)

// TailInput is the input of TailEvents, an operation of localaws's own
// (package localaws serves it in the LocalAWSExtensions namespace).
type TailInput struct {
	// After is the Sequence of the last event the caller has; only later
	// events are returned. Without it, the latest events are.
	After *int64 `json:"After"`
	// MaxResults is the most events returned: 1 to 1000, default 100.
	MaxResults *int32 `json:"MaxResults"`
	// WaitTimeSeconds (0 to 20) makes the call wait for an event after
	// After when there is none yet, as a long poll does.
	WaitTimeSeconds *int32 `json:"WaitTimeSeconds"`
}

// TailOutput is what TailEvents answers, oldest event first.
type TailOutput struct {
	Events []TailedEvent `json:"Events"`
	// Sequence is the latest event's Sequence (the caller's next After).
	Sequence int64 `json:"Sequence"`
	// Missed is set when events after After were already dropped from
	// the journal (it keeps 1000 events, 8 MiB of them).
	Missed bool `json:"Missed,omitempty"`
	// RecordingSince is when the journal started recording (unix ms):
	// events accepted before it are not in it.
	RecordingSince int64 `json:"RecordingSince"`
}

// TailedEvent is one event PutEvents accepted, with where it went.
type TailedEvent struct {
	Sequence     int64  `json:"Sequence"`
	EventID      string `json:"EventId"`
	EventBusName string `json:"EventBusName"`
	// Event is the event as its targets receive it (the envelope).
	Event string `json:"Event"`
	// IngestedAt is when PutEvents accepted it (unix ms).
	IngestedAt int64 `json:"IngestedTimestamp"`
	// Rules are the rules it matched; none when it matched none.
	Rules []TailedRule `json:"Rules"`
}

// TailedRule is a rule an event matched, and its targets' outcomes.
type TailedRule struct {
	Name    string         `json:"Name"`
	Arn     string         `json:"Arn"`
	Targets []TailedTarget `json:"Targets"`
}

// TailedTarget is one delivery of an event.
type TailedTarget struct {
	ID  string `json:"Id"`
	Arn string `json:"Arn"`
	// Outcome is DELIVERED, QUEUED, RETRYING, DEAD_LETTERED or FAILED, as of the
	// end of the PutEvents call (a RETRYING delivery may succeed later).
	Outcome string `json:"Outcome"`
	Error   string `json:"Error,omitempty"`
}

// journal keeps the latest accepted events for TailEvents. It records only
// while someone tails (from a TailEvents call until journalIdle passes
// without one), so PutEvents pays nothing for it otherwise.
type journal struct {
	until atomic.Int64 // unix ms until which PutEvents records

	mu     sync.Mutex
	events []TailedEvent // oldest first; Sequences are consecutive
	bytes  int
	seq    int64
	since  int64 // unix ms since when it records without a gap
	notify chan struct{}
}

// accepted is an entry PutEvents accepted, kept for the journal.
type accepted struct {
	entry   int // index in the PutEvents input
	id, bus string
	env     []byte
}

// recording reports whether PutEvents should record its events now.
func (j *journal) recording(now time.Time) bool {
	return j.until.Load() > now.UnixMilli()
}

// add records the accepted entries of one PutEvents call: ds are its
// deliveries, entryOf[k] the input index of ds[k]'s entry, outcomes
// their outcomes.
func (j *journal) add(now time.Time, es []accepted, ds []*delivery, entryOf []int, outcomes []string) {
	if len(es) == 0 {
		return
	}
	evs := make([]TailedEvent, len(es))
	at := map[int]int{} // input index -> evs index
	for i, e := range es {
		at[e.entry] = i
		evs[i] = TailedEvent{EventID: e.id, EventBusName: e.bus, Event: string(e.env), IngestedAt: now.UnixMilli(), Rules: []TailedRule{}}
	}
	for k, d := range ds {
		ev := &evs[at[entryOf[k]]]
		if n := len(ev.Rules); n == 0 || ev.Rules[n-1].Arn != d.RuleARN {
			ev.Rules = append(ev.Rules, TailedRule{Name: d.RuleARN[strings.LastIndexByte(d.RuleARN, '/')+1:], Arn: d.RuleARN})
		}
		t := TailedTarget{ID: d.TargetID, Arn: d.Queue, Outcome: outcomes[k]}
		if t.Outcome != OutcomeDelivered {
			t.Error = d.ErrMessage
		}
		r := &ev.Rules[len(ev.Rules)-1]
		r.Targets = append(r.Targets, t)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, ev := range evs {
		j.seq++
		ev.Sequence = j.seq
		j.events = append(j.events, ev)
		j.bytes += len(ev.Event)
	}
	drop := 0
	for len(j.events)-drop > journalEvents || (j.bytes > journalBytes && len(j.events)-drop > 1) {
		j.bytes -= len(j.events[drop].Event)
		drop++
	}
	clear(j.events[:drop])
	j.events = j.events[drop:]
	close(j.notify)
	j.notify = make(chan struct{})
}

// oldest is the Sequence of the oldest event held. Caller holds j.mu.
func (j *journal) oldest() int64 {
	if len(j.events) == 0 {
		return j.seq + 1
	}
	return j.events[0].Sequence
}

// after returns up to n events with a Sequence above after, oldest first,
// or the latest n when after < 0. Caller holds j.mu.
func (j *journal) after(after int64, n int) []TailedEvent {
	first := j.oldest()
	if after < 0 {
		after = j.seq - int64(n)
	}
	i := min(max(after+1-first, 0), int64(len(j.events)))
	return append([]TailedEvent{}, j.events[i:min(i+int64(n), int64(len(j.events)))]...)
}

// TailEvents returns the events PutEvents accepted after in.After, with the
// rules each matched and where each went, without changing anything. The
// first call starts the journal (events accepted before it are not in it);
// it keeps recording while TailEvents is called at least once a minute.
func (s *Service) TailEvents(ctx context.Context, in *TailInput) (*TailOutput, error) {
	n := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > journalEvents {
			return nil, validation("Parameter MaxResults must be between 1 and 1000.")
		}
		n = int(*in.MaxResults)
	}
	var wait time.Duration
	if in.WaitTimeSeconds != nil {
		if *in.WaitTimeSeconds < 0 || time.Duration(*in.WaitTimeSeconds)*time.Second > maxTailWait {
			return nil, validation("Parameter WaitTimeSeconds must be between 0 and 20.")
		}
		wait = time.Duration(*in.WaitTimeSeconds) * time.Second
	}
	after := int64(-1)
	if in.After != nil {
		after = *in.After
	}
	j := &s.journal
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		now := s.now()
		j.mu.Lock()
		if !j.recording(now) { // first call, or idle since: a gap starts here
			j.since = now.UnixMilli()
			if j.notify == nil {
				j.notify = make(chan struct{})
			}
		}
		j.until.Store(now.Add(journalIdle).UnixMilli())
		out := &TailOutput{Events: j.after(after, n), Sequence: j.seq, RecordingSince: j.since,
			Missed: after >= 0 && after+1 < j.oldest() && j.seq > after}
		notify := j.notify
		j.mu.Unlock()
		if len(out.Events) > 0 {
			out.Sequence = out.Events[len(out.Events)-1].Sequence
		}
		if len(out.Events) > 0 || after < 0 || wait == 0 {
			return out, nil
		}
		select {
		case <-notify:
		case <-timer.C:
			wait = 0
		case <-ctx.Done():
			return out, nil
		case <-s.stop:
			return out, nil
		}
	}
}
