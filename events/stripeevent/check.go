package stripeevent

import (
	"errors"
	"fmt"
	"time"

	"github.com/licenseflow/licenseflow/events"
)

// Limits of the payment detail schemas (schemas/*.json): a detail the bus
// would refuse is malformed here, so the edge answers 400 instead of
// failing to publish forever.
const (
	maxIDLen        = 128
	maxLookupKeyLen = 200
	maxQuantity     = 1_000_000
	maxAttempts     = 1000
	// maxUnix is 9999-12-31T23:59:59Z, the last time RFC 3339 can write.
	maxUnix = 253402300799
)

func checkTime(errs *[]error, field string, t time.Time) {
	if !t.IsZero() && t.Unix() > maxUnix {
		*errs = append(*errs, fmt.Errorf("%s is after year 9999", field))
	}
}

// idChar reports whether c may appear in an id: [A-Za-z0-9_.:-].
func idChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '.' || c == ':' || c == '-'
}

func checkID(errs *[]error, field, v string, required bool, maxLen int) {
	if v == "" {
		if required {
			*errs = append(*errs, fmt.Errorf("%s is missing", field))
		}
		return
	}
	if len(v) > maxLen {
		*errs = append(*errs, fmt.Errorf("%s is longer than %d", field, maxLen))
		return
	}
	for i := range len(v) {
		if !idChar(v[i]) {
			*errs = append(*errs, fmt.Errorf("%s %q has a character outside [A-Za-z0-9_.:-]", field, v))
			return
		}
	}
}

// check reports every field of d the payment schemas would refuse.
func check(d events.Detail) error {
	var errs []error
	common := func(p events.Provider, company, customer, sub string, companyRequired bool) {
		checkID(&errs, "event id", p.EventID, true, maxIDLen)
		checkTime(&errs, "created", p.Created)
		checkID(&errs, "company id", company, companyRequired, maxIDLen)
		checkID(&errs, "customer", customer, true, maxIDLen)
		checkID(&errs, "subscription", sub, true, maxIDLen)
	}
	switch d := d.(type) {
	case events.CheckoutCompleted:
		common(d.Provider, d.CompanyID, d.CustomerID, d.SubscriptionID, true)
		checkID(&errs, "price lookup_key", d.PriceLookupKey, false, maxLookupKeyLen)
	case events.SubscriptionChanged:
		common(d.Provider, d.CompanyID, d.CustomerID, d.SubscriptionID, false)
		checkID(&errs, "price lookup_key", d.PriceLookupKey, false, maxLookupKeyLen)
		if !events.ValidSubscriptionStatus(d.Status) {
			errs = append(errs, fmt.Errorf("unknown subscription status %q", d.Status))
		}
		checkTime(&errs, "current_period_end", d.CurrentPeriodEnd)
		if d.Quantity < 0 || d.Quantity > maxQuantity {
			errs = append(errs, fmt.Errorf("quantity %d out of range", d.Quantity))
		}
	case events.InvoicePaid:
		common(d.Provider, d.CompanyID, d.CustomerID, d.SubscriptionID, false)
		checkID(&errs, "invoice id", d.InvoiceID, true, maxIDLen)
		checkTime(&errs, "period_end", d.PeriodEnd)
	case events.InvoicePaymentFailed:
		common(d.Provider, d.CompanyID, d.CustomerID, d.SubscriptionID, false)
		checkID(&errs, "invoice id", d.InvoiceID, true, maxIDLen)
		if d.AttemptCount < 0 || d.AttemptCount > maxAttempts {
			errs = append(errs, fmt.Errorf("attempt_count %d out of range", d.AttemptCount))
		}
	default:
		errs = append(errs, fmt.Errorf("unexpected detail %T", d))
	}
	return errors.Join(errs...)
}
