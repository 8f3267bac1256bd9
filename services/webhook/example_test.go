package webhook_test

import (
	"fmt"
	"time"

	"github.com/licenseflow/licenseflow/services/webhook"
)

// Sign produces the header a payment provider would send, e.g. for curl:
//
//	curl -H "Stripe-Signature: $SIG" --data-binary @event.json http://127.0.0.1:8080/v1/webhooks/payments
func ExampleSign() {
	payload := []byte(`{}`)
	fmt.Println(webhook.Sign("whsec_test", payload, time.Unix(1772366400, 0)))
	// Output:
	// t=1772366400,v1=474c6a8bd0b217b707fb6f0a0ce04beb43fe1e1835a329b06c8f3113a6875edc
}
