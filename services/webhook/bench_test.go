package webhook_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/eventstest"
	"github.com/licenseflow/licenseflow/services/webhook"
)

// discard accepts every detail: the benchmark measures the edge, not a bus.
type discard struct{}

func (discard) Publish(context.Context, ...events.Detail) error { return nil }

// BenchmarkIngress compares webhook requests per second over loopback with
// a bare net/http handler that only reads the body (the baseline), same
// payload, same client, same run.
func BenchmarkIngress(b *testing.B) {
	body := fixture(b, "checkout_session_completed.json")
	sig := webhook.Sign(secret, body, now)
	wh, err := webhook.New(webhook.Config{Secrets: []string{secret, "whsec_old"}, Publisher: discard{}, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	validating, err := webhook.New(webhook.Config{Secrets: []string{secret}, Publisher: newRecorderNoKeep(b), Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"webhook", wh}, {"webhook+schema", validating}} {
		b.Run(c.name, func(b *testing.B) {
			srv := httptest.NewServer(c.h)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			defer client.CloseIdleConnections()
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
					req.Header.Set(webhook.SignatureHeader, sig)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

// recorderNoKeep validates like eventstest.Recorder but keeps nothing, so a
// long benchmark does not grow memory.
type recorderNoKeep struct{}

// newRecorderNoKeep compiles the schemas before anything is timed.
func newRecorderNoKeep(b *testing.B) recorderNoKeep {
	b.Helper()
	if err := eventstest.Check(context.Background()); err != nil {
		b.Fatal(err)
	}
	return recorderNoKeep{}
}

func (recorderNoKeep) Publish(ctx context.Context, ds ...events.Detail) error {
	return eventstest.Check(ctx, ds...)
}
