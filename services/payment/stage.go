package payment

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sync"
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
	// flushMu lets one Flush at a time read and publish the outbox.
	flushMu sync.Mutex
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
	var out []pending
	for _, d := range details {
		ps, err := s.apply(ctx, d, e.ReplayName)
		if err != nil {
			return fmt.Errorf("event %s: %w", e.ID, err)
		}
		out = appendNew(out, ps...)
	}
	if _, err := s.publish(ctx, out); err != nil {
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

// apply runs one detail in one transaction; see the package doc. It
// returns the licenses the detail caused that are still to publish: the
// one it issued, or, for a detail handled before (a redelivery after a
// failed publish), those its first handling issued and nobody published.
func (s *Stage) apply(ctx context.Context, d events.Detail, replay string) ([]pending, error) {
	p, subID := keys(d)
	log := s.cfg.Logger.With("provider_event", p.EventID, "detail_type", d.DetailType(), "subscription", subID)
	cause := p.EventID
	if replay != "" {
		cause += " (replay " + replay + ")"
		log = log.With("replay", replay)
	}
	var (
		duplicate, again, parked bool
		issued                   *issue
		out                      []pending
	)
	err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		duplicate, again, parked, issued, out = false, false, false, nil, nil
		first, err := tx.FirstTime(ctx, consumer, p.EventID)
		if err != nil {
			return err
		}
		if !first && replay == "" {
			duplicate = true
			out, err = unpublishedOf(ctx, tx, cause)
			return err
		}
		again = !first // a replay of an event applied before: re-derive it
		cur, rowVersion, err := loadSubscription(ctx, tx, subID)
		if err != nil {
			return err
		}
		next, err := apply(cur, d, again)
		if err != nil {
			return events.Permanent(err)
		}
		if !again || !reflect.DeepEqual(next, cur) {
			if err := saveSubscription(ctx, tx, next, rowVersion, s.cfg.Now()); err != nil {
				return err
			}
		}
		if next.CompanyID == "" {
			parked = true
			return nil
		}
		if issued, err = s.reissue(ctx, tx, next.CompanyID, cause, always); err != nil || issued != nil || !again {
			return err
		}
		// Nothing changed: a redelivered replay may still have a license
		// its first delivery stored but did not publish.
		out, err = unpublishedOf(ctx, tx, cause)
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case duplicate:
		log.DebugContext(ctx, "duplicate provider event ignored", "unpublished", len(out))
	case parked:
		log.InfoContext(ctx, "subscription parked until an event names its company")
	case issued != nil:
		log.InfoContext(ctx, "license issued", "company", issued.ent.CompanyID, "serial", issued.serial, "plan", issued.ent.Plan,
			"status", issued.ent.Status, "seats", issued.ent.Seats, "replayed", again)
		out = []pending{issued.out}
	case again:
		log.InfoContext(ctx, "replayed provider event re-derived: entitlement unchanged, no license issued")
	}
	return out, nil
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

// issue is a license reissue stored in the outbox.
type issue struct {
	ent    Entitlement
	serial int64
	out    pending
}

// reissue signs and stores the next license of company, from the plans in
// force, if its entitlement changed; it returns what it issued, or nil.
func (s *Stage) reissue(ctx context.Context, tx *sqlstore.Tx, company, cause string, mode reissueMode) (*issue, error) {
	gen, err := s.current(ctx, tx)
	if err != nil {
		return nil, err
	}
	s.follow(ctx, gen)
	subs, err := companySubscriptions(ctx, tx, company)
	if err != nil {
		return nil, err
	}
	prev, prevSerial, err := lastEntitlement(ctx, tx, company)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	if mode == onlyIfGranting && (prev == nil || !prev.Licensed() || !now.Before(prev.ExpiresAt)) {
		return nil, nil
	}
	ent, ok, err := entitle(company, subs, gen.plans, s.pol, prev, now)
	if err != nil {
		return nil, events.Permanent(err)
	}
	if !ok || (prev != nil && prev.Equal(ent)) {
		return nil, nil
	}
	serial := prevSerial + 1
	file, err := license.Sign(s.cfg.SigningKey, license.License{
		Issuer: s.cfg.Issuer, CompanyID: company, SubscriptionID: ent.SubscriptionID,
		Plan: ent.Plan, Status: ent.Status, Seats: ent.Seats, Features: ent.Features,
		Serial: serial, IssuedAt: now, ExpiresAt: ent.ExpiresAt,
	})
	if err != nil {
		return nil, events.Permanent(err)
	}
	cid := events.CorrelationID(ctx)
	if err := insertLicense(ctx, tx, ent, serial, file, now, cause, cid); err != nil {
		return nil, err
	}
	return &issue{ent: ent, serial: serial, out: pending{detail: licenseDetail(ent, serial, string(file)), correlationID: cid}}, nil
}

// Flush publishes every stored license not yet published, oldest first, and
// returns how many it published. It stops at the first failure. Calls run
// one at a time.
func (s *Stage) Flush(ctx context.Context) (int, error) {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	n := 0
	for {
		var batch []pending
		err := s.cfg.DB.View(ctx, func(tx *sqlstore.Tx) error {
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
		k, err := s.publish(ctx, batch)
		n += k
		if err != nil {
			return n, err
		}
	}
}

// publish publishes ps in order, one Publish call for each run of licenses
// with the same correlation id, and marks those the bus accepted published
// in one transaction. It returns how many it published and marked; it
// stops at the first failure.
func (s *Stage) publish(ctx context.Context, ps []pending) (int, error) {
	sent := 0
	var pubErr error
	for sent < len(ps) {
		cid, end := ps[sent].correlationID, sent+1
		for end < len(ps) && ps[end].correlationID == cid {
			end++
		}
		pctx := ctx
		if cid != "" {
			pctx = events.WithCorrelationID(ctx, cid)
		}
		ds := make([]events.Detail, 0, end-sent)
		for _, p := range ps[sent:end] {
			ds = append(ds, p.detail)
		}
		if err := s.cfg.Publisher.Publish(pctx, ds...); err != nil {
			pubErr = fmt.Errorf("publishing license %s/%d: %w", ps[sent].detail.CompanyID, ps[sent].detail.Serial, err)
			break
		}
		sent = end
	}
	if sent == 0 {
		return 0, pubErr
	}
	if err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		for _, p := range ps[:sent] {
			if err := markPublished(ctx, tx, p.detail.CompanyID, p.detail.Serial); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, errors.Join(pubErr, fmt.Errorf("marking %d licenses published: %w", sent, err))
	}
	return sent, pubErr
}

// appendNew appends the licenses of ps that out does not hold yet.
func appendNew(out []pending, ps ...pending) []pending {
	for _, p := range ps {
		if !slices.ContainsFunc(out, func(o pending) bool {
			return o.detail.CompanyID == p.detail.CompanyID && o.detail.Serial == p.detail.Serial
		}) {
			out = append(out, p)
		}
	}
	return out
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
	out, err := sqlstore.Read(ctx, s.cfg.DB, func(tx *sqlstore.Tx) (events.LicenseIssued, error) {
		out, _, err := latestLicense(ctx, tx, company)
		return out, err
	})
	return out, err == nil && out.Serial > 0, err // serials start at 1
}
