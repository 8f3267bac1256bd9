package licensepush

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/services/appserver"
)

// TestConcurrentLicensesNeverDowngrade: licenses arriving concurrently and
// in any order end with the newest on the server, and the stage never even
// attempts to send a server an older serial than it already sent it.
func TestConcurrentLicensesNeverDowngrade(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		as, err := appserver.New(appserver.Config{PublicKey: f.pub, Now: func() time.Time { return testNow }, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var sent []int64
		var downgrades atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if lic, err := license.Parse(body); err == nil {
				mu.Lock()
				if len(sent) > 0 && lic.Serial <= sent[len(sent)-1] {
					downgrades.Add(1)
				}
				sent = append(sent, lic.Serial)
				mu.Unlock()
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			as.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		addr := srv.Listener.Addr().String()
		if err := f.session("co_acme", addr); err != nil {
			t.Fatal(err)
		}
		const n = 12
		files := make([]string, n+1)
		for s := int64(1); s <= n; s++ {
			files[s] = f.sign("co_acme", s, f.priv)
		}
		order := rand.Perm(n)
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, p := range order {
			serial := int64(p + 1)
			wg.Go(func() { errs[i] = f.issuedFile("co_acme", serial, files[serial]) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				// Contention may fail a handler; the subscriber would retry it.
				serial := int64(order[i] + 1)
				if err := f.issuedFile("co_acme", serial, files[serial]); err != nil {
					t.Fatalf("serial %d retried: %v", serial, err)
				}
			}
		}
		if lic, _, _ := as.Holder().Current("co_acme"); lic.Serial != n {
			t.Fatalf("server holds serial %d, want %d", lic.Serial, n)
		}
		if got, _ := f.stage.Delivered(context.Background(), addr, "co_acme"); got != n {
			t.Fatalf("recorded delivered serial %d", got)
		}
		if d := downgrades.Load(); d != 0 {
			t.Fatalf("%d deliveries of a serial not newer than the previous one: %v", d, sent)
		}
	})
}
