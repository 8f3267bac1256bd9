package stripeevent

import (
	"errors"
	"time"

	"github.com/licenseflow/licenseflow/events"
)

func unixTime(s int64) time.Time {
	if s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

func mapCheckout(p events.Provider, s *object) (events.Detail, error) {
	if s.ID == "" {
		return nil, errors.New("checkout session has no id")
	}
	if s.Subscription == "" {
		return nil, nil // a one-off payment: no subscription, no license
	}
	company := s.ClientReferenceID
	if company == "" {
		company = s.Metadata[MetadataCompanyID]
	}
	if company == "" {
		return nil, errors.New("checkout session names no company (client_reference_id or metadata.company_id)")
	}
	lookup := s.Metadata[MetadataPlan]
	if s.LineItems != nil && len(s.LineItems.Data) > 0 && s.LineItems.Data[0].Price != nil && s.LineItems.Data[0].Price.LookupKey != "" {
		lookup = s.LineItems.Data[0].Price.LookupKey
	}
	return events.CheckoutCompleted{
		Provider: p, CompanyID: company, CustomerID: string(s.Customer),
		SubscriptionID: string(s.Subscription), PriceLookupKey: lookup,
	}, nil
}

func mapSubscription(p events.Provider, deleted bool, s *object) (events.Detail, error) {
	if s.ID == "" {
		return nil, errors.New("subscription has no id")
	}
	if s.Status == "" {
		return nil, errors.New("subscription has no status")
	}
	d := events.SubscriptionChanged{
		Provider: p, CompanyID: s.Metadata[MetadataCompanyID], CustomerID: string(s.Customer),
		SubscriptionID: s.ID, Status: s.Status, Quantity: s.Quantity,
		CurrentPeriodEnd: unixTime(s.CurrentPeriodEnd), Deleted: deleted,
	}
	if len(s.Items.Data) > 0 {
		it := s.Items.Data[0]
		if it.Price != nil {
			d.PriceLookupKey = it.Price.LookupKey
		}
		if it.Quantity > 0 {
			d.Quantity = it.Quantity
		}
		if d.CurrentPeriodEnd.IsZero() {
			d.CurrentPeriodEnd = unixTime(it.CurrentPeriodEnd)
		}
	}
	return d, nil
}

func mapInvoice(p events.Provider, paid bool, in *object) (events.Detail, error) {
	if in.ID == "" {
		return nil, errors.New("invoice has no id")
	}
	sub, company := string(in.Subscription), in.Metadata[MetadataCompanyID]
	for _, sd := range []*subscriptionDetails{in.SubscriptionDetails, parentDetails(in)} {
		if sd == nil {
			continue
		}
		if sub == "" {
			sub = string(sd.Subscription)
		}
		if company == "" {
			company = sd.Metadata[MetadataCompanyID]
		}
	}
	if sub == "" {
		return nil, nil // not a subscription invoice
	}
	if !paid {
		return events.InvoicePaymentFailed{
			Provider: p, CompanyID: company, CustomerID: string(in.Customer),
			SubscriptionID: sub, InvoiceID: in.ID, AttemptCount: in.AttemptCount,
		}, nil
	}
	end := in.PeriodEnd
	for _, l := range in.Lines.Data {
		end = max(end, l.Period.End)
	}
	return events.InvoicePaid{
		Provider: p, CompanyID: company, CustomerID: string(in.Customer),
		SubscriptionID: sub, InvoiceID: in.ID, PeriodEnd: unixTime(end),
	}, nil
}

func parentDetails(in *object) *subscriptionDetails {
	if in.Parent == nil {
		return nil
	}
	return in.Parent.SubscriptionDetails
}
