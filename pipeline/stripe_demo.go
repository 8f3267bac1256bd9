package pipeline

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// demoStripeEvents returns the provider events a real checkout produces for
// a company: the completed Checkout Session and the subscription to 10 of
// the price lookupKey it created.
func demoStripeEvents(companyID, lookupKey string, now time.Time) []map[string]any {
	id := func(prefix string) string {
		var b [8]byte
		_, _ = rand.Read(b[:])
		return prefix + hex.EncodeToString(b[:])
	}
	customer, subscription := id("cus_"), id("sub_")
	created := now.Unix()
	periodEnd := now.AddDate(0, 1, 0).Unix()
	return []map[string]any{
		{
			"id": id("evt_"), "object": "event", "api_version": "2025-10-29.clover", "created": created,
			"livemode": false, "type": "checkout.session.completed",
			"data": map[string]any{"object": map[string]any{
				"id": id("cs_test_"), "object": "checkout.session", "mode": "subscription",
				"client_reference_id": companyID, "customer": customer, "subscription": subscription,
				"payment_status": "paid", "status": "complete",
				"metadata": map[string]string{"company_id": companyID},
			}},
		},
		{
			"id": id("evt_"), "object": "event", "api_version": "2025-10-29.clover", "created": created + 1,
			"livemode": false, "type": "customer.subscription.created",
			"data": map[string]any{"object": map[string]any{
				"id": subscription, "object": "subscription", "customer": customer, "status": "active",
				"metadata": map[string]string{"company_id": companyID},
				"items": map[string]any{"object": "list", "data": []any{map[string]any{
					"id": id("si_"), "object": "subscription_item", "quantity": 10,
					"current_period_end": periodEnd,
					"price":              map[string]any{"id": id("price_"), "object": "price", "lookup_key": lookupKey},
				}}},
			}},
		},
	}
}
