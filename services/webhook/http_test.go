package webhook_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/eventstest"
	"github.com/licenseflow/licenseflow/events/stripeevent"
	"github.com/licenseflow/licenseflow/services/webhook"
)

const secret = "whsec_test_current"

func TestWebhookHTTP(t *testing.T) {
	t.Parallel()
	checkout := fixture(t, "checkout_session_completed.json")
	ignored := fixture(t, "customer_created.json")
	signed := func(b []byte) string { return webhook.Sign(secret, b, now) }
	wantCheckout, err := stripeevent.Map(checkout)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		body      []byte
		sig       string
		status    int
		errCode   string
		published []events.Detail
	}{
		{"checkout published", checkout, signed(checkout), 200, "", wantCheckout.Details},
		{"ignored type", ignored, signed(ignored), 200, "", nil},
		{"no signature", checkout, "", 401, "bad_signature", nil},
		{"wrong secret", checkout, webhook.Sign("whsec_other", checkout, now), 401, "bad_signature", nil},
		{"body changed after signing", bytes.Replace(checkout, []byte("cmp_0001"), []byte("cmp_9999"), 1), signed(checkout), 401, "bad_signature", nil},
		{"stale", checkout, webhook.Sign(secret, checkout, now.Add(-10*time.Minute)), 401, "stale_signature", nil},
		{"future beyond tolerance", checkout, webhook.Sign(secret, checkout, now.Add(10*time.Minute)), 401, "stale_signature", nil},
		{"malformed header", checkout, "garbage", 401, "bad_signature", nil},
		{"not JSON", []byte("hello"), signed([]byte("hello")), 400, "malformed_event", nil},
		{"empty body", nil, signed(nil), 400, "malformed_event", nil},
		{"checkout without company", []byte(strings.Replace(string(checkout), `"cmp_0001"`, `null`, 1)),
			signed([]byte(strings.Replace(string(checkout), `"cmp_0001"`, `null`, 1))), 400, "malformed_event", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &eventstest.Recorder{}
			srv := server(t, rec, secret)
			a := post(t, srv.URL+webhook.Path, tt.body, tt.sig)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d; body %v", a.status, tt.status, a.body)
			}
			if tt.errCode != "" {
				e, _ := a.body["error"].(map[string]any)
				if e["code"] != tt.errCode || e["message"] == "" {
					t.Errorf("error body %v, want code %q and a message", a.body, tt.errCode)
				}
			}
			if got := rec.Details(); !reflect.DeepEqual(got, tt.published) {
				t.Errorf("published %#v, want %#v", got, tt.published)
			}
		})
	}
}

func TestWebhookAnswers(t *testing.T) {
	t.Parallel()
	rec := &eventstest.Recorder{}
	srv := server(t, rec, secret)
	checkout := fixture(t, "checkout_session_completed.json")
	a := post(t, srv.URL+webhook.Path, checkout, webhook.Sign(secret, checkout, now))
	if a.body["received"] != true || a.body["event_id"] != "evt_1QxCheckout0001" ||
		fmt.Sprint(a.body["published"]) != "[Checkout Completed]" {
		t.Errorf("answer %v", a.body)
	}
	if rec.CorrelationIDs()[0] != "evt_1QxCheckout0001" {
		t.Errorf("correlation id %q, want the provider event id", rec.CorrelationIDs()[0])
	}
	ignored := fixture(t, "customer_created.json")
	a = post(t, srv.URL+webhook.Path, ignored, webhook.Sign(secret, ignored, now))
	if a.body["ignored"] != true {
		t.Errorf("ignored answer %v", a.body)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+webhook.Path, nil)
	if a := do(t, req); a.status != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d", a.status)
	}
}

// TestRotatedSecrets: during rotation both secrets are accepted; after it,
// only the new one.
func TestRotatedSecrets(t *testing.T) {
	t.Parallel()
	body := fixture(t, "invoice_paid.json")
	during := server(t, &eventstest.Recorder{}, "whsec_new", "whsec_old")
	after := server(t, &eventstest.Recorder{}, "whsec_new")
	for _, tc := range []struct {
		srv    string
		secret string
		want   int
	}{
		{during.URL, "whsec_old", 200}, {during.URL, "whsec_new", 200},
		{after.URL, "whsec_old", 401}, {after.URL, "whsec_new", 200},
	} {
		if a := post(t, tc.srv+webhook.Path, body, webhook.Sign(tc.secret, body, now)); a.status != tc.want {
			t.Errorf("signed with %s: status %d, want %d", tc.secret, a.status, tc.want)
		}
	}
	// Stripe signs with every active secret in one header.
	both := webhook.Sign("whsec_old", body, now) + "," + strings.Split(webhook.Sign("whsec_new", body, now), ",")[1]
	if a := post(t, after.URL+webhook.Path, body, both); a.status != 200 {
		t.Errorf("header with both signatures: status %d", a.status)
	}
}

// TestPublishFailure: while the bus refuses, the provider gets 503 and
// nothing is recorded; its retry after recovery publishes the event once.
func TestPublishFailure(t *testing.T) {
	t.Parallel()
	rec := &eventstest.Recorder{}
	srv := server(t, rec, secret)
	body := fixture(t, "checkout_session_completed.json")
	sig := webhook.Sign(secret, body, now)

	rec.SetFail(errBusDown)
	a := post(t, srv.URL+webhook.Path, body, sig)
	if a.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", a.status)
	}
	if e, _ := a.body["error"].(map[string]any); e["code"] != "publish_failed" || strings.Contains(fmt.Sprint(e), "unavailable") {
		t.Errorf("error body %v: want publish_failed without internal detail", a.body)
	}
	if n := len(rec.Details()); n != 0 {
		t.Fatalf("%d details recorded while the bus was down", n)
	}
	rec.SetFail(nil)
	if a := post(t, srv.URL+webhook.Path, body, sig); a.status != 200 {
		t.Fatalf("retry: status %d", a.status)
	}
	if n := len(rec.Details()); n != 1 {
		t.Fatalf("retry published %d details, want 1", n)
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	rec := &eventstest.Recorder{}
	srv := server(t, rec, secret)
	// Valid JSON just over 1 MiB, correctly signed: size decides, not content.
	big := []byte(`{"id":"evt_big","object":"event","type":"customer.created","created":1,"data":{"object":{"pad":"` +
		strings.Repeat("x", 1<<20) + `"}}}`)
	sig := webhook.Sign(secret, big, now)

	if a := post(t, srv.URL+webhook.Path, big, sig); a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("with Content-Length: status %d, want 413", a.status)
	}
	// Chunked: no Content-Length, the limit cuts the stream.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+webhook.Path, io.MultiReader(bytes.NewReader(big)))
	req.Header.Set(webhook.SignatureHeader, sig)
	if a := do(t, req); a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked: status %d, want 413", a.status)
	}
	// Exactly at the limit is accepted.
	exact := []byte(`{"id":"evt_ok","object":"event","type":"customer.created","created":1,"data":{"object":{"pad":"`)
	tail := []byte(`"}}}`)
	exact = append(exact, bytes.Repeat([]byte("x"), 1<<20-len(exact)-len(tail))...)
	exact = append(exact, tail...)
	if a := post(t, srv.URL+webhook.Path, exact, webhook.Sign(secret, exact, now)); a.status != 200 {
		t.Errorf("body of exactly 1 MiB: status %d, want 200", a.status)
	}
	if n := len(rec.Details()); n != 0 {
		t.Errorf("%d details published", n)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	_, err := webhook.New(webhook.Config{Secrets: []string{""}, Tolerance: -1})
	for _, want := range []string{"secret 0 is empty", "publisher is nil", "tolerance"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New error %v, want mention of %q", err, want)
		}
	}
}
