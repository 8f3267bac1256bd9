package payment_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
	"github.com/licenseflow/licenseflow/plans"
	"github.com/licenseflow/licenseflow/services/payment"
)

func TestLifecycle(t *testing.T) {
	eachStage(t, func(t *testing.T, s *payment.Stage, b *bus) {
		steps := []struct {
			d                  events.Detail
			serial             int64
			plan, status       string
			seats              int
			expires            time.Time
			newLicenseExpected bool
		}{
			{checkout("e1", 0, "cmp_1", "team_monthly"), 1, "team", license.StatusActive, 1, t0.Add(31 * 24 * time.Hour), true},
			{subChanged("e2", 1, "cmp_1", "active", "team_monthly", 12), 2, "team", license.StatusActive, 12, periodEnd.Add(72 * time.Hour), true},
			{invoicePaid("e3", 2, "cmp_1"), 2, "", "", 0, time.Time{}, false}, // nothing changes
			// Failed within a period already paid for (e3): valid until its end.
			{invoiceFailed("e4", 3, "cmp_1"), 3, "team", license.StatusPastDue, 12, periodEnd, true},
			{invoicePaid("e5", 4, "cmp_1"), 4, "team", license.StatusActive, 12, periodEnd.Add(72 * time.Hour), true},
			{subChanged("e6", 5, "cmp_1", "active", "enterprise_monthly", 12), 5, "enterprise", license.StatusActive, 12, periodEnd.Add(72 * time.Hour), true},
			{func() events.Detail {
				d := subChanged("e7", 6, "cmp_1", "canceled", "enterprise_monthly", 12)
				d.Deleted = true
				return d
			}(),
				6, "enterprise", license.StatusCanceled, 12, t0.Add(6 * time.Second), true},
		}
		for i, st := range steps {
			handle(t, s, st.d)
			ls := b.verified(t)
			if !st.newLicenseExpected {
				if len(ls) != int(st.serial) {
					t.Fatalf("step %d: %d licenses, want %d (no new one)", i, len(ls), st.serial)
				}
				continue
			}
			if len(ls) != int(st.serial) {
				t.Fatalf("step %d: %d licenses, want %d", i, len(ls), st.serial)
			}
			l := ls[len(ls)-1]
			if l.Serial != st.serial || l.Plan != st.plan || l.Status != st.status || l.Seats != st.seats || !l.ExpiresAt.Equal(st.expires) || l.CompanyID != "cmp_1" {
				t.Fatalf("step %d: license %+v; want serial %d plan %s status %s seats %d expires %s", i, l, st.serial, st.plan, st.status, st.seats, st.expires)
			}
		}
		if l := b.verified(t); l[len(l)-1].Licensed(t0) || !l[1].Licensed(t0) {
			t.Error("canceled license still licensed, or active one not")
		}
		latest, ok, err := s.Latest(context.Background(), "cmp_1")
		if err != nil || !ok || latest.Serial != 6 {
			t.Fatalf("Latest = %+v %v %v", latest, ok, err)
		}
	})
}

// TestPaymentGrace: a failed payment makes the license past_due, expiring
// the configured grace after the failure; failed retries within the spell
// change nothing; the license lapses at its expiry; a payment restores it.
func TestPaymentGrace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBus(t)
		s := newStage(t, db, b, func(c *payment.Config) { c.PaymentGrace = 48 * time.Hour })
		handle(t, s, subChanged("e1", 0, "cmp_1", "active", "team_monthly", 3))
		handle(t, s, invoiceFailed("e2", 100, "cmp_1"))
		handle(t, s, invoiceFailed("e3", 200, "cmp_1")) // Stripe retries the charge
		ls := b.verified(t)
		if len(ls) != 2 {
			t.Fatalf("%d licenses, want 2 (active, past_due)", len(ls))
		}
		due := ls[1]
		lapse := t0.Add(100*time.Second + 48*time.Hour)
		if due.Status != license.StatusPastDue || !due.ExpiresAt.Equal(lapse) {
			t.Fatalf("past-due license %+v; want expiry %s", due, lapse)
		}
		if !due.Licensed(lapse.Add(-time.Second)) || due.Licensed(lapse) {
			t.Fatal("past-due license not valid within the grace, or valid after it")
		}
		handle(t, s, invoicePaid("e4", 300, "cmp_1"))
		if ls := b.verified(t); len(ls) != 3 || ls[2].Status != license.StatusActive || !ls[2].ExpiresAt.Equal(periodEnd.Add(72*time.Hour)) {
			t.Fatalf("after payment: %+v", ls[len(ls)-1])
		}
	})
}

func TestPaymentGraceDefault(t *testing.T) {
	t.Parallel()
	b := newBus(t)
	s := newStage(t, storetest.SQLite(t), b)
	handle(t, s, subChanged("e1", 0, "cmp_1", "past_due", "team_monthly", 3))
	if ls := b.verified(t); len(ls) != 1 || !ls[0].ExpiresAt.Equal(t0.Add(payment.DefaultPaymentGrace)) {
		t.Fatalf("licenses %+v; want one expiring %s after the failure", ls, payment.DefaultPaymentGrace)
	}
}

func TestDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBus(t)
		s := newStage(t, db, b)
		for range 3 {
			handle(t, s, checkout("e1", 0, "cmp_1", "team_monthly"))
		}
		// The same provider event through another envelope (e.g. the
		// partner path) is still a duplicate.
		e := envelope(t, checkout("e1", 0, "cmp_1", "team_monthly"))
		e.ID = "another-envelope"
		if err := s.Handle(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		if n := len(b.verified(t)); n != 1 {
			t.Fatalf("%d licenses after duplicates, want 1", n)
		}
		// A restarted stage on the same store remembers.
		s2 := newStage(t, db, b)
		handle(t, s2, checkout("e1", 0, "cmp_1", "team_monthly"))
		if n := len(b.verified(t)); n != 1 {
			t.Fatalf("%d licenses after restart and duplicate, want 1", n)
		}
	})
}

// TestOutOfOrder delivers the same events in many orders: the final
// license is always the same, serials grow by one without gaps.
func TestOutOfOrder(t *testing.T) {
	evs := []events.Detail{
		subChanged("evt_1", 0, "cmp_1", "trialing", "team_monthly", 3),
		checkout("evt_2", 1, "cmp_1", "starter_monthly"),
		subChanged("evt_3", 10, "cmp_1", "active", "team_monthly", 8),
		invoicePaid("evt_4", 10, "cmp_1"),
		invoiceFailed("evt_5", 5, "cmp_1"),
	}
	orders := permutations(len(evs))
	eachStage(t, func(t *testing.T, s *payment.Stage, b *bus) {
		for i, order := range orders {
			if testing.Short() && i%10 != 0 {
				continue
			}
			company := fmt.Sprintf("cmp_%d", i)
			for _, j := range order {
				handle(t, s, withCompany(evs[j], company, fmt.Sprintf("p%d_", i)))
			}
			ls := b.verified(t, company)
			if len(ls) == 0 {
				t.Fatalf("order %v: no license", order)
			}
			for k, l := range ls {
				if l.Serial != int64(k+1) {
					t.Fatalf("order %v: serials %v", order, serials(ls))
				}
			}
			last := ls[len(ls)-1]
			if last.Plan != "team" || last.Status != license.StatusActive || last.Seats != 8 || !last.ExpiresAt.Equal(periodEnd.Add(72*time.Hour)) {
				t.Fatalf("order %v: final license %+v", order, last)
			}
		}
	})
}

func withCompany(d events.Detail, company, prefix string) events.Detail {
	switch d := d.(type) {
	case events.CheckoutCompleted:
		d.CompanyID, d.SubscriptionID, d.Provider.EventID = company, "sub_"+company, prefix+d.Provider.EventID
		return d
	case events.SubscriptionChanged:
		d.CompanyID, d.SubscriptionID, d.Provider.EventID = company, "sub_"+company, prefix+d.Provider.EventID
		return d
	case events.InvoicePaid:
		d.SubscriptionID, d.Provider.EventID = "sub_"+company, prefix+d.Provider.EventID
		return d
	case events.InvoicePaymentFailed:
		d.SubscriptionID, d.Provider.EventID = "sub_"+company, prefix+d.Provider.EventID
		return d
	}
	panic("unexpected detail")
}

func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

func serials(ls []license.License) []int64 {
	var s []int64
	for _, l := range ls {
		s = append(s, l.Serial)
	}
	return s
}

// TestParkedUntilCompanyKnown: an invoice (no company) before the checkout
// is kept and licensed once the checkout names the company.
func TestParkedUntilCompanyKnown(t *testing.T) {
	eachStage(t, func(t *testing.T, s *payment.Stage, b *bus) {
		handle(t, s, invoiceFailed("e0", 0, "cmp_1"))
		handle(t, s, invoicePaid("e1", 1, "cmp_1"))
		if n := len(b.licenses()); n != 0 {
			t.Fatalf("%d licenses without a company", n)
		}
		handle(t, s, checkout("e2", 2, "cmp_1", "starter_monthly"))
		ls := b.verified(t)
		if len(ls) != 1 || ls[0].Plan != "starter" || ls[0].Status != license.StatusActive || !ls[0].ExpiresAt.Equal(periodEnd.Add(72*time.Hour)) {
			t.Fatalf("licenses %+v", ls)
		}
	})
}

// TestCheckoutWithoutPlan: no license until a subscription event names the
// plan.
func TestCheckoutWithoutPlan(t *testing.T) {
	eachStage(t, func(t *testing.T, s *payment.Stage, b *bus) {
		handle(t, s, checkout("e1", 0, "cmp_1", ""))
		if n := len(b.licenses()); n != 0 {
			t.Fatalf("%d licenses without a plan", n)
		}
		handle(t, s, subChanged("e2", 1, "cmp_1", "active", "enterprise_yearly", 40))
		if ls := b.verified(t); len(ls) != 1 || ls[0].Plan != "enterprise" || ls[0].Seats != 40 {
			t.Fatalf("licenses %+v", ls)
		}
	})
}

func TestPermanentErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBus(t)
		s := newStage(t, db, b)
		handle(t, s, checkout("e1", 0, "cmp_1", "team_monthly"))
		other := checkout("e2", 1, "cmp_2", "")
		other.SubscriptionID = "sub_cmp_1"
		tests := []struct {
			name string
			env  events.Envelope
			want string
		}{
			{"unknown plan", envelope(t, checkout("e3", 0, "cmp_3", "gold_monthly")), "not in the plan catalogue"},
			{"subscription of another company", envelope(t, other), "belongs to company cmp_1"},
			{"not JSON", events.Envelope{ID: "x", DetailType: events.TypeInvoicePaid, Source: events.SourceWebhook, Detail: json.RawMessage(`"x"`)}, "decoding"},
			{"no event id", envelope(t, events.InvoicePaid{SubscriptionID: "sub_1", CustomerID: "c", InvoiceID: "i"}), "lacks provider event id"},
			{"wrong detail-type", envelope(t, events.CompanyCreated{CompanyID: "cmp_1"}), "not a payment event"},
			{"bad partner event", events.Envelope{ID: "y", DetailType: "invoice.paid", Source: "aws.partner/stripe.com/ed_1", Detail: json.RawMessage(`{}`)}, "malformed stripe event"},
		}
		for _, tt := range tests {
			err := s.Handle(context.Background(), tt.env)
			if !events.IsPermanent(err) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: err = %v, want permanent mentioning %q", tt.name, err, tt.want)
			}
		}
		// A permanent failure stores nothing: after the catalogue learns
		// the plan, replaying the dead letter issues the license.
		fixed := plans.Default()
		fixed.Plans["gold_monthly"] = plans.Plan{Name: "gold", Seats: 100, Features: []string{"all"}}
		s2 := newStage(t, db, b, func(c *payment.Config) { c.Plans = fixed })
		if err := s2.Handle(context.Background(), envelope(t, checkout("e3", 0, "cmp_3", "gold_monthly"))); err != nil {
			t.Fatalf("replay after fixing the catalogue: %v", err)
		}
		if ls := b.verified(t); len(ls) != 2 || ls[1].Plan != "gold" || ls[1].Serial != 1 {
			t.Fatalf("licenses %+v", ls)
		}
	})
}

func TestPartnerEvent(t *testing.T) {
	raw, err := os.ReadFile("testdata/partner_event.json")
	if err != nil {
		t.Fatal(err)
	}
	eachStage(t, func(t *testing.T, s *payment.Stage, b *bus) {
		var e events.Envelope
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		for range 2 { // Stripe delivers at least once too
			if err := s.Handle(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		}
		ls := b.verified(t)
		if len(ls) != 1 || ls[0].CompanyID != "cmp_0003" || ls[0].Plan != "team" || ls[0].Seats != 5 || ls[0].SubscriptionID != "sub_1QxSub0003" {
			t.Fatalf("licenses %+v", ls)
		}
		// An ignored partner event type is acknowledged.
		e.DetailType = "customer.created"
		e.Detail = json.RawMessage(`{"id":"evt_x","object":"event","type":"customer.created","created":1772370000,"data":{"object":{"id":"cus_1"}}}`)
		if err := s.Handle(context.Background(), e); err != nil {
			t.Fatalf("ignored partner type: %v", err)
		}
	})
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	_, err := payment.New(context.Background(), payment.Config{SigningKey: key[:3], LicenseTTL: -1})
	for _, want := range []string{"db is required", "publisher is required", "signing key", "ttl"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New error %v, want mention of %q", err, want)
		}
	}
	if !errors.Is(err, err) {
		t.Fatal()
	}
}

// TestReplayedEvents: a replayed event (replay-name set, same provider
// event id) re-derives its effect: unchanged, nothing is issued; with a
// corrected meaning, the license follows it, once; a plain redelivery
// stays a duplicate.
func TestReplayedEvents(t *testing.T) {
	eachStage(t, func(t *testing.T, s *payment.Stage, b *bus) {
		replay := func(d events.Detail) {
			t.Helper()
			e := envelope(t, d)
			e.ReplayName = "fix-1"
			if err := s.Handle(context.Background(), e); err != nil {
				t.Fatalf("replayed %T: %v", d, err)
			}
		}
		handle(t, s, checkout("e1", 0, "cmp_1", "team_monthly"))
		handle(t, s, subChanged("e2", 1, "cmp_1", "active", "team_monthly", 3))
		before := b.verified(t)
		replay(checkout("e1", 0, "cmp_1", "team_monthly"))
		replay(subChanged("e2", 1, "cmp_1", "active", "team_monthly", 3))
		if n := len(b.verified(t)); n != len(before) {
			t.Fatalf("replaying unchanged events issued %d licenses", n-len(before))
		}
		fixed := subChanged("e2", 1, "cmp_1", "active", "enterprise_monthly", 3)
		replay(fixed)
		replay(fixed)
		after := b.verified(t)
		if len(after) != len(before)+1 || after[len(after)-1].Plan != "enterprise" || after[len(after)-1].Serial != before[len(before)-1].Serial+1 {
			t.Fatalf("after replaying a corrected event: %+v, want one more license, on enterprise", after)
		}
		handle(t, s, subChanged("e2", 1, "cmp_1", "active", "team_monthly", 9))
		if n := len(b.verified(t)); n != len(after) {
			t.Fatalf("a redelivery (no replay-name) issued a license")
		}
	})
}

// TestCrashBetweenCommitAndPublish: the bus fails after the license was
// stored. Handle reports a retryable error; the redelivery (now a duplicate)
// publishes the stored license; nothing is issued twice.
func TestCrashBetweenCommitAndPublish(t *testing.T) {
	eachStage(t, func(t *testing.T, s *payment.Stage, b *bus) {
		b.failNext = 1
		e := envelope(t, checkout("e1", 0, "cmp_1", "team_monthly"))
		err := s.Handle(context.Background(), e)
		if err == nil || events.IsPermanent(err) {
			t.Fatalf("first delivery: err = %v, want retryable", err)
		}
		if n := len(b.licenses()); n != 0 {
			t.Fatalf("%d published while the bus was down", n)
		}
		if err := s.Handle(context.Background(), e); err != nil {
			t.Fatalf("redelivery: %v", err)
		}
		ls := b.verified(t)
		if len(ls) != 1 || ls[0].Serial != 1 {
			t.Fatalf("published %v, want serial 1 once", serials(ls))
		}
	})
}

// TestCrashRestartFlush: the process dies after commit (publishing fails
// and no redelivery comes); a new stage on the same store publishes the
// license from its outbox with Flush.
func TestCrashRestartFlush(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		down := newBus(t)
		down.failNext = 1000
		s := newStage(t, db, down)
		if err := s.Handle(context.Background(), envelope(t, checkout("e1", 0, "cmp_1", "team_monthly"))); err == nil {
			t.Fatal("Handle succeeded with the bus down")
		}
		if err := s.Handle(context.Background(), envelope(t, subChanged("e2", 1, "cmp_1", "active", "team_monthly", 4))); err == nil {
			t.Fatal("Handle succeeded with the bus down")
		}
		up := newBus(t)
		restarted := newStage(t, db, up)
		n, err := restarted.Flush(context.Background())
		if err != nil || n != 2 {
			t.Fatalf("Flush = %d, %v; want 2 published", n, err)
		}
		if ls := up.verified(t); len(ls) != 2 || ls[0].Serial != 1 || ls[1].Serial != 2 || ls[1].Seats != 4 {
			t.Fatalf("published %+v", ls)
		}
		if n, err := restarted.Flush(context.Background()); err != nil || n != 0 {
			t.Fatalf("second Flush = %d, %v; want nothing left", n, err)
		}
	})
}

// TestCrashAfterPublishBeforeMark: the bus accepted the license but the
// stage died before marking it published. The retry publishes the same
// license again (same serial, same bytes) and issues no new one.
func TestCrashAfterPublishBeforeMark(t *testing.T) {
	eachStage(t, func(t *testing.T, s *payment.Stage, b *bus) {
		ctx, cancel := context.WithCancel(context.Background())
		b.after = cancel // the "crash": the context dies right after Publish
		err := s.Handle(ctx, envelope(t, checkout("e1", 0, "cmp_1", "team_monthly")))
		if err == nil {
			t.Fatal("Handle succeeded though marking could not commit")
		}
		b.after = nil
		if err := s.Handle(context.Background(), envelope(t, checkout("e1", 0, "cmp_1", "team_monthly"))); err != nil {
			t.Fatal(err)
		}
		got := b.licenses()
		if len(got) != 2 || got[0].Serial != 1 || got[1].Serial != 1 || got[0].License != got[1].License {
			t.Fatalf("published %d licenses; want serial 1 twice with identical files", len(got))
		}
		if n, _ := s.Flush(context.Background()); n != 0 {
			t.Fatalf("Flush published %d more", n)
		}
	})
}

// TestRunPublishesOutbox: a license stored while the bus was down goes out
// from Run once the bus is back, with no further event.
func TestRunPublishesOutbox(t *testing.T) {
	t.Parallel()
	b := newBus(t)
	b.failNext = 1
	s := newStage(t, storetest.SQLite(t), b)
	if err := s.Handle(context.Background(), envelope(t, checkout("e1", 0, "cmp_1", "team_monthly"))); err == nil {
		t.Fatal("Handle succeeded with the bus down")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, 10*time.Millisecond) }()
	deadline := time.Now().Add(30 * time.Second)
	for len(b.licenses()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if ls := b.verified(t); len(ls) != 1 || ls[0].Serial != 1 {
		t.Fatalf("published %v", serials(ls))
	}
}

// TestConcurrentDeliveries: concurrent receivers handle events of one
// company, each retried on error as the queue would redeliver it. Serials
// stay unique and gapless, and the final license matches the newest event.
func TestConcurrentDeliveries(t *testing.T) {
	eachStage(t, func(t *testing.T, s *payment.Stage, b *bus) {
		var evs []events.Detail
		evs = append(evs, checkout("c0", 0, "cmp_1", "team_monthly"))
		for i := 1; i <= 12; i++ {
			evs = append(evs, subChanged(fmt.Sprintf("s%02d", i), i, "cmp_1", "active", "team_monthly", int64(i)))
			evs = append(evs, subChanged(fmt.Sprintf("s%02d", i), i, "cmp_1", "active", "team_monthly", int64(i))) // duplicate delivery
		}
		var wg sync.WaitGroup
		for _, d := range evs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				deadline := time.Now().Add(60 * time.Second)
				for {
					err := s.Handle(context.Background(), envelope(t, d))
					if err == nil {
						return
					}
					if events.IsPermanent(err) || time.Now().After(deadline) {
						t.Errorf("Handle: %v", err)
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}()
		}
		wg.Wait()
		ls := b.verified(t)
		seen := map[int64]string{}
		var max int64
		for _, l := range ls {
			if prev, ok := seen[l.Serial]; ok && prev != l.ID {
				t.Fatalf("serial %d issued twice with different files", l.Serial)
			}
			seen[l.Serial] = l.ID
			max = maxInt(max, l.Serial)
		}
		for i := int64(1); i <= max; i++ {
			if _, ok := seen[i]; !ok {
				t.Fatalf("serial %d missing; serials %v", i, serials(ls))
			}
		}
		latest, ok, err := s.Latest(context.Background(), "cmp_1")
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		l, err := license.VerifyAt(pub, []byte(latest.License), t0)
		if err != nil || l.Seats != 12 || l.Serial != max {
			t.Fatalf("latest license %+v (%v); want 12 seats, serial %d", l, err, max)
		}
	})
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// TestCorrelationCarried: a detail as the bus delivers it (correlation id
// stamped into the JSON) decodes, and the license it causes is published
// under the correlation id of the causing event.
func TestCorrelationCarried(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	b := newBus(t)
	s := newStage(t, db, b)
	ctx := events.WithCorrelationID(context.Background(), "corr-123")
	raw, err := events.MarshalDetail(ctx, checkout("e1", 0, "cmp_1", "team_monthly"))
	if err != nil {
		t.Fatal(err)
	}
	e := events.Envelope{ID: "x", DetailType: events.TypeCheckoutCompleted, Source: events.SourceWebhook, Detail: raw}
	if err := s.Handle(ctx, e); err != nil {
		t.Fatal(err)
	}
	if cids, ds := b.rec.CorrelationIDs(), b.rec.Details(); len(cids) != 1 || cids[0] != "corr-123" || len(ds) != 1 {
		t.Fatalf("published %d details with correlation ids %q, want one with corr-123", len(ds), cids)
	}
}
