package payment

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Plan is what a price entitles a company to.
type Plan struct {
	// Name is the plan's name on the license (starter, team, ...).
	Name string `json:"name"`
	// Seats is the number of seats; when PerSeat is set it is the minimum
	// and the subscription quantity counts.
	Seats int `json:"seats"`
	// PerSeat makes the subscription quantity the number of seats.
	PerSeat bool `json:"per_seat,omitempty"`
	// Features are the feature flags the license lists.
	Features []string `json:"features"`
}

// Catalogue maps a price's lookup_key to its plan.
type Catalogue map[string]Plan

// DefaultCatalogue is starter (5 seats), team and enterprise (per seat),
// each with a monthly and a yearly price.
func DefaultCatalogue() Catalogue {
	starter := Plan{Name: "starter", Seats: 5, Features: []string{"core"}}
	team := Plan{Name: "team", Seats: 1, PerSeat: true, Features: []string{"audit-log", "core", "sso"}}
	enterprise := Plan{Name: "enterprise", Seats: 10, PerSeat: true, Features: []string{"audit-log", "core", "on-prem", "priority-support", "sso"}}
	return Catalogue{
		"starter_monthly": starter, "starter_yearly": starter,
		"team_monthly": team, "team_yearly": team,
		"enterprise_monthly": enterprise, "enterprise_yearly": enterprise,
	}
}

// ParseCatalogue reads a catalogue from JSON:
//
//	{"team_monthly": {"name": "team", "seats": 1, "per_seat": true, "features": ["sso"]}, ...}
func ParseCatalogue(data []byte) (Catalogue, error) {
	var c Catalogue
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("parsing plan catalogue: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate reports every invalid plan.
func (c Catalogue) Validate() error {
	var errs []error
	if len(c) == 0 {
		errs = append(errs, errors.New("plan catalogue is empty"))
	}
	for key, p := range c {
		if key == "" {
			errs = append(errs, errors.New("plan catalogue: empty lookup key"))
		}
		if p.Name == "" {
			errs = append(errs, fmt.Errorf("plan catalogue: %q has no name", key))
		}
		if p.Seats < 0 || (!p.PerSeat && p.Seats == 0) {
			errs = append(errs, fmt.Errorf("plan catalogue: %q has %d seats", key, p.Seats))
		}
	}
	return errors.Join(errs...)
}

// seats is the number of seats quantity buys on plan p.
func (p Plan) seats(quantity int64) int {
	if !p.PerSeat {
		return p.Seats
	}
	return max(p.Seats, int(min(quantity, 1_000_000)))
}

// features is a sorted copy of p's features.
func (p Plan) features() []string {
	f := slices.Clone(p.Features)
	slices.Sort(f)
	return slices.Compact(f)
}
