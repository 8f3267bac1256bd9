package payment

import (
	"fmt"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
)

// StatusNone is the status of a subscription no status-bearing event has
// described yet; it grants nothing.
const StatusNone = ""

// StatusIncomplete: the first payment has not succeeded; grants nothing.
const StatusIncomplete = events.SubscriptionIncomplete

// Subscription is the payment stage's view of one provider subscription.
type Subscription struct {
	ID         string
	CompanyID  string // "" until an event names it
	CustomerID string
	// Status is derived by Apply: one of license.Status*, StatusNone or
	// StatusIncomplete.
	Status string
	// ProviderStatus is the status of the newest snapshot.
	ProviderStatus string
	LookupKey      string
	Quantity       int64
	// PeriodEnd is derived by Apply: the end of the paid period.
	PeriodEnd time.Time
	// SnapshotPeriodEnd is the newest snapshot's current_period_end.
	SnapshotPeriodEnd time.Time
	// PaidThrough is the furthest period end of a paid invoice.
	PaidThrough PaidPeriod
	// Deleted: the provider deleted the subscription; nothing revives it.
	Deleted bool
	// CheckoutSeen: a completed checkout made it provisionally active.
	CheckoutSeen bool
	// SnapshotVersion is the newest Subscription Changed applied; snapshots
	// alone set ProviderStatus, plan, quantity and period end.
	SnapshotVersion Version
	// Invoice is the newest invoice outcome; it adjusts the snapshot's
	// status when strictly newer than it.
	Invoice InvoiceMark
}

// PaidPeriod is the period end a paid invoice reported, and that invoice.
type PaidPeriod struct {
	End     time.Time
	Version Version
}

// InvoiceMark is the outcome of the newest invoice event.
type InvoiceMark struct {
	Paid    bool
	Version Version
}

// Version is the position of a provider event in time.
type Version struct {
	Created time.Time
	EventID string
}

// After reports whether v is strictly newer than o: later Created, or the
// same second and a larger event id (deterministic, if arbitrary).
func (v Version) After(o Version) bool {
	if !v.Created.Equal(o.Created) {
		return v.Created.After(o.Created)
	}
	return v.EventID > o.EventID
}

func (v Version) isZero() bool { return v == Version{} }

func versionOf(p events.Provider) Version {
	return Version{Created: p.Created.UTC(), EventID: p.EventID}
}

// latest is the newest event that decided the status.
func (s Subscription) latest() Version {
	if s.Invoice.Version.After(s.SnapshotVersion) {
		return s.Invoice.Version
	}
	return s.SnapshotVersion
}

// mapStatus maps a provider status to the license status it grants.
func mapStatus(provider string) string {
	switch provider {
	case events.SubscriptionTrialing:
		return license.StatusTrialing
	case events.SubscriptionActive:
		return license.StatusActive
	case events.SubscriptionPastDue:
		return license.StatusPastDue
	case events.SubscriptionIncomplete:
		return StatusIncomplete
	default: // canceled, unpaid, incomplete_expired, paused
		return license.StatusCanceled
	}
}

// Apply returns s after detail d. Whatever the order events arrive in, the
// result is that of applying them in provider order:
//
//   - Subscription Changed is a snapshot of the provider's state. The
//     newest one (by Version) sets the status, plan, quantity and period
//     end; deleted is final (canceled).
//   - Checkout Completed names the company and, before any snapshot, the
//     plan; without a snapshot the subscription is provisionally active.
//   - Invoice Paid / Invoice Payment Failed: the newest invoice outcome
//     adjusts the snapshot's status if it is strictly later (a snapshot of
//     the same second already reflects it): paid turns past_due,
//     incomplete or unknown into active; failed turns active or trialing
//     into past_due. A paid invoice strictly newer than the snapshot
//     extends the period end.
//
// A company differing from the one already known is an error (the caller
// marks it permanent).
func Apply(s Subscription, d events.Detail) (Subscription, error) {
	return apply(s, d, false)
}

// Reapply is Apply for an event applied before, replayed from the
// archive: what the event decided is decided again, so a fix of what an
// event means (its mapping, say) takes effect. Its fields overwrite those
// it set if it is still the newest event of its kind (same Version); an
// older event changes nothing, as under Apply. Reapplying an event
// already applied with unchanged code changes nothing.
func Reapply(s Subscription, d events.Detail) (Subscription, error) {
	return apply(s, d, true)
}

func apply(s Subscription, d events.Detail, again bool) (Subscription, error) {
	var company, customer string
	newer := func(v, cur Version) bool { return v.After(cur) || (again && v == cur) }
	switch d := d.(type) {
	case events.CheckoutCompleted:
		company, customer = d.CompanyID, d.CustomerID
		s.CheckoutSeen = true
		if s.SnapshotVersion.isZero() && (s.LookupKey == "" || again) {
			s.LookupKey = d.PriceLookupKey
		}
	case events.SubscriptionChanged:
		company, customer = d.CompanyID, d.CustomerID
		if v := versionOf(d.Provider); newer(v, s.SnapshotVersion) {
			s.SnapshotVersion, s.ProviderStatus = v, d.Status
			s.Deleted = s.Deleted || d.Deleted
			if d.PriceLookupKey != "" {
				s.LookupKey = d.PriceLookupKey
			}
			if d.Quantity > 0 {
				s.Quantity = d.Quantity
			}
			if !d.CurrentPeriodEnd.IsZero() {
				s.SnapshotPeriodEnd = d.CurrentPeriodEnd.UTC()
			}
		} else if d.Deleted {
			s.Deleted = true
		}
	case events.InvoicePaid:
		company, customer = d.CompanyID, d.CustomerID
		if v := versionOf(d.Provider); newer(v, s.Invoice.Version) {
			s.Invoice = InvoiceMark{Paid: true, Version: v}
		}
		p := PaidPeriod{End: d.PeriodEnd.UTC(), Version: versionOf(d.Provider)}
		if p.End.After(s.PaidThrough.End) || (p.End.Equal(s.PaidThrough.End) && newer(p.Version, s.PaidThrough.Version)) {
			s.PaidThrough = p
		}
	case events.InvoicePaymentFailed:
		company, customer = d.CompanyID, d.CustomerID
		if v := versionOf(d.Provider); newer(v, s.Invoice.Version) {
			s.Invoice = InvoiceMark{Paid: false, Version: v}
		}
	default:
		return s, fmt.Errorf("unexpected detail %T", d)
	}
	if company != "" {
		if s.CompanyID != "" && s.CompanyID != company {
			return s, fmt.Errorf("subscription %s belongs to company %s, event names %s", s.ID, s.CompanyID, company)
		}
		s.CompanyID = company
	}
	if s.CustomerID == "" {
		s.CustomerID = customer
	}
	s.Status, s.PeriodEnd = s.status(), s.periodEnd()
	return s, nil
}

// periodEnd derives the paid period's end: the snapshot's, unless a paid
// invoice strictly newer than the snapshot reaches further.
func (s Subscription) periodEnd() time.Time {
	end := s.SnapshotPeriodEnd
	p := s.PaidThrough
	if s.Deleted || !p.End.After(end) {
		return end
	}
	if s.SnapshotVersion.isZero() || p.Version.Created.After(s.SnapshotVersion.Created) {
		return p.End
	}
	return end
}

// status derives the license status from the events seen.
func (s Subscription) status() string {
	if s.Deleted {
		return license.StatusCanceled
	}
	st := StatusNone
	switch {
	case !s.SnapshotVersion.isZero():
		st = mapStatus(s.ProviderStatus)
	case s.CheckoutSeen:
		st = license.StatusActive
	}
	inv := s.Invoice
	if inv.Version.isZero() || (!s.SnapshotVersion.isZero() && !inv.Version.Created.After(s.SnapshotVersion.Created)) {
		return st
	}
	switch {
	case inv.Paid && (st == license.StatusPastDue || st == StatusIncomplete || st == StatusNone):
		return license.StatusActive
	case !inv.Paid && (st == license.StatusActive || st == license.StatusTrialing):
		return license.StatusPastDue
	}
	return st
}
