// Package plans is the SaaS owner's plan catalogue: which plan, how many
// seats and which features each payment-provider price buys, and how many
// users a company may have before its first license.
//
// The catalogue comes from a plans file (YAML or JSON, see Parse) or, when
// the owner has none, from Default. The payment stage issues licenses from
// it; the signup edge limits users with it (UserAllowance).
package plans

import (
	"maps"
	"slices"

	"github.com/licenseflow/licenseflow/events/license"
)

// DefaultTrialUsers is the trial allowance when a plans file names none.
const DefaultTrialUsers = 5

// Plan is what one price entitles a company to.
type Plan struct {
	// Name is the plan's name on the license (starter, team, ...).
	Name string `json:"name"`
	// Seats is the number of seats; when PerSeat is set it is the minimum
	// and the subscription quantity counts.
	Seats int `json:"seats"`
	// PerSeat makes the subscription quantity the number of seats.
	PerSeat bool `json:"per_seat"`
	// Features are the feature flags the license lists, sorted and
	// without duplicates once parsed or validated.
	Features []string `json:"features"`
}

// SeatsFor is the number of seats quantity (the subscription's) buys on p.
func (p Plan) SeatsFor(quantity int64) int {
	if !p.PerSeat {
		return p.Seats
	}
	return max(p.Seats, int(min(quantity, MaxSeats)))
}

// Equal reports whether p and o grant the same.
func (p Plan) Equal(o Plan) bool {
	return p.Name == o.Name && p.Seats == o.Seats && p.PerSeat == o.PerSeat && slices.Equal(p.Features, o.Features)
}

// Catalogue maps the lookup keys of the provider's prices to plans. Use
// Parse, Load or Default to get one: they return it normalised (features
// sorted, duplicates removed) and valid.
type Catalogue struct {
	// TrialUsers is how many active users a company may have before its
	// first license (its admin included).
	TrialUsers int `json:"trial_users"`
	// Plans maps a price's lookup_key to its plan.
	Plans map[string]Plan `json:"plans"`
}

// Default is the built-in catalogue: starter (5 seats), team (per seat)
// and enterprise (per seat, at least 10), each with a monthly and a yearly
// price, and the default trial allowance.
func Default() Catalogue {
	starter := Plan{Name: "starter", Seats: 5, Features: []string{"core"}}
	team := Plan{Name: "team", Seats: 1, PerSeat: true, Features: []string{"audit-log", "core", "sso"}}
	enterprise := Plan{Name: "enterprise", Seats: 10, PerSeat: true, Features: []string{"audit-log", "core", "on-prem", "priority-support", "sso"}}
	return Catalogue{TrialUsers: DefaultTrialUsers, Plans: map[string]Plan{
		"starter_monthly": starter, "starter_yearly": starter,
		"team_monthly": team, "team_yearly": team,
		"enterprise_monthly": enterprise, "enterprise_yearly": enterprise,
	}}
}

// IsZero reports whether c has no plans (a zero Catalogue).
func (c Catalogue) IsZero() bool { return len(c.Plans) == 0 }

// OrDefault returns c, or Default() when c has no plans: what a stage
// configured without a catalogue uses.
func (c Catalogue) OrDefault() Catalogue {
	if c.IsZero() {
		return Default()
	}
	return c
}

// Lookup returns the plan a price's lookup_key buys.
func (c Catalogue) Lookup(key string) (Plan, bool) {
	p, ok := c.Plans[key]
	return p, ok
}

// Keys returns the lookup keys, sorted.
func (c Catalogue) Keys() []string { return slices.Sorted(maps.Keys(c.Plans)) }

// UserAllowance is how many active users (its admin included) a company
// whose newest license is lic may have: the license's seats, or TrialUsers
// before its first license (lic nil). Whether the license still grants use
// is the license's question (license.License.Licensed), not the
// catalogue's.
func (c Catalogue) UserAllowance(lic *license.License) int {
	if lic == nil {
		return c.TrialUsers
	}
	return lic.Seats
}

// Changed returns the lookup keys whose plan differs between c and o
// (including keys only one of them has), sorted.
func (c Catalogue) Changed(o Catalogue) []string {
	var out []string
	for k, p := range c.Plans {
		if q, ok := o.Plans[k]; !ok || !p.Equal(q) {
			out = append(out, k)
		}
	}
	for k := range o.Plans {
		if _, ok := c.Plans[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
