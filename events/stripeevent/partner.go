package stripeevent

import (
	"fmt"
	"strings"

	"github.com/licenseflow/licenseflow/events"
)

// IsPartnerSource reports whether an EventBridge source is a Stripe partner
// event source (aws.partner/stripe.com/...).
func IsPartnerSource(source string) bool {
	return strings.HasPrefix(source, events.SourceStripePartnerPrefix)
}

// MapEnvelope maps a Stripe partner event: its detail is the Stripe event
// and its detail-type the Stripe type. Errors wrap ErrMalformed.
func MapEnvelope(e events.Envelope) (Event, error) {
	if !IsPartnerSource(e.Source) {
		return Event{}, fmt.Errorf("%w: source %q is not a stripe partner source", ErrMalformed, e.Source)
	}
	ev, err := Map(e.Detail)
	if err != nil {
		return Event{}, err
	}
	if e.DetailType != "" && e.DetailType != ev.Type {
		return Event{}, fmt.Errorf("%w: detail-type %q but stripe type %q", ErrMalformed, e.DetailType, ev.Type)
	}
	return ev, nil
}
