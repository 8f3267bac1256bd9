package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/services/webhook"
)

// recorder is an events.Publisher that validates every detail against its
// bus schema (as the real publisher does) and records what it accepted.
// While fail is set it refuses everything.
type recorder struct {
	v    *events.Validator
	mu   sync.Mutex
	fail error
	got  []events.Detail
	cids []string
}

func newRecorder(t testing.TB) *recorder {
	t.Helper()
	v, err := events.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	return &recorder{v: v}
}

func (r *recorder) Publish(ctx context.Context, ds ...events.Detail) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	for _, d := range ds {
		b, err := events.MarshalDetail(ctx, d)
		if err != nil {
			return err
		}
		if err := r.v.Validate(d.DetailType(), b); err != nil {
			return err
		}
	}
	r.got = append(r.got, ds...)
	r.cids = append(r.cids, events.CorrelationID(ctx))
	return nil
}

func (r *recorder) setFail(err error) {
	r.mu.Lock()
	r.fail = err
	r.mu.Unlock()
}

func (r *recorder) published() []events.Detail {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.Detail(nil), r.got...)
}

var errBusDown = errors.New("bus unavailable")

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
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
