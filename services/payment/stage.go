package payment

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/events/stripeevent"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// consumer names the stage in the store's processed-event table.
const consumer = "payment"

// Stage is the payment stage. Handle is safe for concurrent use.
type Stage struct {
	cfg   Config
	pol   expiryPolicy
	plans plansState
	// running: Run reconciles plan changes, so Handle need not.
	running atomic.Bool
}

// Steps of reconciling a plans change: Run works through every company in
// steps of runReconcileStep; without Run (a Lambda) each Handle call takes
// one step of handleReconcileStep companies after its own event.
const (
	runReconcileStep    = 100
	handleReconcileStep = 25
)

// New returns a Stage for cfg after running its database migrations.
func New(ctx context.Context, cfg Config) (*Stage, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("payment config: %w", err)
	}
	if err := cfg.DB.MigrateDir(ctx, consumer, migrations, "migrations"); err != nil {
		return nil, err
	}
	s := &Stage{cfg: cfg, pol: expiryPolicy{Grace: cfg.LicenseGrace, TTL: cfg.LicenseTTL, PaymentGrace: cfg.PaymentGrace}}
	if err := s.adopt(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Handle is the stage's events.Handler. It consumes Checkout Completed,
// Subscription Changed, Invoice Paid and Invoice Payment Failed, and Stripe
// partner events (source aws.partner/stripe.com/...). It returns nil once
// the event is applied and every license it caused is published. While Run
// is not running and a plans change has companies left to reconsider, it
// then reconsiders a few (see Reconcile).
func (s *Stage) Handle(ctx context.Context, e events.Envelope) error {
	details, err := decode(e)
	if err != nil {
		return events.Permanent(fmt.Errorf("event %s: %w", e.ID, err))
	}
	for _, d := range details {
		if err := s.apply(ctx, d); err != nil {
			return fmt.Errorf("event %s: %w", e.ID, err)
		}
	}
	if _, err := s.Flush(ctx); err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	if !s.running.Load() && s.plans.pending.Load() {
		s.catchUp(ctx, handleReconcileStep, 1)
	}
	return nil
}

// decode returns the payment details an envelope carries.
func decode(e events.Envelope) ([]events.Detail, error) {
	if stripeevent.IsPartnerSource(e.Source) {
		ev, err := stripeevent.MapEnvelope(e)
		if err != nil {
			return nil, err
		}
		return ev.Details, nil
	}
	var d events.Detail
	var err error
	switch e.DetailType {
	case events.TypeCheckoutCompleted:
		d, err = unmarshal[events.CheckoutCompleted](e.Detail)
	case events.TypeSubscriptionChanged:
		d, err = unmarshal[events.SubscriptionChanged](e.Detail)
	case events.TypeInvoicePaid:
		d, err = unmarshal[events.InvoicePaid](e.Detail)
	case events.TypeInvoicePaymentFailed:
		d, err = unmarshal[events.InvoicePaymentFailed](e.Detail)
	default:
		return nil, fmt.Errorf("detail-type %q from %q is not a payment event", e.DetailType, e.Source)
	}
	if err != nil {
		return nil, fmt.Errorf("decoding %q: %w", e.DetailType, err)
	}
	p, sub := keys(d)
	if p.EventID == "" || sub == "" {
		return nil, fmt.Errorf("%q lacks provider event id or subscription id", e.DetailType)
	}
	return []events.Detail{d}, nil
}

func unmarshal[T events.Detail](raw json.RawMessage) (events.Detail, error) {
	var d T
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	return d, nil
}

// keys returns the provider event and subscription of a payment detail.
func keys(d events.Detail) (events.Provider, string) {
	switch d := d.(type) {
	case events.CheckoutCompleted:
		return d.Provider, d.SubscriptionID
	case events.SubscriptionChanged:
		return d.Provider, d.SubscriptionID
	case events.InvoicePaid:
		return d.Provider, d.SubscriptionID
	case events.InvoicePaymentFailed:
		return d.Provider, d.SubscriptionID
	}
	return events.Provider{}, ""
}

// apply runs one detail in one transaction; see the package doc.
func (s *Stage) apply(ctx context.Context, d events.Detail) error {
	p, subID := keys(d)
	log := s.cfg.Logger.With("provider_event", p.EventID, "detail_type", d.DetailType(), "subscription", subID)
	var (
		duplicate bool
		issued    *Entitlement
		serial    int64
	)
	err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		duplicate, issued, serial = false, nil, 0
		first, err := tx.FirstTime(ctx, consumer, p.EventID)
		if err != nil {
			return err
		}
		if !first {
			duplicate = true
			return nil
		}
		cur, rowVersion, err := loadSubscription(ctx, tx, subID)
		if err != nil {
			return err
		}
		next, err := Apply(cur, d)
		if err != nil {
			return events.Permanent(err)
		}
		if err := saveSubscription(ctx, tx, next, rowVersion, s.cfg.Now()); err != nil {
			return err
		}
		if next.CompanyID == "" {
			log.InfoContext(ctx, "subscription parked until an event names its company")
			return nil
		}
		issued, serial, err = s.reissue(ctx, tx, next.CompanyID, p.EventID, always)
		return err
	})
	switch {
	case err != nil:
		return err
	case duplicate:
		log.DebugContext(ctx, "duplicate provider event ignored")
	case issued != nil:
		log.InfoContext(ctx, "license issued", "company", issued.CompanyID, "serial", serial, "plan", issued.Plan, "status", issued.Status, "seats", issued.Seats)
	}
	return nil
}

// reissueMode says when reissue may issue.
type reissueMode int

const (
	// always: whenever the entitlement changed (an event's effect).
	always reissueMode = iota
	// onlyIfGranting: and only while the newest license still grants use
	// (a plans change does not touch canceled or expired licenses).
	onlyIfGranting
)

// reissue signs and stores the next license of company, from the plans in
// force, if its entitlement changed; it returns the new entitlement and
// serial, or nil.
func (s *Stage) reissue(ctx context.Context, tx *sqlstore.Tx, company, cause string, mode reissueMode) (*Entitlement, int64, error) {
	gen, err := s.current(ctx, tx)
	if err != nil {
		return nil, 0, err
	}
	s.follow(ctx, gen)
	subs, err := companySubscriptions(ctx, tx, company)
	if err != nil {
		return nil, 0, err
	}
	prev, prevSerial, err := lastEntitlement(ctx, tx, company)
	if err != nil {
		return nil, 0, err
	}
	now := s.cfg.Now()
	if mode == onlyIfGranting && (prev == nil || !prev.Licensed() || !now.Before(prev.ExpiresAt)) {
		return nil, 0, nil
	}
	ent, ok, err := entitle(company, subs, gen.plans, s.pol, prev, now)
	if err != nil {
		return nil, 0, events.Permanent(err)
	}
	if !ok || (prev != nil && prev.Equal(ent)) {
		return nil, 0, nil
	}
	serial := prevSerial + 1
	file, err := license.Sign(s.cfg.SigningKey, license.License{
		Issuer: s.cfg.Issuer, CompanyID: company, SubscriptionID: ent.SubscriptionID,
		Plan: ent.Plan, Status: ent.Status, Seats: ent.Seats, Features: ent.Features,
		Serial: serial, IssuedAt: now, ExpiresAt: ent.ExpiresAt,
	})
	if err != nil {
		return nil, 0, events.Permanent(err)
	}
	if err := insertLicense(ctx, tx, ent, serial, file, now, cause, events.CorrelationID(ctx)); err != nil {
		return nil, 0, err
	}
	return &ent, serial, nil
}

// Flush publishes every stored license not yet published, oldest first, and
// returns how many it published. It stops at the first failure.
func (s *Stage) Flush(ctx context.Context) (int, error) {
	n := 0
	for {
		var batch []pending
		err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
			var err error
			batch, err = unpublished(ctx, tx, 100)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("reading license outbox: %w", err)
		}
		if len(batch) == 0 {
			return n, nil
		}
		for _, p := range batch {
			pctx := ctx
			if p.correlationID != "" {
				pctx = events.WithCorrelationID(ctx, p.correlationID)
			}
			if err := s.cfg.Publisher.Publish(pctx, p.detail); err != nil {
				return n, fmt.Errorf("publishing license %s/%d: %w", p.detail.CompanyID, p.detail.Serial, err)
			}
			if err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
				return markPublished(ctx, tx, p.detail.CompanyID, p.detail.Serial)
			}); err != nil {
				return n, fmt.Errorf("marking license %s/%d published: %w", p.detail.CompanyID, p.detail.Serial, err)
			}
			n++
		}
	}
}

// Run reconciles a plans change (see Reconcile) at once and flushes the
// license outbox every interval until ctx ends, so a license whose
// publishing failed goes out even if no event follows, and a plans change
// another stage adopted is worked through too. It returns ctx's error.
func (s *Stage) Run(ctx context.Context, interval time.Duration) error {
	s.running.Store(true)
	defer s.running.Store(false)
	s.catchUp(ctx, runReconcileStep, math.MaxInt)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			s.catchUp(ctx, runReconcileStep, math.MaxInt)
		}
	}
}

// Latest returns the newest license issued for company (published or
// not), or ok=false.
func (s *Stage) Latest(ctx context.Context, company string) (events.LicenseIssued, bool, error) {
	var (
		out events.LicenseIssued
		ok  bool
	)
	err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		out, ok, err = latestLicense(ctx, tx, company)
		return err
	})
	return out, ok, err
}
