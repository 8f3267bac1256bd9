package stripeevent

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ref is an expandable Stripe field: an id string, null, or the expanded
// object with an "id".
type ref string

func (r *ref) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*r = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*r = ref(s)
		return nil
	case len(b) > 0 && b[0] == '{':
		var o struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*r = ref(o.ID)
		return nil
	}
	return fmt.Errorf("expandable field: want id string or object, got %.20s", b)
}

type price struct {
	ID        string `json:"id"`
	LookupKey string `json:"lookup_key"`
}

// object is data.object of a Stripe event, decoded once whatever its type:
// the union of the fields licenseflow reads from a Checkout Session, a
// subscription and an invoice, whose names and types do not clash.
type object struct {
	ID       string            `json:"id"`
	Customer ref               `json:"customer"`
	Metadata map[string]string `json:"metadata"`
	Status   string            `json:"status"`
	// Subscription: a Checkout Session's; an invoice's before API version
	// 2025-03-31.basil.
	Subscription ref `json:"subscription"`

	// Checkout Session.
	ClientReferenceID string `json:"client_reference_id"`
	Mode              string `json:"mode"`
	LineItems         *struct {
		Data []struct {
			Price    *price `json:"price"`
			Quantity int64  `json:"quantity"`
		} `json:"data"`
	} `json:"line_items"`

	// Subscription.
	Quantity int64 `json:"quantity"`
	// CurrentPeriodEnd sits on the subscription before API version
	// 2025-03-31.basil and on each item from then on.
	CurrentPeriodEnd int64 `json:"current_period_end"`
	Items            struct {
		Data []struct {
			Price            *price `json:"price"`
			Quantity         int64  `json:"quantity"`
			CurrentPeriodEnd int64  `json:"current_period_end"`
		} `json:"data"`
	} `json:"items"`

	// Invoice.
	AttemptCount int64 `json:"attempt_count"`
	PeriodEnd    int64 `json:"period_end"`
	// SubscriptionDetails: API versions before basil; Parent from then on.
	SubscriptionDetails *subscriptionDetails `json:"subscription_details"`
	Parent              *struct {
		SubscriptionDetails *subscriptionDetails `json:"subscription_details"`
	} `json:"parent"`
	Lines struct {
		Data []struct {
			Period struct {
				End int64 `json:"end"`
			} `json:"period"`
		} `json:"data"`
	} `json:"lines"`
}

type subscriptionDetails struct {
	Subscription ref               `json:"subscription"`
	Metadata     map[string]string `json:"metadata"`
}
