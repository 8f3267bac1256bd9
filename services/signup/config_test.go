package signup

import (
	"context"
	"strings"
	"testing"

	"github.com/licenseflow/licenseflow/events/eventstest"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
	"github.com/licenseflow/licenseflow/plans"
	"github.com/licenseflow/licenseflow/services/stage"
)

// TestConfigPlans: the edge keeps the owner's catalogue, the built-in one
// when given none, and refuses an invalid one naming its lookup key.
func TestConfigPlans(t *testing.T) {
	t.Parallel()
	base := Config{Deps: stage.Deps{DB: storetest.SQLite(t), Publisher: &eventstest.Recorder{}}, Passwords: testPasswords, TokenSecret: testSecret, AppServers: []string{"10.0.1.10:8090"}}
	h, err := New(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	if h.Plans().Digest() != plans.Default().Digest() {
		t.Fatal("no plans given, yet not the built-in catalogue")
	}
	own, err := plans.Parse([]byte("trial_users: 2\nplans:\n  pro: {name: pro, seats: 3}\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := base
	cfg.Plans = own
	if h, err = New(context.Background(), cfg); err != nil || h.Plans().UserAllowance(nil) != 2 {
		t.Fatalf("own plans: %v", err)
	}
	cfg.Plans = plans.Catalogue{TrialUsers: 2, Plans: map[string]plans.Plan{"pro": {Name: "pro"}}}
	if _, err := New(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), `plan "pro": seats is 0`) {
		t.Fatalf("invalid plans: %v", err)
	}
}
