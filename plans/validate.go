package plans

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Limits of a catalogue.
const (
	// MaxSeats bounds seats, per-seat quantities and the trial allowance.
	MaxSeats = 1_000_000
	// MaxLookupKeyLen is the longest lookup key the event schemas accept.
	MaxLookupKeyLen = 200
	// MaxNameLen bounds plan names and features.
	MaxNameLen = 64
)

// Validate reports every problem of c, each naming its lookup key.
func (c Catalogue) Validate() error { return errors.Join(c.problems(nil)...) }

// problems lists what is wrong with c, leaving out the plans of skip (and
// the trial allowance when skip has "") whose values could not be read.
func (c Catalogue) problems(skip map[string]bool) []error {
	var errs []error
	switch {
	case len(c.Plans) == 0:
		errs = append(errs, errors.New("no plans: a catalogue needs at least one lookup key"))
	case len(c.Plans) > MaxPlans:
		errs = append(errs, fmt.Errorf("%d plans: at most %d", len(c.Plans), MaxPlans))
	}
	if !skip[""] && (c.TrialUsers < 1 || c.TrialUsers > MaxSeats) {
		errs = append(errs, fmt.Errorf("trial_users is %d: want 1 to %d (the admin is a user)", c.TrialUsers, MaxSeats))
	}
	for _, key := range c.Keys() {
		if err := validKey(key); err != nil {
			errs = append(errs, err)
		}
		if skip[key] {
			continue
		}
		for _, err := range c.Plans[key].problems() {
			errs = append(errs, fmt.Errorf("plan %q: %w", key, err))
		}
	}
	return errs
}

// problems lists what is wrong with p.
func (p Plan) problems() []error {
	var errs []error
	switch {
	case p.Name == "":
		errs = append(errs, errors.New("name is missing"))
	case len(p.Name) > MaxNameLen:
		errs = append(errs, fmt.Errorf("name is longer than %d bytes", MaxNameLen))
	case strings.TrimSpace(p.Name) != p.Name || strings.IndexFunc(p.Name, notPrintable) >= 0:
		errs = append(errs, fmt.Errorf("name %q has surrounding spaces or unprintable characters", p.Name))
	}
	switch {
	case p.Seats < 0 || p.Seats > MaxSeats:
		errs = append(errs, fmt.Errorf("seats is %d: want 0 to %d", p.Seats, MaxSeats))
	case p.Seats == 0 && !p.PerSeat:
		errs = append(errs, errors.New("seats is 0: a plan that is not per seat needs at least 1"))
	}
	if len(p.Features) > MaxFeatures {
		errs = append(errs, fmt.Errorf("%d features: at most %d", len(p.Features), MaxFeatures))
	}
	for _, f := range p.Features {
		if err := validID(f, MaxNameLen); err != nil {
			errs = append(errs, fmt.Errorf("feature %w", err))
		}
	}
	return errs
}

// validKey accepts what the event schemas accept as a price lookup_key:
// any other key could never match a price.
func validKey(key string) error {
	if err := validID(key, MaxLookupKeyLen); err != nil {
		return fmt.Errorf("lookup key %w (Stripe lookup keys the pipeline accepts use only these characters)", err)
	}
	return nil
}

// validID accepts 1 to maxLen characters of [A-Za-z0-9_.:-].
func validID(s string, maxLen int) error {
	switch {
	case s == "":
		return errors.New(`"" is empty`)
	case len(s) > maxLen:
		return fmt.Errorf("%q is longer than %d characters", s, maxLen)
	case strings.IndexFunc(s, notIDChar) >= 0:
		return fmt.Errorf("%q has a character outside [A-Za-z0-9_.:-]", s)
	}
	return nil
}

func notIDChar(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == ':' || r == '-')
}

func notPrintable(r rune) bool { return !unicode.IsPrint(r) }

// Normalized returns a copy of c with each plan's features sorted and
// without duplicates, as Parse returns catalogues.
func (c Catalogue) Normalized() Catalogue {
	out := Catalogue{TrialUsers: c.TrialUsers, Plans: make(map[string]Plan, len(c.Plans))}
	for k, p := range c.Plans {
		f := slices.Clone(p.Features)
		slices.Sort(f)
		p.Features = slices.Compact(f)
		if p.Features == nil {
			p.Features = []string{}
		}
		out.Plans[k] = p
	}
	return out
}
