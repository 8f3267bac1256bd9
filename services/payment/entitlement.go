package payment

import (
	"fmt"
	"slices"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/plans"
)

// Entitlement is what a license grants; a new license is issued exactly
// when it changes.
type Entitlement struct {
	CompanyID      string    `json:"company_id"`
	SubscriptionID string    `json:"subscription_id"`
	Plan           string    `json:"plan"`
	Status         string    `json:"status"`
	Seats          int       `json:"seats"`
	Features       []string  `json:"features"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// Equal reports whether e and o grant the same.
func (e Entitlement) Equal(o Entitlement) bool {
	return e.CompanyID == o.CompanyID && e.SubscriptionID == o.SubscriptionID && e.Plan == o.Plan &&
		e.Status == o.Status && e.Seats == o.Seats && slices.Equal(e.Features, o.Features) &&
		e.ExpiresAt.Equal(o.ExpiresAt)
}

// Licensed reports whether the status grants use.
func (e Entitlement) Licensed() bool {
	switch e.Status {
	case license.StatusTrialing, license.StatusActive, license.StatusPastDue:
		return true
	}
	return false
}

// expiryPolicy sets license expiry times.
type expiryPolicy struct {
	// Grace is added to the paid period's end.
	Grace time.Duration
	// TTL bounds a license whose period end is not known yet.
	TTL time.Duration
	// PaymentGrace is how long a past_due license lasts after the failure.
	PaymentGrace time.Duration
}

// entitle computes the entitlement of company from its subscriptions, given
// the last issued one (nil if none). It returns ok=false when there is
// nothing to license yet: no plan known, no status known, or only a
// cancellation with no license to revoke. An unknown lookup key is an error.
func entitle(company string, subs []Subscription, cat plans.Catalogue, pol expiryPolicy, prev *Entitlement, now time.Time) (Entitlement, bool, error) {
	s, found := current(subs)
	if !found || s.LookupKey == "" {
		return Entitlement{}, false, nil
	}
	switch s.Status {
	case StatusNone, StatusIncomplete:
		return Entitlement{}, false, nil
	case license.StatusCanceled:
		if prev == nil {
			return Entitlement{}, false, nil
		}
	}
	plan, ok := cat.Lookup(s.LookupKey)
	if !ok {
		return Entitlement{}, false, fmt.Errorf("price lookup_key %q is not in the plan catalogue", s.LookupKey)
	}
	e := Entitlement{
		CompanyID: company, SubscriptionID: s.ID, Plan: plan.Name, Status: s.Status,
		Seats: plan.SeatsFor(s.Quantity), Features: plan.Features,
	}
	switch {
	case s.Status == license.StatusCanceled:
		// Expired from the cancellation on; keep it stable across events.
		e.ExpiresAt = s.latest().Created
		if prev != nil && prev.Status == license.StatusCanceled {
			e.ExpiresAt = prev.ExpiresAt
		}
		if e.ExpiresAt.IsZero() {
			e.ExpiresAt = now.UTC().Truncate(time.Second)
		}
	case s.Status == license.StatusPastDue:
		e.ExpiresAt = pastDueExpiry(s, pol, prev, now)
	case !s.PeriodEnd.IsZero():
		e.ExpiresAt = s.PeriodEnd.Add(pol.Grace).UTC()
	case prev != nil && prev.Licensed():
		e.ExpiresAt = prev.ExpiresAt
	default:
		e.ExpiresAt = now.Add(pol.TTL).UTC().Truncate(time.Second)
	}
	return e, true, nil
}

// pastDueExpiry is when a past_due license lapses: PaymentGrace after the
// failure that began the past-due spell, or the end of a period already
// paid for if that is later. Within one spell (the previous license of the
// subscription is past_due too) it stays put, so a retried payment that
// fails again extends nothing.
func pastDueExpiry(s Subscription, pol expiryPolicy, prev *Entitlement, now time.Time) time.Time {
	if prev != nil && prev.Status == license.StatusPastDue && prev.SubscriptionID == s.ID {
		return prev.ExpiresAt
	}
	failed := s.latest().Created
	if failed.IsZero() {
		failed = now.Truncate(time.Second)
	}
	end := failed.Add(pol.PaymentGrace)
	if paid := s.PaidThrough.End; paid.After(end) {
		end = paid
	}
	return end.UTC()
}

// current picks the subscription that decides a company's entitlement: a
// licensed one before others, then the newest.
func current(subs []Subscription) (Subscription, bool) {
	var best Subscription
	found := false
	for _, s := range subs {
		if !found || better(s, best) {
			best, found = s, true
		}
	}
	return best, found
}

func better(a, b Subscription) bool {
	la, lb := grants(a.Status), grants(b.Status)
	if la != lb {
		return la
	}
	if va, vb := a.latest(), b.latest(); va != vb {
		return va.After(vb)
	}
	return a.ID > b.ID
}

func grants(status string) bool {
	return status == license.StatusTrialing || status == license.StatusActive || status == license.StatusPastDue
}
