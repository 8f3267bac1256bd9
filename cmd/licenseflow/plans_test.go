package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/licenseflow/licenseflow/plans"
)

func runPlans(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return execute(newPlansCmd(), args...)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const proPlans = "trial_users: 2\nplans:\n  pro:\n    name: pro\n    seats: 5\n    features: [sso, core]\n  team_monthly: {name: team, seats: 1, per_seat: true}\n"

func TestPlansCheck(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "plans.yaml", proPlans)
	out, err := runPlans(t, "check", path)
	if err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	wantAll(t, "output", out, path+": valid: 2 prices of 2 plans; 2 users allowed", "LOOKUP KEY", "pro           pro   5", "core, sso", "per seat, at least 1")
	js, err := runPlans(t, "check", "--json", path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := plans.Load(path)
	got, err := plans.Parse([]byte(js))
	if err != nil || got.Digest() != want.Digest() {
		t.Fatalf("--json output %q does not parse back: %v", js, err)
	}

	bad := writeFile(t, "bad.yaml", "plans:\n  pro: {name: pro, seats: five}\n  gold: {name: gold, seats: 0}\n")
	out, err = runPlans(t, "check", bad)
	if err == nil {
		t.Fatalf("a bad file passed:\n%s", out)
	}
	wantAll(t, "the error", err.Error(), bad, `plan "pro" (line 2): seats: want a whole number, got "five"`, `plan "gold": seats is 0`)
	if _, err := runPlans(t, "check", filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestEnvironPlans(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "plans.yaml", proPlans)
	bad := writeFile(t, "bad.yaml", "plans:\n  pro: {name: pro}\n")
	tests := []struct {
		value, source, key, err string
	}{
		{"", "", "team_monthly", ""},
		{path, path, "pro", ""},
		{" " + path + " ", path, "pro", ""},
		{`{"plans":{"pro":{"name":"pro","seats":3}}}`, "LICENSEFLOW_PLANS (JSON)", "pro", ""},
		{bad, bad, "", `LICENSEFLOW_PLANS: plans file ` + bad + `: plan "pro": seats is 0`},
		{`{"plans":`, "", "", "LICENSEFLOW_PLANS (JSON): not YAML or JSON"},
		{filepath.Join(t.TempDir(), "none.yaml"), "", "", "none.yaml"},
	}
	for _, tt := range tests {
		e := newEnviron(mapEnv(map[string]string{"LICENSEFLOW_PLANS": tt.value}), "")
		c, source, err := e.plans()
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.value, err, tt.err)
			}
			continue
		}
		if _, ok := c.Lookup(tt.key); err != nil || !ok || source != tt.source {
			t.Errorf("%q: source %q (want %q), has %s: %v; err %v", tt.value, source, tt.source, tt.key, ok, err)
		}
	}
}
