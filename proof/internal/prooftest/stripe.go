// Package prooftest holds what the proofs share: building binaries, the
// provider events a checkout produces, and clients for the edge and the app
// server's public HTTP interfaces.
package prooftest

import (
	"encoding/json"
	"fmt"
)

// Subscription names one provider subscription of a company.
type Subscription struct {
	CompanyID, CustomerID, SubscriptionID string
}

// NewSubscription returns the provider ids for company number n of a run.
func NewSubscription(run string, n int, companyID string) Subscription {
	return Subscription{CompanyID: companyID,
		CustomerID:     fmt.Sprintf("cus_%s_%d", run, n),
		SubscriptionID: fmt.Sprintf("sub_%s_%d", run, n)}
}

// Checkout is the checkout.session.completed event that starts s.
func (s Subscription) Checkout(eventID string, created int64) []byte {
	return mustJSON(map[string]any{
		"id": eventID, "object": "event", "api_version": "2025-10-29.clover", "created": created,
		"livemode": false, "type": "checkout.session.completed",
		"data": map[string]any{"object": map[string]any{
			"id": "cs_test_" + eventID, "object": "checkout.session", "mode": "subscription",
			"client_reference_id": s.CompanyID, "customer": s.CustomerID, "subscription": s.SubscriptionID,
			"payment_status": "paid", "status": "complete",
			"metadata": map[string]string{"company_id": s.CompanyID},
		}},
	})
}

// Update is a customer.subscription.created (first) or .updated event
// setting the subscription to quantity seats of lookupKey, status active.
func (s Subscription) Update(eventID string, created int64, first bool, lookupKey string, quantity int) []byte {
	typ := "customer.subscription.updated"
	if first {
		typ = "customer.subscription.created"
	}
	return mustJSON(map[string]any{
		"id": eventID, "object": "event", "api_version": "2025-10-29.clover", "created": created,
		"livemode": false, "type": typ,
		"data": map[string]any{"object": map[string]any{
			"id": s.SubscriptionID, "object": "subscription", "customer": s.CustomerID, "status": "active",
			"metadata": map[string]string{"company_id": s.CompanyID},
			"items": map[string]any{"object": "list", "data": []any{map[string]any{
				"id": "si_" + s.SubscriptionID, "object": "subscription_item", "quantity": quantity,
				"current_period_end": created + 30*24*3600,
				"price":              map[string]any{"id": "price_" + lookupKey, "object": "price", "lookup_key": lookupKey},
			}}},
		}},
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of plain values
	}
	return b
}
