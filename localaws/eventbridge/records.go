package eventbridge

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/licenseflow/licenseflow/localaws/pattern"
	"github.com/licenseflow/licenseflow/localaws/storage"
)

// Log record operations. Config records are appended durably; retry
// progress ("try", "done") is appended without waiting for the disk, as a
// lost one only repeats an attempt.
const (
	opBus      = "bus"      // create or replace a bus (Bus)
	opDelBus   = "delbus"   // delete bus Name with its rules
	opRule     = "rule"     // create or update a rule (Rule); targets stay
	opDelRule  = "delrule"  // delete rule Name on BusName
	opTargets  = "targets"  // add or replace Targets on rule Name of BusName
	opUntarget = "untarget" // remove IDs from rule Name of BusName
	opTags     = "tags"     // replace the tags of ARN
	opPending  = "pending"  // a delivery waiting for a retry (Pending)
	opTry      = "try"      // pending ID failed again: Attempts, NextAt
	opDone     = "done"     // pending ID is finished (delivered or dead-lettered)

	opArchive    = "archive"    // create or update an archive (Archive)
	opDelArchive = "delarchive" // delete archive Name with its events
	opArchived   = "archived"   // Event is archived in the archives IDs
	opReplay     = "replay"     // create or update a replay (Replay)
	opTick       = "tick"       // scheduled rule Name fired its tick NextAt (before delivering it)
	opConn       = "conn"       // create or update a connection (Conn, with its secrets)
	opDelConn    = "delconn"    // delete connection Name
	opAPIDest    = "apidest"    // create or update an API destination (Dest)
	opDelAPIDest = "delapidest" // delete API destination Name
)

type record struct {
	Op       string            `json:"op"`
	Bus      *busRecord        `json:"bus,omitempty"`
	Rule     *ruleRecord       `json:"rule,omitempty"`
	Pending  *delivery         `json:"p,omitempty"`
	BusName  string            `json:"b,omitempty"`
	Name     string            `json:"n,omitempty"`
	Targets  []Target          `json:"t,omitempty"`
	IDs      []string          `json:"ids,omitempty"`
	ARN      string            `json:"arn,omitempty"`
	Tags     map[string]string `json:"tags,omitempty"`
	Attempts int               `json:"a,omitempty"`
	NextAt   int64             `json:"at,omitempty"`
	Error    string            `json:"e,omitempty"`
	Archive  *archiveRecord    `json:"archive,omitempty"`
	Event    *archivedEvent    `json:"ev,omitempty"`
	Replay   *replayRecord     `json:"replay,omitempty"`
	Conn     *connRecord       `json:"conn,omitempty"`
	Dest     *apiDestRecord    `json:"dest,omitempty"`
}

type busRecord struct {
	Name        string `json:"name"`
	Description string `json:"desc,omitempty"`
	Created     int64  `json:"c"`
	Modified    int64  `json:"m"`
}

type ruleRecord struct {
	Name        string `json:"name"`
	Bus         string `json:"bus"`
	Pattern     string `json:"pattern,omitempty"`
	Schedule    string `json:"sched,omitempty"`
	Created     int64  `json:"c,omitempty"` // unix ms: rate schedules tick whole periods after it
	State       string `json:"state"`
	Description string `json:"desc,omitempty"`
	RoleArn     string `json:"role,omitempty"`
}

// update runs fn under the config lock; fn validates the request against
// the current state and returns the records describing the change. They
// take their place in the log and are applied under the lock, and are
// durable when update returns nil.
func (s *Service) update(ctx context.Context, fn func() ([]*record, error)) error {
	return s.record(ctx, true, fn)
}

// record is update, waiting for the disk only when durable.
func (s *Service) record(ctx context.Context, durable bool, fn func() ([]*record, error)) error {
	s.mu.Lock()
	recs, err := fn()
	var pos storage.Pos
	if err == nil && len(recs) > 0 {
		if pos, err = s.add(recs...); err == nil {
			for _, rec := range recs {
				s.applyConfig(rec)
			}
		}
	}
	s.mu.Unlock()
	if err != nil || len(recs) == 0 {
		return err
	}
	if err := s.cfg.Log.Wait(ctx, pos, durable); err != nil {
		return fmt.Errorf("recording %s: %w", recs[0].Op, err)
	}
	s.maybeCheckpoint()
	return nil
}

// add puts records in the log, in order, without waiting for the write.
// Call it under the lock that guards the state they describe.
func (s *Service) add(recs ...*record) (storage.Pos, error) {
	bufs := make([][]byte, len(recs))
	for i, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return 0, fmt.Errorf("encoding %s record: %w", r.Op, err)
		}
		bufs[i] = b
	}
	pos, err := s.cfg.Log.Add(bufs...)
	if err != nil {
		return 0, fmt.Errorf("recording %s: %w", recs[0].Op, err)
	}
	return pos, nil
}

// replay applies one record of the log at start. A record that does not
// decode, has an unknown op or lacks the part its op needs is damage: the
// error stops the replay (see package storage). A well-formed record about
// a bus or rule that is gone is history and is skipped.
func (s *Service) replay(b []byte) error {
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return fmt.Errorf("eventbridge record: %w", err)
	}
	if err := rec.check(); err != nil {
		return err
	}
	switch rec.Op {
	case opPending, opTry, opDone:
		s.retry.apply(&rec)
	case opArchived:
		s.applyArchived(rec.IDs, rec.Event)
	default:
		s.applyConfig(&rec)
	}
	return nil
}

// check reports a record whose op is unknown or lacks the part it needs.
func (r *record) check() error {
	need, known := recordNeeds[r.Op]
	switch {
	case !known:
		return fmt.Errorf("eventbridge record: unknown op %q", r.Op)
	case need.part != "" && !need.has(r):
		return fmt.Errorf("eventbridge %s record without its %s", r.Op, need.part)
	}
	return nil
}

// recordNeeds is every op, with the part of the record it cannot do
// without (none for the ops that name what they change).
var recordNeeds = map[string]struct {
	part string
	has  func(*record) bool
}{
	opBus:      {"bus", func(r *record) bool { return r.Bus != nil }},
	opRule:     {"rule", func(r *record) bool { return r.Rule != nil }},
	opPending:  {"delivery", func(r *record) bool { return r.Pending != nil }},
	opArchive:  {"archive", func(r *record) bool { return r.Archive != nil }},
	opArchived: {"event", func(r *record) bool { return r.Event != nil }},
	opReplay:   {"replay", func(r *record) bool { return r.Replay != nil }},
	opConn:     {"connection", func(r *record) bool { return r.Conn != nil }},
	opAPIDest:  {"API destination", func(r *record) bool { return r.Dest != nil }},
	opDelBus:   {}, opDelRule: {}, opTargets: {}, opUntarget: {}, opTags: {},
	opTry: {}, opDone: {}, opDelArchive: {}, opTick: {}, opDelConn: {}, opDelAPIDest: {},
}

// applyConfig changes the state as rec describes. The caller holds s.mu
// (or is replaying).
func (s *Service) applyConfig(rec *record) {
	switch rec.Op {
	case opBus:
		br := rec.Bus
		b := s.buses[br.Name]
		if b == nil {
			b = &bus{name: br.Name, rules: map[string]*rule{}}
			s.buses[br.Name] = b
		}
		b.description = br.Description
		b.created = time.UnixMilli(br.Created)
		b.modified = time.UnixMilli(br.Modified)
		s.attachArchiveRules(b)
	case opDelBus:
		delete(s.buses, rec.Name)
	case opRule:
		s.applyRule(rec.Rule)
	case opDelRule:
		if b := s.buses[rec.BusName]; b != nil {
			delete(b.rules, rec.Name)
		}
	case opTargets:
		if r := s.rule(rec.BusName, rec.Name); r != nil {
			for _, t := range rec.Targets {
				pt, err := prepareTarget(t)
				if err != nil {
					s.cfg.Logger.Warn("replaying target", "rule", rec.Name, "target", t.Id, "err", err)
					continue
				}
				if i, ok := r.target(t.Id); ok {
					r.targets[i] = pt
				} else {
					r.targets = append(r.targets[:i], append([]*target{pt}, r.targets[i:]...)...)
				}
			}
		}
	case opUntarget:
		if r := s.rule(rec.BusName, rec.Name); r != nil {
			for _, id := range rec.IDs {
				if i, ok := r.target(id); ok {
					r.targets = append(r.targets[:i], r.targets[i+1:]...)
				}
			}
		}
	case opTags:
		s.setTags(rec.ARN, rec.Tags)
	case opArchive:
		s.applyArchive(rec.Archive)
	case opDelArchive:
		s.removeArchive(rec.Name)
	case opReplay:
		s.applyReplay(rec.Replay)
	case opConn:
		s.applyConnection(rec.Conn)
	case opDelConn:
		delete(s.connections, rec.Name)
	case opAPIDest:
		s.apiDests[rec.Dest.Name] = &apiDest{*rec.Dest}
	case opDelAPIDest:
		delete(s.apiDests, rec.Name)
	case opTick:
		if r := s.rule(rec.BusName, rec.Name); r != nil && rec.NextAt > r.lastTick.UnixMilli() {
			r.lastTick = time.UnixMilli(rec.NextAt)
		}
	}
}

func (s *Service) applyRule(rr *ruleRecord) {
	b := s.buses[rr.Bus]
	if b == nil {
		s.cfg.Logger.Warn("replaying rule of a missing bus", "rule", rr.Name, "bus", rr.Bus)
		return
	}
	r := b.rules[rr.Name]
	if r == nil {
		r = &rule{name: rr.Name, bus: rr.Bus}
		b.rules[rr.Name] = r
	}
	if r.pattern != rr.Pattern || r.compiled == nil {
		r.compiled = nil
		if rr.Pattern != "" {
			p, err := pattern.Compile([]byte(rr.Pattern))
			if err != nil {
				// Keep the rule (it matches nothing) rather than lose it and its targets.
				s.cfg.Logger.Warn("rule pattern no longer compiles", "rule", rr.Name, "err", err)
			}
			r.compiled = p
		}
	}
	enabled := rr.State != "DISABLED"
	if r.schedule != rr.Schedule || r.created.UnixMilli() != rr.Created || enabled != r.enabled {
		// A schedule ticks from now on: not for the ticks it missed while
		// disabled, changed or stopped.
		r.since = s.now()
		r.sched = nil
		if rr.Schedule != "" {
			sched, err := parseSchedule(rr.Schedule, time.UnixMilli(rr.Created))
			if err != nil {
				s.cfg.Logger.Warn("rule schedule no longer parses", "rule", rr.Name, "err", err)
			}
			r.sched = sched
		}
		s.poke() // the clock loop's next tick may have changed
	}
	r.pattern, r.schedule, r.created = rr.Pattern, rr.Schedule, time.UnixMilli(rr.Created)
	r.state = rr.State
	r.enabled = enabled
	r.description = rr.Description
	r.roleArn = rr.RoleArn
}

func (s *Service) rule(busName, name string) *rule {
	if b := s.buses[busName]; b != nil {
		return b.rules[name]
	}
	return nil
}

// stateRecords describes the whole state as records, for a snapshot. The
// caller holds s.mu, s.archMu and the retrier's lock.
func (s *Service) stateRecords() []*record {
	var recs []*record
	for _, bn := range slices.Sorted(maps.Keys(s.buses)) {
		b := s.buses[bn]
		recs = append(recs, &record{Op: opBus, Bus: &busRecord{Name: b.name, Description: b.description,
			Created: b.created.UnixMilli(), Modified: b.modified.UnixMilli()}})
		if len(b.tags) > 0 {
			recs = append(recs, &record{Op: opTags, ARN: s.busARN(b.name), Tags: b.tags})
		}
		for _, rn := range slices.Sorted(maps.Keys(b.rules)) {
			r := b.rules[rn]
			if r.archive != nil {
				continue // the archive's record makes it
			}
			rr := r.record()
			recs = append(recs, &record{Op: opRule, Rule: &rr})
			if !r.lastTick.IsZero() {
				recs = append(recs, &record{Op: opTick, BusName: r.bus, Name: r.name, NextAt: r.lastTick.UnixMilli()})
			}
			if len(r.tags) > 0 {
				recs = append(recs, &record{Op: opTags, ARN: s.ruleARN(r.bus, r.name), Tags: r.tags})
			}
			if len(r.targets) > 0 {
				ts := make([]Target, len(r.targets))
				for i, t := range r.targets {
					ts[i] = t.wire
				}
				recs = append(recs, &record{Op: opTargets, BusName: r.bus, Name: r.name, Targets: ts})
			}
		}
	}
	for _, n := range slices.Sorted(maps.Keys(s.connections)) {
		cr := s.connections[n].connRecord
		recs = append(recs, &record{Op: opConn, Conn: &cr})
	}
	for _, n := range slices.Sorted(maps.Keys(s.apiDests)) {
		dr := s.apiDests[n].apiDestRecord
		recs = append(recs, &record{Op: opAPIDest, Dest: &dr})
	}
	recs = append(recs, s.archiveRecords()...)
	recs = append(recs, s.replayRecords()...)
	return append(recs, s.retry.records()...)
}
