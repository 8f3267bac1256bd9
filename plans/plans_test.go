package plans_test

import (
	"strings"
	"testing"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/plans"
)

const proYAML = `# the owner's plans
trial_users: 3
plans:
  pro_monthly: &pro
    name: pro
    seats: 5
    features: [sso, core, sso]
  pro_yearly: *pro
  team_monthly:
    name: Team plan
    seats: 2
    per_seat: true
`

const proJSON = `{
	"trial_users": 3,
	"plans": {
		"pro_monthly": {"name": "pro", "seats": 5, "features": ["core", "sso"]},
		"pro_yearly": {"name": "pro", "seats": 5, "per_seat": false, "features": ["core", "sso"]},
		"team_monthly": {"name": "Team plan", "seats": 2, "per_seat": true, "features": []}
	}
}`

func TestParseYAMLAndJSONAgree(t *testing.T) {
	t.Parallel()
	y, err := plans.Parse([]byte(proYAML))
	if err != nil {
		t.Fatal(err)
	}
	j, err := plans.Parse([]byte(proJSON))
	if err != nil {
		t.Fatal(err)
	}
	if y.Digest() != j.Digest() {
		t.Fatalf("YAML and JSON of one catalogue differ:\n%s\n%s", y.JSON(), j.JSON())
	}
	p, ok := y.Lookup("pro_yearly")
	if !ok || p.Name != "pro" || p.Seats != 5 || p.PerSeat || strings.Join(p.Features, ",") != "core,sso" {
		t.Fatalf("pro_yearly = %+v, %v", p, ok)
	}
	if y.TrialUsers != 3 || strings.Join(y.Keys(), ",") != "pro_monthly,pro_yearly,team_monthly" {
		t.Fatalf("catalogue %+v", y)
	}
	// The compact form has no whitespace and reads back the same.
	compact := y.JSON()
	if strings.ContainsAny(string(compact), " \t\r\n") {
		t.Fatalf("JSON has whitespace: %s", compact)
	}
	back, err := plans.Parse(compact)
	if err != nil || back.Digest() != y.Digest() {
		t.Fatalf("JSON round trip: %v\n%s", err, compact)
	}
}

func TestDefaultIsValid(t *testing.T) {
	t.Parallel()
	d := plans.Default()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	back, err := plans.Parse(d.JSON())
	if err != nil || back.Digest() != d.Digest() {
		t.Fatalf("default round trip: %v", err)
	}
	if d.TrialUsers != plans.DefaultTrialUsers {
		t.Fatalf("trial users %d", d.TrialUsers)
	}
	if got := (plans.Catalogue{}).OrDefault(); got.Digest() != d.Digest() {
		t.Fatalf("a zero catalogue's OrDefault is not Default(): %s", got.JSON())
	}
	one := plans.Catalogue{Plans: map[string]plans.Plan{"pro": {Name: "pro", Seats: 5, Features: []string{}}}}
	if got := one.OrDefault(); got.Digest() != one.Digest() {
		t.Fatalf("OrDefault replaced a catalogue that has plans: %s", got.JSON())
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file string
		want       []string // every one must appear
	}{
		{"empty", "", []string{"empty"}},
		{"comments only", "# nothing\n", []string{"empty"}},
		{"not a mapping", "- a\n- b\n", []string{"must be a mapping"}},
		{"no plans", "trial_users: 4\n", []string{"no plans"}},
		{"empty plans", "plans: {}\n", []string{"no plans"}},
		{"unknown top-level field", "plan:\n  pro: {name: pro, seats: 1}\n", []string{`unknown field "plan"`}},
		{"unknown plan field", "plans:\n  pro: {name: pro, seat: 5}\n", []string{`plan "pro"`, "seat: unknown field"}},
		{"seats not a number", "plans:\n  pro: {name: pro, seats: \"5\"}\n", []string{`plan "pro"`, `seats: want a whole number, got "5"`}},
		{"fractional seats", "plans:\n  pro: {name: pro, seats: 5.5}\n", []string{`plan "pro"`, "whole number"}},
		{"negative seats", "plans:\n  pro: {name: pro, seats: -1}\n", []string{`plan "pro"`, "seats is -1"}},
		{"too many seats", "plans:\n  pro: {name: pro, seats: 99999999999}\n", []string{`plan "pro"`, "out of range"}},
		{"zero seats, flat", "plans:\n  pro: {name: pro, seats: 0}\n", []string{`plan "pro"`, "seats is 0"}},
		{"no name", "plans:\n  pro: {seats: 3}\n", []string{`plan "pro"`, "name is missing"}},
		{"padded name", "plans:\n  pro: {name: ' pro', seats: 3}\n", []string{`plan "pro"`, "surrounding spaces"}},
		{"bad per_seat", "plans:\n  pro: {name: pro, seats: 3, per_seat: maybe}\n", []string{"per_seat: want true or false"}},
		{"features not a list", "plans:\n  pro: {name: pro, seats: 3, features: sso}\n", []string{"features: want a list"}},
		{"bad feature", "plans:\n  pro: {name: pro, seats: 3, features: [single sign-on]}\n", []string{`feature "single sign-on" has a character outside`}},
		{"bad lookup key", "plans:\n  pro monthly: {name: pro, seats: 3}\n", []string{`lookup key "pro monthly"`}},
		{"duplicate key", "plans:\n  pro: {name: pro, seats: 3}\n  pro: {name: pro, seats: 4}\n", []string{`"pro" is already defined at line 2`}},
		{"duplicate key in JSON", `{"plans": {"pro": {"name": "a", "seats": 1}, "pro": {"name": "b", "seats": 1}}}`, []string{`"pro" is already defined`}},
		{"zero trial users", "trial_users: 0\nplans:\n  pro: {name: pro, seats: 3}\n", []string{"trial_users is 0"}},
		{"trial users text", "trial_users: many\nplans:\n  pro: {name: pro, seats: 3}\n", []string{"trial_users: want a whole number"}},
		{"plan not a mapping", "plans:\n  pro: 5\n", []string{`plan "pro"`, "want a mapping"}},
		{"two documents", "plans:\n  pro: {name: pro, seats: 3}\n---\nplans: {}\n", []string{"more than one YAML document"}},
		{"broken YAML", "plans: [\n", []string{"not YAML or JSON"}},
		{"every problem at once", "plans:\n  a: {seats: 1}\n  b: {name: b, seats: 0}\n", []string{`plan "a"`, "name is missing", `plan "b"`, "seats is 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := plans.Parse([]byte(tt.file))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestChanged(t *testing.T) {
	t.Parallel()
	old := plans.Default()
	next := plans.Default().Normalized()
	team := next.Plans["team_monthly"]
	team.Features = []string{"audit-log", "core", "sso", "sla"}
	next.Plans["team_monthly"] = team
	delete(next.Plans, "starter_yearly")
	next.Plans["pro"] = plans.Plan{Name: "pro", Seats: 3}
	next.TrialUsers = 9 // grants nothing on a license
	if got := strings.Join(next.Changed(old), ","); got != "pro,starter_yearly,team_monthly" {
		t.Fatalf("Changed = %s", got)
	}
	if got := old.Changed(old.Normalized()); len(got) != 0 {
		t.Fatalf("unchanged catalogue: Changed = %v", got)
	}
}

func TestSeatsAndAllowance(t *testing.T) {
	t.Parallel()
	c := plans.Default()
	team, _ := c.Lookup("team_monthly")
	enterprise, _ := c.Lookup("enterprise_yearly")
	starter, _ := c.Lookup("starter_monthly")
	for _, tt := range []struct {
		p    plans.Plan
		qty  int64
		want int
	}{{team, 7, 7}, {team, 0, 1}, {enterprise, 3, 10}, {enterprise, 40, 40}, {starter, 50, 5}, {team, 1 << 40, plans.MaxSeats}} {
		if got := tt.p.SeatsFor(tt.qty); got != tt.want {
			t.Errorf("%s.SeatsFor(%d) = %d, want %d", tt.p.Name, tt.qty, got, tt.want)
		}
	}
	if got := c.UserAllowance(nil); got != plans.DefaultTrialUsers {
		t.Errorf("allowance before a license = %d", got)
	}
	if got := c.UserAllowance(&license.License{Seats: 12}); got != 12 {
		t.Errorf("allowance with 12 seats = %d", got)
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	t.Parallel()
	if _, err := plans.Load("testdata/does-not-exist.yaml"); err == nil || !strings.Contains(err.Error(), "does-not-exist.yaml") {
		t.Fatalf("missing file: %v", err)
	}
	c, err := plans.Load("testdata/plans.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup("pro"); !ok {
		t.Fatalf("testdata/plans.yaml lacks pro: %v", c.Keys())
	}
}
