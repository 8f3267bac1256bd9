package eventbridge

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/localaws/awsapi"
	"github.com/licenseflow/licenseflow/localaws/pattern"
	"github.com/licenseflow/licenseflow/localaws/storage"
)

// An archive keeps the events of one bus that its pattern matches, for
// RetentionDays (0: for ever), so replays can send them again. As on AWS,
// EventBridge manages a rule on the bus for each archive
// (Events-Archive-NAME, ManagedBy events.amazonaws.com) whose pattern is
// the archive's plus "replay-name" must not exist: replayed events are
// never archived again. The rule is listed like any other and cannot be
// changed or deleted by the user; it has no targets.

const (
	managedByEvents   = "events.amazonaws.com"
	archiveRulePrefix = "Events-Archive-"
	archiveEnabled    = "ENABLED"
)

type archive struct {
	name        string
	bus         string
	description string
	pattern     string // as the user gave it
	kms         string
	retention   int32 // days; 0 keeps events for ever
	created     time.Time

	// Guarded by Service.archMu: the events in the order they were
	// archived, and the sum of their sizes.
	events []*archivedEvent
	size   int64
}

type archiveRecord struct {
	Name        string `json:"name"`
	Bus         string `json:"bus"`
	Description string `json:"desc,omitempty"`
	Pattern     string `json:"pattern,omitempty"`
	Kms         string `json:"kms,omitempty"`
	Retention   int32  `json:"days,omitempty"`
	Created     int64  `json:"c"`
}

// archivedEvent is one event in an archive; it never changes once made.
type archivedEvent struct {
	ID  string          `json:"id"`
	T   int64           `json:"t"`  // the event's time, unix ms: replay windows and order
	In  int64           `json:"in"` // when it was archived, unix ms: retention
	Env json.RawMessage `json:"env"`
}

func (s *Service) archiveARN(name string) string {
	return "arn:aws:events:" + s.cfg.Region + ":" + s.cfg.AccountID + ":archive/" + name
}

// archiveName resolves an archive ARN ("" if v is not one).
func (s *Service) archiveName(v string) string {
	name, _ := strings.CutPrefix(v, "arn:aws:events:"+s.cfg.Region+":"+s.cfg.AccountID+":archive/")
	if name == v {
		return ""
	}
	return name
}

// archivePattern is the managed rule's pattern: the archive's, and no
// replay-name.
func archivePattern(user string) (string, error) {
	fields := map[string]json.RawMessage{}
	if user != "" {
		if err := json.Unmarshal([]byte(user), &fields); err != nil {
			return "", err
		}
	}
	fields["replay-name"] = json.RawMessage(`[{"exists":false}]`)
	return string(marshalJSON(fields)), nil
}

func archiveNotFound(name string) *awsapi.Error {
	return notFound("Archive %s does not exist.", name)
}

func (s *Service) createArchive(ctx context.Context, in *createArchiveInput) (*archiveStateOutput, error) {
	if !validName(in.ArchiveName, 48) {
		return nil, validation("1 validation error detected: Value '%s' at 'archiveName' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length 1 to 48", in.ArchiveName)
	}
	bn, ok := strings.CutPrefix(in.EventSourceArn, s.busARN(""))
	if !ok || bn == "" {
		return nil, validation("Parameter EventSourceArn is not valid: %q is not the ARN of an event bus of this account.", in.EventSourceArn)
	}
	ar := &archiveRecord{Name: in.ArchiveName, Bus: bn, Created: s.now().UnixMilli()}
	if err := ar.set(in.Description, in.EventPattern, in.RetentionDays, in.KmsKeyIdentifier); err != nil {
		return nil, err
	}
	err := s.update(ctx, func() ([]*record, error) {
		if _, ok := s.archives[ar.Name]; ok {
			return nil, alreadyExists("Archive %s already exists.", ar.Name)
		}
		if _, err := s.findBus(bn); err != nil {
			return nil, err
		}
		return []*record{{Op: opArchive, Archive: ar}}, nil
	})
	if err != nil {
		return nil, err
	}
	return s.archiveState(ar), nil
}

// set changes the fields given (nil: unchanged), validating them.
func (ar *archiveRecord) set(description, eventPattern *string, days *int32, kms *string) error {
	if description != nil {
		if len(*description) > 512 {
			return validation("Description must be at most 512 characters.")
		}
		ar.Description = *description
	}
	if eventPattern != nil {
		if *eventPattern != "" {
			if _, err := pattern.Compile([]byte(*eventPattern)); err != nil {
				return invalidPattern(err)
			}
		}
		ar.Pattern = *eventPattern
	}
	if days != nil {
		if *days < 0 {
			return validation("RetentionDays must be 0 or more.")
		}
		ar.Retention = *days
	}
	if kms != nil {
		ar.Kms = *kms
	}
	return nil
}

// archiveState is what CreateArchive and UpdateArchive answer.
func (s *Service) archiveState(ar *archiveRecord) *archiveStateOutput {
	return &archiveStateOutput{ArchiveArn: s.archiveARN(ar.Name), CreationTime: epochPtr(time.UnixMilli(ar.Created)), State: archiveEnabled}
}

func (s *Service) describeArchive(ctx context.Context, in *archiveNameInput) (*archiveOutput, error) {
	return describeOf(s, s.archives, in.ArchiveName, archiveNotFound, func(a *archive) *archiveOutput {
		out := s.archiveOutput(a)
		out.ArchiveArn = s.archiveARN(a.name)
		return out
	})
}

// archiveOutput describes a; the caller holds s.mu.
func (s *Service) archiveOutput(a *archive) *archiveOutput {
	s.archMu.Lock()
	count, size := int64(len(a.events)), a.size
	s.archMu.Unlock()
	return &archiveOutput{archiveStateOutput: archiveStateOutput{CreationTime: epochPtr(a.created), State: archiveEnabled},
		ArchiveName: a.name, Description: a.description, EventCount: count, EventPattern: a.pattern,
		EventSourceArn: s.busARN(a.bus), KmsKeyIdentifier: a.kms, RetentionDays: a.retention, SizeBytes: size}
}

func (s *Service) listArchives(ctx context.Context, in *filteredListInput) (*listOutput[*archiveOutput], error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keep := func(a *archive) bool {
		return (in.EventSourceArn == "" || in.EventSourceArn == s.busARN(a.bus)) && (in.State == "" || in.State == archiveEnabled)
	}
	return listPageOf("Archives", s.archives, &in.listInput, keep, s.archiveOutput)
}

func (s *Service) updateArchive(ctx context.Context, in *createArchiveInput) (*archiveStateOutput, error) {
	var ar archiveRecord
	err := updateNamed(ctx, s, s.archives, in.ArchiveName, archiveNotFound, func(a *archive) ([]*record, error) {
		ar = a.record()
		if err := ar.set(in.Description, in.EventPattern, in.RetentionDays, in.KmsKeyIdentifier); err != nil {
			return nil, err
		}
		return []*record{{Op: opArchive, Archive: &ar}}, nil
	})
	if err != nil {
		return nil, err
	}
	s.poke() // the retention may have changed
	return s.archiveState(&ar), nil
}

// deleteArchive deletes an archive with its events and its rule; a replay
// from it that is still running fails.
func (s *Service) deleteArchive(ctx context.Context, in *archiveNameInput) (*awsapi.Empty, error) {
	return nil, updateNamed(ctx, s, s.archives, in.ArchiveName, archiveNotFound, func(*archive) ([]*record, error) {
		return []*record{{Op: opDelArchive, Name: in.ArchiveName}}, nil
	})
}

func (a *archive) record() archiveRecord {
	return archiveRecord{Name: a.name, Bus: a.bus, Description: a.description, Pattern: a.pattern, Kms: a.kms,
		Retention: a.retention, Created: a.created.UnixMilli()}
}

// applyArchive creates or updates an archive and its rule. The caller
// holds s.mu (or is replaying).
func (s *Service) applyArchive(ar *archiveRecord) {
	a := s.archives[ar.Name]
	if a == nil {
		a = &archive{name: ar.Name}
		s.archives[ar.Name] = a
	}
	a.bus, a.description, a.pattern, a.kms = ar.Bus, ar.Description, ar.Pattern, ar.Kms
	a.retention, a.created = ar.Retention, time.UnixMilli(ar.Created)
	if b := s.buses[a.bus]; b != nil {
		s.attachArchiveRule(b, a)
	}
}

// attachArchiveRules gives a bus the rules of its archives (a bus made
// again after it was deleted gets them back).
func (s *Service) attachArchiveRules(b *bus) {
	for _, a := range s.archives {
		if a.bus == b.name {
			s.attachArchiveRule(b, a)
		}
	}
}

func (s *Service) attachArchiveRule(b *bus, a *archive) {
	p, err := archivePattern(a.pattern)
	var compiled *pattern.Pattern
	if err == nil {
		compiled, err = pattern.Compile([]byte(p))
	}
	if err != nil {
		// Keep the archive (it archives nothing) rather than lose its events.
		s.cfg.Logger.Warn("archive pattern no longer compiles", "archive", a.name, "err", err)
	}
	b.rules[archiveRulePrefix+a.name] = &rule{name: archiveRulePrefix + a.name, bus: b.name, pattern: p,
		compiled: compiled, enabled: true, state: "ENABLED", archive: a,
		description: "Managed rule of archive " + a.name + ": events are archived, replayed events are not."}
}

func (s *Service) removeArchive(name string) {
	a := s.archives[name]
	if a == nil {
		return
	}
	delete(s.archives, name)
	if b := s.buses[a.bus]; b != nil && b.rules[archiveRulePrefix+name] != nil && b.rules[archiveRulePrefix+name].archive == a {
		delete(b.rules, archiveRulePrefix+name)
	}
}

// archiveWrite is one event for the archives whose rules matched it.
type archiveWrite struct {
	archives []*archive
	ev       *archivedEvent
}

// archiveEvents adds the events to their archives and their records to
// the log, and returns the position to wait for before acknowledging
// them.
func (s *Service) archiveEvents(ws []archiveWrite) (storage.Pos, error) {
	recs := make([]*record, len(ws))
	for i, w := range ws {
		names := make([]string, len(w.archives))
		for j, a := range w.archives {
			names[j] = a.name
		}
		recs[i] = &record{Op: opArchived, IDs: names, Event: w.ev}
	}
	s.archMu.Lock()
	defer s.archMu.Unlock()
	pos, err := s.add(recs...)
	if err != nil {
		return 0, err
	}
	first := false
	for _, w := range ws {
		for _, a := range w.archives {
			first = first || (len(a.events) == 0 && a.retention > 0)
			a.add(w.ev)
		}
	}
	if first {
		s.poke() // the clock loop had nothing to expire
	}
	return pos, nil
}

// add appends ev; the caller holds archMu.
func (a *archive) add(ev *archivedEvent) {
	a.events = append(a.events, ev)
	a.size += int64(len(ev.Env))
}

// applyArchived replays an opArchived record.
func (s *Service) applyArchived(names []string, ev *archivedEvent) {
	for _, n := range names {
		if a := s.archives[n]; a != nil {
			a.add(ev)
		}
	}
}

// pruneArchives drops the events older than their archive's retention.
func (s *Service) pruneArchives(now time.Time) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.archMu.Lock()
	defer s.archMu.Unlock()
	for _, a := range s.archives {
		if a.retention <= 0 || len(a.events) == 0 {
			continue
		}
		cutoff := now.Add(-time.Duration(a.retention) * 24 * time.Hour).UnixMilli()
		if a.events[0].In >= cutoff {
			continue // archived in order: nothing has expired yet
		}
		kept := slices.DeleteFunc(slices.Clone(a.events), func(ev *archivedEvent) bool { return ev.In < cutoff })
		if len(kept) == len(a.events) {
			continue
		}
		a.events, a.size = kept, 0
		for _, ev := range kept {
			a.size += int64(len(ev.Env))
		}
	}
}

// nextExpiry is when the oldest archived event with a retention expires
// (zero when none will).
func (s *Service) nextExpiry() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.archMu.Lock()
	defer s.archMu.Unlock()
	var next time.Time
	for _, a := range s.archives {
		if a.retention <= 0 || len(a.events) == 0 {
			continue
		}
		at := time.UnixMilli(a.events[0].In).Add(time.Duration(a.retention) * 24 * time.Hour)
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next
}

// archiveRecords describes the archives and their events for a
// snapshot; the caller holds s.mu and s.archMu.
func (s *Service) archiveRecords() []*record {
	var recs []*record
	for _, n := range slices.Sorted(maps.Keys(s.archives)) {
		a := s.archives[n]
		ar := a.record()
		recs = append(recs, &record{Op: opArchive, Archive: &ar})
		for _, ev := range a.events {
			recs = append(recs, &record{Op: opArchived, IDs: []string{n}, Event: ev})
		}
	}
	return recs
}
