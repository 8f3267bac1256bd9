package webhook_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/eventstest"
	"github.com/licenseflow/licenseflow/internal/httpapi/httpapitest"
	"github.com/licenseflow/licenseflow/services/webhook"
)

func apiEvent(t *testing.T, name string) awsevents.APIGatewayV2HTTPRequest {
	return httpapitest.Request(t, filepath.Join("testdata", name))
}

func TestLambda(t *testing.T) {
	t.Parallel()
	plain := apiEvent(t, "apigw_v2_webhook.json")
	encoded := apiEvent(t, "apigw_v2_webhook_base64.json")
	if !encoded.IsBase64Encoded {
		t.Fatal("fixture should be base64-encoded")
	}
	badSig := plain
	badSig.Headers = map[string]string{"stripe-signature": strings.Replace(plain.Headers["stripe-signature"], "v1=", "v1=00", 1)}
	badB64 := encoded
	badB64.Body = "%%%not base64"
	get := plain
	get.RequestContext.HTTP.Method = "GET"
	tooBig := encoded
	tooBig.Body = base64.StdEncoding.EncodeToString(make([]byte, 1<<20+1))
	mixedCase := plain
	mixedCase.Headers = map[string]string{"Stripe-Signature": plain.Headers["stripe-signature"]}

	tests := []struct {
		name      string
		req       awsevents.APIGatewayV2HTTPRequest
		status    int
		published int
	}{
		{"plain body", plain, 200, 1},
		{"base64 body", encoded, 200, 1},
		{"header in original case", mixedCase, 200, 1},
		{"bad signature", badSig, 401, 0},
		{"bad base64", badB64, 400, 0},
		{"GET", get, 405, 0},
		{"oversized", tooBig, 413, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &eventstest.Recorder{}
			h, err := webhook.New(webhook.Config{Secrets: []string{secret}, Publisher: rec, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := h.Lambda(context.Background(), tt.req)
			if err != nil {
				t.Fatalf("Lambda returned error %v; API Gateway would answer 500", err)
			}
			if resp.StatusCode != tt.status || resp.Headers["Content-Type"] != "application/json" || !json.Valid([]byte(resp.Body)) {
				t.Fatalf("response %+v, want status %d with a JSON body", resp, tt.status)
			}
			got := rec.Details()
			if len(got) != tt.published {
				t.Fatalf("published %d details, want %d", len(got), tt.published)
			}
			if len(got) == 1 {
				if c, ok := got[0].(events.CheckoutCompleted); !ok || c.CompanyID != "cmp_0001" {
					t.Errorf("published %#v", got[0])
				}
			}
		})
	}
	// Publishing failure: 503, and still no Lambda error (API Gateway must
	// relay 503, not turn it into its own 500).
	rec := &eventstest.Recorder{}
	rec.SetFail(errBusDown)
	h, _ := webhook.New(webhook.Config{Secrets: []string{secret}, Publisher: rec, Now: func() time.Time { return now }})
	resp, err := h.Lambda(context.Background(), plain)
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("publish failure: status %d err %v, want 503 nil", resp.StatusCode, err)
	}
}
