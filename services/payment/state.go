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
const StatusIncomplete = "incomplete"

// Subscription is the payment stage's view of one provider subscription.
type Subscription struct {
	ID         string
	CompanyID  string // "" until an event names it
	CustomerID string
	// Status is one of license.Status* or StatusNone / StatusIncomplete.
	Status string
	// ProviderStatus is the provider's last reported status.
	ProviderStatus string
	LookupKey      string
	Quantity       int64
	PeriodEnd      time.Time
	// Deleted: the provider deleted the subscription; nothing revives it.
	Deleted bool
	// Version orders status-bearing events: the provider's event time,
	// ties broken by event id. A zero Version means no such event yet
	// (a checkout may have set a provisional status).
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

func versionOf(p events.Provider) Version {
	return Version{Created: p.Created.UTC(), EventID: p.EventID}
}

// mapStatus maps a provider status to the license status it grants.
func mapStatus(provider string) string {
	switch provider {
	case "trialing":
		return license.StatusTrialing
	case "active":
		return license.StatusActive
	case "past_due":
		return license.StatusPastDue
	case "incomplete":
		return StatusIncomplete
	default: // canceled, unpaid, incomplete_expired, paused
		return license.StatusCanceled
	}
}

// Apply returns s after detail d. Transitions:
//
//   - Checkout Completed names the company and, if no subscription event
//     has yet, the plan; it makes a subscription of unknown status
//     provisionally active (any status-bearing event overrides it).
//   - Subscription Changed is a snapshot: when newer than s.Version it sets
//     status, plan, quantity and period end; deleted is final (canceled).
//   - Invoice Paid (newer): past_due, incomplete or unknown → active;
//     trialing and canceled stay; the period end only grows.
//   - Invoice Payment Failed (newer): active or trialing → past_due.
//
// Older events (by Version) change no status, but still supply the
// company, customer and missing plan. A company differing from the one
// already known is an error (the caller marks it permanent).
func Apply(s Subscription, d events.Detail) (Subscription, error) {
	var company, customer string
	var p events.Provider
	switch d := d.(type) {
	case events.CheckoutCompleted:
		company, customer, p = d.CompanyID, d.CustomerID, d.Provider
		if s.LookupKey == "" {
			s.LookupKey = d.PriceLookupKey
		}
		if s.Version == (Version{}) && s.Status == StatusNone {
			s.Status = license.StatusActive
		}
	case events.SubscriptionChanged:
		company, customer, p = d.CompanyID, d.CustomerID, d.Provider
		if newer(s, p) {
			s.Version = versionOf(p)
			s.ProviderStatus = d.Status
			s.Status = mapStatus(d.Status)
			if d.Deleted {
				s.Deleted, s.Status = true, license.StatusCanceled
			}
			if d.PriceLookupKey != "" {
				s.LookupKey = d.PriceLookupKey
			}
			if d.Quantity > 0 {
				s.Quantity = d.Quantity
			}
			if !d.CurrentPeriodEnd.IsZero() {
				s.PeriodEnd = d.CurrentPeriodEnd.UTC()
			}
		} else if s.LookupKey == "" {
			s.LookupKey = d.PriceLookupKey
		}
	case events.InvoicePaid:
		company, customer, p = d.CompanyID, d.CustomerID, d.Provider
		if newer(s, p) {
			s.Version = versionOf(p)
			switch s.Status {
			case license.StatusPastDue, StatusIncomplete, StatusNone:
				s.Status = license.StatusActive
			}
		}
		if d.PeriodEnd.After(s.PeriodEnd) && s.Status != license.StatusCanceled {
			s.PeriodEnd = d.PeriodEnd.UTC()
		}
	case events.InvoicePaymentFailed:
		company, customer, p = d.CompanyID, d.CustomerID, d.Provider
		if newer(s, p) {
			s.Version = versionOf(p)
			switch s.Status {
			case license.StatusActive, license.StatusTrialing:
				s.Status = license.StatusPastDue
			}
		}
	default:
		return s, fmt.Errorf("unexpected detail %T", d)
	}
	if s.Deleted {
		s.Status = license.StatusCanceled
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
	return s, nil
}

// newer reports whether an event at p is newer than s's status version.
func newer(s Subscription, p events.Provider) bool {
	return versionOf(p).After(s.Version)
}
