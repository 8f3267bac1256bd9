package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/services/webhook"
)

var errBusDown = errors.New("bus unavailable")

// fixture reads a Stripe event from the mapper's fixtures
// (events/stripeevent/testdata), the events this edge receives.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "stripeevent", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// server starts the handler on a loopback HTTP server, with the test clock.
func server(t testing.TB, pub events.Publisher, secrets ...string) *httptest.Server {
	t.Helper()
	h, err := webhook.New(webhook.Config{Secrets: secrets, Publisher: pub, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(webhook.Path, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

type answer struct {
	status int
	body   map[string]any
}

func post(t testing.TB, url string, body []byte, sig string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(webhook.SignatureHeader, sig)
	}
	return do(t, req)
}

func do(t testing.TB, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var a answer
	a.status = resp.StatusCode
	if err := json.NewDecoder(resp.Body).Decode(&a.body); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return a
}
