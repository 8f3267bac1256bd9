package payment

import (
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/plans"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func prov(id string, sec int) events.Provider {
	return events.Provider{EventID: id, Created: t0.Add(time.Duration(sec) * time.Second)}
}

func subEv(id string, sec int, status string) events.SubscriptionChanged {
	return events.SubscriptionChanged{Provider: prov(id, sec), CompanyID: "cmp_1", CustomerID: "cus_1",
		SubscriptionID: "sub_1", Status: status, PriceLookupKey: "team_monthly", Quantity: 7,
		CurrentPeriodEnd: t0.Add(30 * 24 * time.Hour)}
}

func checkout(id string, sec int, key string) events.CheckoutCompleted {
	return events.CheckoutCompleted{Provider: prov(id, sec), CompanyID: "cmp_1", CustomerID: "cus_1", SubscriptionID: "sub_1", PriceLookupKey: key}
}

func paid(id string, sec int) events.InvoicePaid {
	return events.InvoicePaid{Provider: prov(id, sec), CustomerID: "cus_1", SubscriptionID: "sub_1", InvoiceID: "in_" + id, PeriodEnd: t0.Add(60 * 24 * time.Hour)}
}

func failed(id string, sec int) events.InvoicePaymentFailed {
	return events.InvoicePaymentFailed{Provider: prov(id, sec), CustomerID: "cus_1", SubscriptionID: "sub_1", InvoiceID: "in_" + id, AttemptCount: 1}
}

func deleted(id string, sec int) events.SubscriptionChanged {
	d := subEv(id, sec, "canceled")
	d.Deleted = true
	return d
}

func TestApplyTransitions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		events     []events.Detail
		wantStatus string
		wantKey    string
		wantEnd    time.Time
	}{
		{"checkout alone is provisionally active", []events.Detail{checkout("e1", 0, "team_monthly")}, license.StatusActive, "team_monthly", time.Time{}},
		{"checkout without plan", []events.Detail{checkout("e1", 0, "")}, license.StatusActive, "", time.Time{}},
		{"subscription overrides provisional", []events.Detail{checkout("e2", 10, "starter_monthly"), subEv("e1", 0, "trialing")}, license.StatusTrialing, "team_monthly", t0.Add(30 * 24 * time.Hour)},
		{"checkout after subscription keeps its status", []events.Detail{subEv("e1", 0, "trialing"), checkout("e2", 10, "starter_monthly")}, license.StatusTrialing, "team_monthly", t0.Add(30 * 24 * time.Hour)},
		{"trial to active", []events.Detail{subEv("e1", 0, "trialing"), subEv("e2", 5, "active")}, license.StatusActive, "team_monthly", t0.Add(30 * 24 * time.Hour)},
		{"payment failed: active to past_due", []events.Detail{subEv("e1", 0, "active"), failed("e2", 5)}, license.StatusPastDue, "team_monthly", t0.Add(30 * 24 * time.Hour)},
		{"payment failed in trial: past_due", []events.Detail{subEv("e1", 0, "trialing"), failed("e2", 5)}, license.StatusPastDue, "team_monthly", t0.Add(30 * 24 * time.Hour)},
		{"paid: past_due back to active, period grows", []events.Detail{subEv("e1", 0, "active"), failed("e2", 5), paid("e3", 9)}, license.StatusActive, "team_monthly", t0.Add(60 * 24 * time.Hour)},
		{"paid keeps trialing", []events.Detail{subEv("e1", 0, "trialing"), paid("e2", 5)}, license.StatusTrialing, "team_monthly", t0.Add(60 * 24 * time.Hour)},
		{"paid: incomplete to active", []events.Detail{subEv("e1", 0, "incomplete"), paid("e2", 5)}, license.StatusActive, "team_monthly", t0.Add(60 * 24 * time.Hour)},
		{"deleted is final", []events.Detail{subEv("e1", 0, "active"), deleted("e2", 5), paid("e3", 9)}, license.StatusCanceled, "team_monthly", t0.Add(30 * 24 * time.Hour)},
		{"unpaid grants nothing", []events.Detail{subEv("e1", 0, "active"), subEv("e2", 5, "unpaid")}, license.StatusCanceled, "team_monthly", t0.Add(30 * 24 * time.Hour)},
		{"older update ignored", []events.Detail{subEv("e2", 5, "active"), subEv("e1", 0, "trialing")}, license.StatusActive, "team_monthly", t0.Add(30 * 24 * time.Hour)},
		{"older failure ignored", []events.Detail{subEv("e1", 0, "active"), paid("e3", 9), failed("e2", 5)}, license.StatusActive, "team_monthly", t0.Add(60 * 24 * time.Hour)},
		{"deletion before creation", []events.Detail{deleted("e2", 5), subEv("e1", 0, "active")}, license.StatusCanceled, "team_monthly", t0.Add(30 * 24 * time.Hour)},
		{"same second: larger event id wins", []events.Detail{subEv("evt_b", 0, "past_due"), subEv("evt_a", 0, "active")}, license.StatusPastDue, "team_monthly", t0.Add(30 * 24 * time.Hour)},
		{"same second, other order: same result", []events.Detail{subEv("evt_a", 0, "active"), subEv("evt_b", 0, "past_due")}, license.StatusPastDue, "team_monthly", t0.Add(30 * 24 * time.Hour)},
		{"invoice alone", []events.Detail{paid("e1", 0)}, license.StatusActive, "", t0.Add(60 * 24 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Subscription{ID: "sub_1"}
			for _, d := range tt.events {
				var err error
				if s, err = Apply(s, d); err != nil {
					t.Fatalf("Apply(%T): %v", d, err)
				}
			}
			if s.Status != tt.wantStatus || s.LookupKey != tt.wantKey || !s.PeriodEnd.Equal(tt.wantEnd) {
				t.Fatalf("status %q key %q end %s; want %q %q %s", s.Status, s.LookupKey, s.PeriodEnd, tt.wantStatus, tt.wantKey, tt.wantEnd)
			}
		})
	}
}

func TestApplyCompany(t *testing.T) {
	t.Parallel()
	s, err := Apply(Subscription{ID: "sub_1"}, paid("e1", 0))
	if err != nil || s.CompanyID != "" {
		t.Fatalf("invoice without company: %+v %v", s, err)
	}
	if s, err = Apply(s, checkout("e2", 1, "team_monthly")); err != nil || s.CompanyID != "cmp_1" {
		t.Fatalf("checkout names company: %+v %v", s, err)
	}
	other := checkout("e3", 2, "")
	other.CompanyID = "cmp_2"
	if _, err := Apply(s, other); err == nil || !strings.Contains(err.Error(), "belongs to company cmp_1") {
		t.Fatalf("conflicting company: err = %v", err)
	}
}

func TestEntitle(t *testing.T) {
	t.Parallel()
	pol := expiryPolicy{Grace: 72 * time.Hour, TTL: 31 * 24 * time.Hour, PaymentGrace: 7 * 24 * time.Hour}
	cat := plans.Default()
	end := t0.Add(30 * 24 * time.Hour)
	active := Subscription{ID: "sub_1", CompanyID: "cmp_1", Status: license.StatusActive, LookupKey: "team_monthly", Quantity: 7, PeriodEnd: end, SnapshotVersion: versionOf(prov("e1", 0))}
	prevActive := &Entitlement{CompanyID: "cmp_1", SubscriptionID: "sub_1", Plan: "team", Status: license.StatusActive, Seats: 7, Features: []string{"audit-log", "core", "sso"}, ExpiresAt: t0.Add(99 * time.Hour)}

	with := func(f func(*Subscription)) Subscription { s := active; f(&s); return s }
	tests := []struct {
		name    string
		subs    []Subscription
		prev    *Entitlement
		ok      bool
		plan    string
		status  string
		seats   int
		expires time.Time
		err     string
	}{
		{"active per-seat plan", []Subscription{active}, nil, true, "team", license.StatusActive, 7, end.Add(72 * time.Hour), ""},
		{"flat plan ignores quantity", []Subscription{with(func(s *Subscription) { s.LookupKey = "starter_yearly" })}, nil, true, "starter", license.StatusActive, 5, end.Add(72 * time.Hour), ""},
		{"enterprise minimum seats", []Subscription{with(func(s *Subscription) { s.LookupKey = "enterprise_monthly"; s.Quantity = 3 })}, nil, true, "enterprise", license.StatusActive, 10, end.Add(72 * time.Hour), ""},
		{"no plan yet", []Subscription{with(func(s *Subscription) { s.LookupKey = "" })}, nil, false, "", "", 0, time.Time{}, ""},
		{"no status yet", []Subscription{with(func(s *Subscription) { s.Status = StatusNone })}, nil, false, "", "", 0, time.Time{}, ""},
		{"incomplete", []Subscription{with(func(s *Subscription) { s.Status = StatusIncomplete })}, nil, false, "", "", 0, time.Time{}, ""},
		{"canceled with nothing to revoke", []Subscription{with(func(s *Subscription) { s.Status = license.StatusCanceled })}, nil, false, "", "", 0, time.Time{}, ""},
		{"canceled revokes", []Subscription{with(func(s *Subscription) { s.Status = license.StatusCanceled })}, prevActive, true, "team", license.StatusCanceled, 7, t0, ""},
		{"no period end: TTL", []Subscription{with(func(s *Subscription) { s.PeriodEnd = time.Time{} })}, nil, true, "team", license.StatusActive, 7, t0.Add(31 * 24 * time.Hour), ""},
		{"no period end: keeps previous expiry", []Subscription{with(func(s *Subscription) { s.PeriodEnd = time.Time{} })}, prevActive, true, "team", license.StatusActive, 7, t0.Add(99 * time.Hour), ""},
		{"licensed subscription beats newer canceled one", []Subscription{
			with(func(s *Subscription) {
				s.ID = "sub_0"
				s.Status = license.StatusCanceled
				s.SnapshotVersion = versionOf(prov("e9", 99))
			}), active,
		}, nil, true, "team", license.StatusActive, 7, end.Add(72 * time.Hour), ""},
		{"past due: lapses a grace after the failure", []Subscription{with(func(s *Subscription) {
			s.Status = license.StatusPastDue
			s.Invoice = InvoiceMark{Version: versionOf(prov("f1", 100))}
		})}, prevActive, true, "team", license.StatusPastDue, 7, t0.Add(100*time.Second + 7*24*time.Hour), ""},
		{"past due: not before the end of a paid period", []Subscription{with(func(s *Subscription) {
			s.Status = license.StatusPastDue
			s.Invoice = InvoiceMark{Version: versionOf(prov("f1", 100))}
			s.PaidThrough = PaidPeriod{End: end, Version: versionOf(prov("p0", 50))}
		})}, prevActive, true, "team", license.StatusPastDue, 7, end, ""},
		{"past due: a failed retry keeps the expiry", []Subscription{with(func(s *Subscription) {
			s.Status = license.StatusPastDue
			s.Invoice = InvoiceMark{Version: versionOf(prov("f2", 900))}
		})}, &Entitlement{CompanyID: "cmp_1", SubscriptionID: "sub_1", Plan: "team", Status: license.StatusPastDue, Seats: 7, ExpiresAt: t0.Add(5 * time.Hour)},
			true, "team", license.StatusPastDue, 7, t0.Add(5 * time.Hour), ""},
		{"unknown plan", []Subscription{with(func(s *Subscription) { s.LookupKey = "gold" })}, nil, false, "", "", 0, time.Time{}, "not in the plan catalogue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, ok, err := entitle("cmp_1", tt.subs, cat, pol, tt.prev, t0)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || ok != tt.ok {
				t.Fatalf("ok %v err %v, want ok %v", ok, err, tt.ok)
			}
			if !ok {
				return
			}
			if e.Plan != tt.plan || e.Status != tt.status || e.Seats != tt.seats || !e.ExpiresAt.Equal(tt.expires) {
				t.Fatalf("entitlement %+v; want plan %s status %s seats %d expires %s", e, tt.plan, tt.status, tt.seats, tt.expires)
			}
		})
	}
}

// TestApplyOrderIndependent: every delivery order of a realistic history
// ends in the state of the in-order delivery.
func TestApplyOrderIndependent(t *testing.T) {
	t.Parallel()
	history := []events.Detail{
		subEv("e1", 0, "trialing"),
		checkout("e2", 1, "starter_monthly"),
		paid("e3", 2), // the $0 trial invoice
		failed("e4", 100),
		subEv("e5", 100, "past_due"),
		paid("e6", 200),
		subEv("e7", 200, "active"),
	}
	fold := func(order []int) Subscription {
		s := Subscription{ID: "sub_1"}
		for _, i := range order {
			var err error
			if s, err = Apply(s, history[i]); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}
	inOrder := fold([]int{0, 1, 2, 3, 4, 5, 6})
	if inOrder.Status != license.StatusActive {
		t.Fatalf("in-order status %q", inOrder.Status)
	}
	var permute func(prefix, rest []int)
	n := 0
	permute = func(prefix, rest []int) {
		if len(rest) == 0 {
			n++
			got := fold(prefix)
			if got.Status != inOrder.Status || got.LookupKey != inOrder.LookupKey || got.Quantity != inOrder.Quantity ||
				!got.PeriodEnd.Equal(inOrder.PeriodEnd) || got.CompanyID != inOrder.CompanyID {
				t.Fatalf("order %v: %+v, want %+v", prefix, got, inOrder)
			}
			return
		}
		for i := range rest {
			next := append(append([]int{}, rest[:i]...), rest[i+1:]...)
			permute(append(append([]int{}, prefix...), rest[i]), next)
		}
	}
	permute(nil, []int{0, 1, 2, 3, 4, 5, 6})
	if n != 5040 {
		t.Fatalf("%d orders checked", n)
	}
}

// TestReapply: a replayed event decides again what it decided, so a
// corrected meaning of the newest event takes effect; an older event, or
// the same meaning, changes nothing.
func TestReapply(t *testing.T) {
	t.Parallel()
	s := Subscription{ID: "sub_1"}
	for _, d := range []events.Detail{checkout("c1", 0, "team_monthly"), subEv("s1", 10, "active"), subEv("s2", 20, "active")} {
		var err error
		if s, err = Apply(s, d); err != nil {
			t.Fatal(err)
		}
	}
	same, err := Reapply(s, subEv("s2", 20, "active"))
	if err != nil || same != s {
		t.Fatalf("reapplying the newest event unchanged: %+v, %v", same, err)
	}
	older := subEv("s1", 10, "past_due")
	if got, _ := Reapply(s, older); got != s {
		t.Fatalf("reapplying an older snapshot changed %+v to %+v", s, got)
	}
	fixed := subEv("s2", 20, "active")
	fixed.Quantity, fixed.PriceLookupKey = 12, "business_monthly"
	got, err := Reapply(s, fixed)
	if err != nil || got.Quantity != 12 || got.LookupKey != "business_monthly" || got.SnapshotVersion != s.SnapshotVersion {
		t.Fatalf("reapplying a corrected newest event: %+v, %v", got, err)
	}
	if again, _ := Apply(s, fixed); again != s {
		t.Fatalf("Apply (not a replay) of a seen version changed %+v to %+v", s, again)
	}
}
