package payment_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
	"github.com/licenseflow/licenseflow/plans"
	"github.com/licenseflow/licenseflow/services/payment"
	"github.com/licenseflow/licenseflow/services/stage"
)

// richerTeam is the built-in catalogue with the team plan changed: one
// more feature and at least 5 seats.
func richerTeam() plans.Catalogue {
	c := plans.Default()
	for _, key := range []string{"team_monthly", "team_yearly"} {
		p := c.Plans[key]
		p.Seats, p.Features = 5, append(slices.Clone(p.Features), "sla")
		c.Plans[key] = p
	}
	return c
}

func withPlans(c plans.Catalogue) func(*payment.Config) {
	return func(cfg *payment.Config) { cfg.Plans = c }
}

// reconcileAll runs Reconcile in steps of limit until nothing remains.
func reconcileAll(t testing.TB, s *payment.Stage, limit int) {
	t.Helper()
	for range 1000 {
		more, err := s.Reconcile(context.Background(), limit)
		if err != nil {
			t.Fatalf("Reconcile: %v", err)
		}
		if !more {
			if _, err := s.Flush(context.Background()); err != nil {
				t.Fatalf("Flush: %v", err)
			}
			return
		}
	}
	t.Fatal("Reconcile never finished")
}

func generations(t testing.TB, db *sqlstore.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM payment_plans`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPlanChangeReissues: a changed team plan reissues the license of the
// team company (a new serial, through the outbox), and of no one else: not
// the starter company, whose plan did not change, nor the canceled one.
// A stage still running with the old file issues from the new plans.
func TestPlanChangeReissues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBus(t)
		old := newStage(t, db, b)
		handle(t, old, subChanged("t1", 0, "cmp_team", "active", "team_monthly", 4))
		handle(t, old, subChanged("s1", 0, "cmp_starter", "active", "starter_monthly", 1))
		handle(t, old, subChanged("c1", 0, "cmp_gone", "active", "team_yearly", 2))
		gone := subChanged("c2", 1, "cmp_gone", "canceled", "team_yearly", 2)
		gone.Deleted = true
		handle(t, old, gone)
		before := len(b.licenses())

		changed := newStage(t, db, b, withPlans(richerTeam()))
		reconcileAll(t, changed, 1)
		got := b.verified(t)[before:]
		if len(got) != 1 {
			t.Fatalf("reissued %d licenses, want 1 (the team company's): %+v", len(got), got)
		}
		if l := got[0]; l.CompanyID != "cmp_team" || l.Serial != 2 || l.Seats != 5 || !l.HasFeature("sla") || l.Status != license.StatusActive {
			t.Fatalf("reissued %+v; want cmp_team serial 2, 5 seats, sla", l)
		}
		// Nothing is left: again, or another stage with the same plans.
		reconcileAll(t, changed, 10)
		same := newStage(t, db, b, withPlans(richerTeam()))
		reconcileAll(t, same, 10)
		if n := len(b.licenses()) - before; n != 1 || generations(t, db) != 2 {
			t.Fatalf("%d licenses after reconciling again, %d generations; want 1 and 2", n, generations(t, db))
		}
		// The stage started with the old file issues from the newest plans.
		handle(t, old, subChanged("t2", 5, "cmp_team", "active", "team_monthly", 7))
		last := b.verified(t, "cmp_team")
		if l := last[len(last)-1]; l.Serial != 3 || l.Seats != 7 || !l.HasFeature("sla") {
			t.Fatalf("old stage issued %+v; want serial 3 with the new team plan", l)
		}
	})
}

// TestPlansUnchangedIssueNothing: the same plans again (whatever their
// order) add no generation; a change of the trial allowance alone adds one
// with nothing to reconsider; neither issues a license.
func TestPlansUnchangedIssueNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBus(t)
		s := newStage(t, db, b)
		handle(t, s, subChanged("t1", 0, "cmp_team", "active", "team_monthly", 4))
		reordered := plans.Default()
		p := reordered.Plans["enterprise_yearly"]
		p.Features = []string{"sso", "core", "priority-support", "on-prem", "audit-log", "sso"}
		reordered.Plans["enterprise_yearly"] = p
		reconcileAll(t, newStage(t, db, b, withPlans(reordered)), 10)
		if g := generations(t, db); g != 1 {
			t.Fatalf("%d generations after the same plans in another order", g)
		}
		trial := plans.Default()
		trial.TrialUsers = 9
		reconcileAll(t, newStage(t, db, b, withPlans(trial)), 10)
		if g, n := generations(t, db), len(b.licenses()); g != 2 || n != 1 {
			t.Fatalf("%d generations, %d licenses; want 2 and 1", g, n)
		}
	})
}

// TestPlanChangeManyStagesAtOnce: several stages start with the new plans
// at the same moment and reconcile side by side, in small steps, while
// events keep arriving. One generation is added; each company on the
// changed plan gets exactly one reissued license; serials stay unique and
// gapless; no company on an unchanged plan gets a license.
func TestPlanChangeManyStagesAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBus(t)
		first := newStage(t, db, b)
		const companies = 24
		for i := range companies {
			key := "team_monthly"
			if i%3 == 0 {
				key = "starter_yearly"
			}
			handle(t, first, subChanged(fmt.Sprintf("e%d", i), 0, fmt.Sprintf("cmp_%02d", i), "active", key, 3))
		}
		before := len(b.licenses())

		const stages = 4
		started := make([]*payment.Stage, stages)
		var wg sync.WaitGroup
		for i := range stages {
			wg.Go(func() { started[i] = newStage(t, db, b, withPlans(richerTeam())) })
		}
		wg.Wait()
		for i, s := range started {
			wg.Go(func() { reconcileAll(t, s, 2+i) })
		}
		// Events for a company on an unchanged plan, meanwhile.
		wg.Go(func() {
			for i := range 5 {
				retryHandle(t, started[0], envelope(t, subChanged(fmt.Sprintf("x%d", i), i+1, "cmp_00", "active", "starter_yearly", 3)))
			}
		})
		wg.Wait()

		if g := generations(t, db); g != 2 {
			t.Fatalf("%d generations, want 2", g)
		}
		reissued := map[string][]int64{}
		files := map[string]string{} // company/serial -> license id
		for _, l := range b.verified(t)[before:] {
			k := fmt.Sprintf("%s/%d", l.CompanyID, l.Serial)
			if id, ok := files[k]; ok && id != l.ID {
				t.Errorf("%s issued twice with different files", k)
			}
			files[k] = l.ID
			reissued[l.CompanyID] = append(reissued[l.CompanyID], l.Serial)
			if !l.HasFeature("sla") || l.Seats != 5 || l.Plan != "team" {
				t.Errorf("reissued %+v; want the new team plan", l)
			}
		}
		for i := range companies {
			c := fmt.Sprintf("cmp_%02d", i)
			want := []int64{2}
			if i%3 == 0 {
				want = nil
			}
			if got := slices.Compact(reissued[c]); !slices.Equal(got, want) {
				t.Errorf("%s: reissued serials %v, want %v", c, reissued[c], want)
			}
		}
	})
}

// retryHandle handles e as a queue would: again after a retryable error.
func retryHandle(t testing.TB, s *payment.Stage, e events.Envelope) {
	t.Helper()
	for range 100 {
		err := s.Handle(context.Background(), e)
		if err == nil {
			return
		}
		if events.IsPermanent(err) {
			t.Errorf("Handle: %v", err)
			return
		}
	}
	t.Errorf("Handle kept failing")
}

// TestPlanChangeWithoutRun: where no Run reconciles (a Lambda), each
// handled event reconsiders a few companies after its own, until all are.
func TestPlanChangeWithoutRun(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	b := newBus(t)
	first := newStage(t, db, b)
	const companies = 40
	for i := range companies {
		handle(t, first, subChanged(fmt.Sprintf("e%d", i), 0, fmt.Sprintf("cmp_%02d", i), "active", "team_yearly", 2))
	}
	before := len(b.licenses())
	lambda := newStage(t, db, b, withPlans(richerTeam()))
	handle(t, lambda, invoicePaid("p1", 1, "cmp_00"))
	if n := len(b.licenses()) - before; n == 0 || n >= companies {
		t.Fatalf("one event reissued %d licenses; want some, not all %d", n, companies)
	}
	handle(t, lambda, invoicePaid("p2", 2, "cmp_01"))
	if n := len(b.licenses()) - before; n != companies {
		t.Fatalf("two events reissued %d licenses; want all %d", n, companies)
	}
	if more, err := lambda.Reconcile(context.Background(), 10); more || err != nil {
		t.Fatalf("Reconcile after all: more %v, err %v", more, err)
	}
}

// TestPlanChangeRefusesBadPlans: a stage will not start on invalid plans.
func TestPlanChangeRefusesBadPlans(t *testing.T) {
	t.Parallel()
	bad := plans.Default()
	bad.Plans["pro"] = plans.Plan{Name: "pro"}
	_, err := payment.New(context.Background(), payment.Config{Deps: stage.Deps{DB: storetest.SQLite(t), Publisher: newBus(t)}, SigningKey: key, Plans: bad})
	if err == nil || !strings.Contains(err.Error(), `plan "pro": seats is 0`) {
		t.Fatalf("New with a bad plan: %v", err)
	}
}
