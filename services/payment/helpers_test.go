package payment_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/eventstest"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
	"github.com/licenseflow/licenseflow/services/payment"
	"github.com/licenseflow/licenseflow/services/stage"
)

var (
	t0  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	key = ed25519.NewKeyFromSeed(make([]byte, 32))
	pub = key.Public().(ed25519.PublicKey)
)

// bus is an events.Publisher that validates and records like
// eventstest.Recorder (every detail is an events.LicenseIssued); failNext
// makes the next n calls fail, and after, when set, runs after a call was
// accepted.
type bus struct {
	rec      eventstest.Recorder
	mu       sync.Mutex
	failNext int
	after    func()
}

func newBus(t testing.TB) *bus {
	t.Helper()
	return &bus{}
}

var errBus = errors.New("bus unavailable")

func (b *bus) Publish(ctx context.Context, ds ...events.Detail) error {
	b.mu.Lock()
	if b.failNext > 0 {
		b.failNext--
		b.mu.Unlock()
		return errBus
	}
	after := b.after
	b.mu.Unlock()
	if err := b.rec.Publish(ctx, ds...); err != nil {
		return err
	}
	if after != nil {
		after()
	}
	return nil
}

func (b *bus) licenses() []events.LicenseIssued {
	var out []events.LicenseIssued
	for _, d := range b.rec.Details() {
		out = append(out, d.(events.LicenseIssued))
	}
	return out
}

// verified checks every published license file (of the given companies,
// or all) and returns the licenses.
func (b *bus) verified(t testing.TB, companies ...string) []license.License {
	t.Helper()
	var out []license.License
	for _, li := range b.licenses() {
		if len(companies) > 0 && !slices.Contains(companies, li.CompanyID) {
			continue
		}
		l, err := license.VerifyAt(pub, []byte(li.License), t0)
		if err != nil {
			t.Fatalf("published license %s/%d does not verify: %v", li.CompanyID, li.Serial, err)
		}
		if l.Serial != li.Serial || l.CompanyID != li.CompanyID || l.Plan != li.Plan || l.Status != li.Status || !l.ExpiresAt.Equal(li.ExpiresAt) {
			t.Fatalf("event %+v disagrees with its file %+v", li, l)
		}
		out = append(out, l)
	}
	return out
}

// eachStage runs fn on each store backend (storetest.Each) with a fresh
// stage publishing to a fresh bus.
func eachStage(t *testing.T, fn func(t *testing.T, s *payment.Stage, b *bus)) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBus(t)
		fn(t, newStage(t, db, b), b)
	})
}

func newStage(t testing.TB, db *sqlstore.DB, pub events.Publisher, mod ...func(*payment.Config)) *payment.Stage {
	t.Helper()
	cfg := payment.Config{Deps: stage.Deps{DB: db, Publisher: pub, Now: func() time.Time { return t0 }}, SigningKey: key}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := payment.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// envelope wraps d as the payment queue delivers it.
func envelope(t testing.TB, d events.Detail) events.Envelope {
	return eventstest.Envelope(t, "env-"+d.DetailType(), t0, d)
}

func prov(id string, sec int) events.Provider {
	return events.Provider{EventID: id, Created: t0.Add(time.Duration(sec) * time.Second)}
}

var periodEnd = t0.Add(30 * 24 * time.Hour)

func checkout(id string, sec int, company, key string) events.CheckoutCompleted {
	return events.CheckoutCompleted{Provider: prov(id, sec), CompanyID: company, CustomerID: "cus_" + company,
		SubscriptionID: "sub_" + company, PriceLookupKey: key}
}

func subChanged(id string, sec int, company, status, key string, qty int64) events.SubscriptionChanged {
	return events.SubscriptionChanged{Provider: prov(id, sec), CompanyID: company, CustomerID: "cus_" + company,
		SubscriptionID: "sub_" + company, Status: status, PriceLookupKey: key, Quantity: qty, CurrentPeriodEnd: periodEnd}
}

func invoicePaid(id string, sec int, company string) events.InvoicePaid {
	return events.InvoicePaid{Provider: prov(id, sec), CustomerID: "cus_" + company, SubscriptionID: "sub_" + company,
		InvoiceID: "in_" + id, PeriodEnd: periodEnd}
}

func invoiceFailed(id string, sec int, company string) events.InvoicePaymentFailed {
	return events.InvoicePaymentFailed{Provider: prov(id, sec), CustomerID: "cus_" + company, SubscriptionID: "sub_" + company,
		InvoiceID: "in_" + id, AttemptCount: 1}
}

func handle(t testing.TB, s *payment.Stage, d events.Detail) {
	t.Helper()
	if err := s.Handle(context.Background(), envelope(t, d)); err != nil {
		t.Fatalf("Handle(%s %T): %v", d.(interface{ DetailType() string }).DetailType(), d, err)
	}
}
