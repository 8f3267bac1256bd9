// Package stripeevent maps Stripe events to licenseflow's payment event
// details. It reads the event JSON Stripe sends to webhooks, which is also
// the detail of a Stripe partner event on EventBridge.
//
// Mapped types:
//   - checkout.session.completed → events.CheckoutCompleted (company from
//     client_reference_id, else metadata.company_id; sessions without a
//     subscription are ignored)
//   - customer.subscription.created|updated|deleted → events.SubscriptionChanged
//   - invoice.paid → events.InvoicePaid; invoice.payment_failed →
//     events.InvoicePaymentFailed (invoices without a subscription are ignored)
//
// Every other type yields no details and no error.
package stripeevent

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/licenseflow/licenseflow/events"
)

// ErrMalformed is wrapped by every error Map returns: the input is not a
// Stripe event, or a mapped event lacks what licenseflow needs (such as the
// company of a checkout session). Retrying cannot fix it.
var ErrMalformed = errors.New("malformed stripe event")

// MetadataCompanyID is the metadata key naming the licenseflow company on a
// Checkout Session, a subscription or (through its subscription) an invoice.
const MetadataCompanyID = "company_id"

// MetadataPlan optionally names the price lookup key on a Checkout Session
// whose line items are not expanded.
const MetadataPlan = "price_lookup_key"

// Event is a Stripe event and the details it maps to.
type Event struct {
	ID         string
	Type       string
	Created    time.Time
	Livemode   bool
	APIVersion string
	// Details is empty for types licenseflow ignores.
	Details []events.Detail
}

// wireEvent is the Stripe event object, its data.object decoded as O.
type wireEvent[O any] struct {
	ID         string `json:"id"`
	Object     string `json:"object"`
	Type       string `json:"type"`
	Created    int64  `json:"created"`
	Livemode   bool   `json:"livemode"`
	APIVersion string `json:"api_version"`
	Data       struct {
		Object O `json:"object"`
	} `json:"data"`
}

// mapper returns the function that maps a Stripe event of type typ to a
// detail, or nil for a type licenseflow ignores.
func mapper(typ string) func(events.Provider, *object) (events.Detail, error) {
	switch typ {
	case "checkout.session.completed":
		return mapCheckout
	case "customer.subscription.created", "customer.subscription.updated":
		return func(p events.Provider, o *object) (events.Detail, error) { return mapSubscription(p, false, o) }
	case "customer.subscription.deleted":
		return func(p events.Provider, o *object) (events.Detail, error) { return mapSubscription(p, true, o) }
	case "invoice.paid":
		return func(p events.Provider, o *object) (events.Detail, error) { return mapInvoice(p, true, o) }
	case "invoice.payment_failed":
		return func(p events.Provider, o *object) (events.Detail, error) { return mapInvoice(p, false, o) }
	}
	return nil
}

// decode reads a Stripe event in one pass, data.object included. Only
// when that fails does it read the event again with data.object left
// undecoded, so that errors are those of reading the event and its object
// apart: the event's own (err), and its object's (objErr, for a mapped
// type only: an ignored type's object need not fit ours).
func decode(body []byte) (w wireEvent[*object], objErr, err error) {
	if err := json.Unmarshal(body, &w); err == nil {
		return w, nil, nil
	}
	var raw wireEvent[json.RawMessage]
	if err := json.Unmarshal(body, &raw); err != nil {
		return w, nil, err
	}
	w = wireEvent[*object]{ID: raw.ID, Object: raw.Object, Type: raw.Type, Created: raw.Created,
		Livemode: raw.Livemode, APIVersion: raw.APIVersion}
	if len(raw.Data.Object) == 0 || string(raw.Data.Object) == "null" {
		return w, nil, nil // Map says data.object is missing
	}
	w.Data.Object = &object{}
	if err := json.Unmarshal(raw.Data.Object, w.Data.Object); err != nil && mapper(raw.Type) != nil {
		objErr = err
	}
	return w, objErr, nil
}

// Map decodes a Stripe event and maps it to details. Errors wrap
// ErrMalformed.
func Map(body []byte) (Event, error) {
	w, objErr, err := decode(body)
	if err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var errs []error
	if w.ID == "" {
		errs = append(errs, errors.New("id is empty"))
	}
	if w.Object != "" && w.Object != "event" {
		errs = append(errs, fmt.Errorf("object is %q, want \"event\"", w.Object))
	}
	if w.Type == "" {
		errs = append(errs, errors.New("type is empty"))
	}
	if w.Created <= 0 || w.Created > maxUnix {
		errs = append(errs, errors.New("created is missing or out of range"))
	}
	if w.Data.Object == nil {
		errs = append(errs, errors.New("data.object is missing"))
	}
	if err := errors.Join(errs...); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	ev := Event{
		ID: w.ID, Type: w.Type, Created: time.Unix(w.Created, 0).UTC(),
		Livemode: w.Livemode, APIVersion: w.APIVersion,
	}
	mapFn := mapper(w.Type)
	if mapFn == nil {
		return ev, nil
	}
	var d events.Detail
	if err = objErr; err == nil {
		d, err = mapFn(events.Provider{EventID: w.ID, Created: ev.Created, Livemode: w.Livemode}, w.Data.Object)
	}
	if err != nil {
		return Event{}, fmt.Errorf("%w: %s %s: %v", ErrMalformed, w.Type, w.ID, err)
	}
	if d != nil {
		if err := check(d); err != nil {
			return Event{}, fmt.Errorf("%w: %s %s: %v", ErrMalformed, w.Type, w.ID, err)
		}
		ev.Details = []events.Detail{d}
	}
	return ev, nil
}
