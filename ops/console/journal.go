package console

import (
	"encoding/json"
	"sort"
	"sync"
	"time"

	"github.com/licenseflow/licenseflow/ops/dlq"
)

// Journal bounds: the latest bus events and stage hops the console keeps.
const (
	journalEvents = 2000
	journalHops   = 5000
)

// BusEvent is one event the tail saw on the bus.
type BusEvent struct {
	// Seq numbers the events the console saw, from 1.
	Seq           int64
	ID            string
	Source        string
	DetailType    string
	CompanyID     string
	CorrelationID string
	// Time is the event's time; Seen when the console saw it.
	Time, Seen time.Time
	// Detail is the event's detail, as JSON.
	Detail json.RawMessage
	// Rules are the rules it matched, with where each sent it.
	Rules []MatchedRule
	// MatchError says why its rules are unknown, if they are.
	MatchError string
}

// MatchedRule is a rule an event matched.
type MatchedRule struct {
	Name    string
	Targets []Delivery
}

// Delivery is where a rule sent an event: a queue and, where the endpoint
// tells (localaws), what became of it.
type Delivery struct {
	Queue string
	// Outcome is DELIVERED, RETRYING, DEAD_LETTERED or FAILED; "" when
	// unknown.
	Outcome string
	Error   string
}

// Hop is one event a stage handled, as the process running the stages
// reports it (licenseflow run).
type Hop struct {
	Stage, DetailType, EventID, CompanyID, CorrelationID string
	// Err is the handler's error; "" when it succeeded.
	Err string
	At  time.Time
}

// journal keeps the latest bus events and hops, and wakes whoever waits
// for more.
type journal struct {
	mu      sync.Mutex
	events  []BusEvent // oldest first
	hops    []Hop      // oldest first
	seq     int64
	notes   []string // gaps and trouble, newest last
	changed chan struct{}
}

func newJournal() *journal { return &journal{changed: make(chan struct{})} }

// wake tells waiters something changed. Caller holds j.mu.
func (j *journal) wake() {
	close(j.changed)
	j.changed = make(chan struct{})
}

// addEvents appends evs, numbering them.
func (j *journal) addEvents(evs []BusEvent) {
	if len(evs) == 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range evs {
		j.seq++
		e.Seq = j.seq
		j.events = append(j.events, e)
	}
	j.events = keepLast(j.events, journalEvents)
	j.wake()
}

func (j *journal) addHop(h Hop) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.hops = keepLast(append(j.hops, h), journalHops)
	j.wake()
}

// note records something the events page should say (a gap in the tail).
func (j *journal) note(s string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.notes = keepLast(append(j.notes, time.Now().Format("15:04:05")+" "+s), 5)
}

// keepLast returns the last max elements of s, copied to a new array when
// s is longer, so what was dropped can be collected.
func keepLast[T any](s []T, max int) []T {
	if n := len(s) - max; n > 0 {
		return append([]T(nil), s[n:]...)
	}
	return s
}

// eventFilter selects events by detail-type and company ("" matches all).
type eventFilter struct {
	DetailType, Company string
}

func (f eventFilter) match(e BusEvent) bool {
	return (f.DetailType == "" || e.DetailType == f.DetailType) && (f.Company == "" || e.CompanyID == f.Company)
}

// latest returns, newest first, up to n events after seq that f selects,
// the highest Seq it knows, and the channel closed at the next change.
func (j *journal) latest(f eventFilter, after int64, n int) ([]BusEvent, int64, <-chan struct{}) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []BusEvent
	for i := len(j.events) - 1; i >= 0 && len(out) < n && j.events[i].Seq > after; i-- {
		if f.match(j.events[i]) {
			out = append(out, j.events[i])
		}
	}
	return out, j.seq, j.changed
}

// detailTypes are the detail-types seen, sorted, for the filter.
func (j *journal) detailTypes() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	seen := map[string]bool{}
	for _, e := range j.events {
		seen[e.DetailType] = true
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func (j *journal) notesCopy() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.notes...)
}

// flow returns the events and hops of one correlation id, oldest first.
func (j *journal) flow(correlation string) ([]BusEvent, []Hop) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var evs []BusEvent
	var hops []Hop
	for _, e := range j.events {
		if e.CorrelationID == correlation {
			evs = append(evs, e)
		}
	}
	for _, h := range j.hops {
		if h.CorrelationID == correlation {
			hops = append(hops, h)
		}
	}
	return evs, hops
}

// find looks an event id up among the events and hops: its correlation
// id and company, if either is known.
func (j *journal) find(eventID string) (correlation, company string, ok bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range j.events {
		if e.ID == eventID {
			return e.CorrelationID, e.CompanyID, true
		}
	}
	for _, h := range j.hops {
		if h.EventID == eventID {
			return h.CorrelationID, h.CompanyID, true
		}
	}
	return "", "", false
}

// correlations are the correlation ids of a company's events and hops,
// newest first.
func (j *journal) correlations(company string) []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	last := map[string]time.Time{}
	for _, e := range j.events {
		if e.CompanyID == company && e.CorrelationID != "" {
			last[e.CorrelationID] = maxTime(last[e.CorrelationID], e.Seen)
		}
	}
	for _, h := range j.hops {
		if h.CompanyID == company && h.CorrelationID != "" {
			last[h.CorrelationID] = maxTime(last[h.CorrelationID], h.At)
		}
	}
	out := make([]string, 0, len(last))
	for c := range last {
		out = append(out, c)
	}
	sort.Slice(out, func(a, b int) bool { return last[out[a]].After(last[out[b]]) })
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// busEvent reads an envelope into a BusEvent (Rules left to the caller);
// ok is false when body is no EventBridge event.
func busEvent(body string, seen time.Time) (BusEvent, bool) {
	s := dlq.ParseEvent(body)
	if s == nil {
		return BusEvent{}, false
	}
	var env struct {
		Detail json.RawMessage `json:"detail"`
	}
	_ = json.Unmarshal([]byte(body), &env) // ParseEvent read it already
	return BusEvent{ID: s.ID, Source: s.Source, DetailType: s.DetailType, CompanyID: s.CompanyID,
		CorrelationID: s.CorrelationID, Time: s.Time, Seen: seen, Detail: env.Detail}, true
}
