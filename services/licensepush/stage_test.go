package licensepush

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/eventstest"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/events/license/licensetest"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
	"github.com/licenseflow/licenseflow/internal/testlog"
	"github.com/licenseflow/licenseflow/services/appserver"
	"github.com/licenseflow/licenseflow/services/stage"
)

var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// app is a real demo app server on 127.0.0.1 counting the PUTs it gets.
type app struct {
	srv  *httptest.Server
	as   *appserver.Server
	puts atomic.Int64
	// fail, when set, answers every request with this status instead.
	fail atomic.Int64
}

// appServer is a demo app server verifying with pub, on the tests' clock.
func appServer(t *testing.T, pub ed25519.PublicKey) *appserver.Server {
	t.Helper()
	as, err := appserver.New(appserver.Config{PublicKey: pub, Now: func() time.Time { return testNow }, Logger: testlog.Quiet()})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func newApp(t *testing.T, pub ed25519.PublicKey) *app {
	t.Helper()
	as := appServer(t, pub)
	a := &app{as: as}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			a.puts.Add(1)
		}
		if code := a.fail.Load(); code != 0 {
			http.Error(w, "failing on purpose", int(code))
			return
		}
		as.ServeHTTP(w, r)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *app) addr() string { return strings.TrimPrefix(a.srv.URL, "http://") }

func (a *app) serial(company string) int64 {
	lic, _, ok := a.as.Holder().Current(company)
	if !ok {
		return 0
	}
	return lic.Serial
}

type fixture struct {
	t     *testing.T
	pub   ed25519.PublicKey
	priv  ed25519.PrivateKey
	stage *Stage
	// announced records the License Delivered events.
	announced *eventstest.Recorder
	dns       *dnsServer
	mu        sync.Mutex
	dialed    []string
}

// eachFixture runs fn on each store backend (storetest.Each) with a fresh
// fixture.
func eachFixture(t *testing.T, fn func(t *testing.T, f *fixture)) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) { fn(t, newFixture(t, db)) })
}

func newFixture(t *testing.T, db *sqlstore.DB) *fixture {
	t.Helper()
	pub, priv := licensetest.Keys(t)
	f := &fixture{t: t, pub: pub, priv: priv, dns: newDNSServer(t), announced: &eventstest.Recorder{}}
	var err error
	f.stage, err = New(context.Background(), Config{
		Deps:         stage.Deps{DB: db, Publisher: f.announced, Now: func() time.Time { return testNow }, Logger: testlog.Quiet()},
		PublicKey:    pub,
		AllowedCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		HTTPClient:   &http.Client{Timeout: 20 * time.Second},
		Resolver:     f.dns.resolver(),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.stage.deliver.dialed = func(addr string) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.dialed = append(f.dialed, addr)
	}
	return f
}

func (f *fixture) dials() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.dialed...)
}

func (f *fixture) sign(company string, serial int64, key ed25519.PrivateKey) string {
	f.t.Helper()
	file, err := license.Sign(key, license.License{CompanyID: company, Plan: "pro", Status: license.StatusActive,
		Seats: 5, Serial: serial, IssuedAt: testNow, ExpiresAt: testNow.Add(30 * 24 * time.Hour)})
	if err != nil {
		f.t.Fatal(err)
	}
	return string(file)
}

func envelope(t *testing.T, d events.Detail) events.Envelope {
	return eventstest.Envelope(t, fmt.Sprintf("ev-%d", time.Now().UnixNano()), testNow, d)
}

func (f *fixture) issued(company string, serial int64) error {
	return f.issuedFile(company, serial, f.sign(company, serial, f.priv))
}

func (f *fixture) issuedFile(company string, serial int64, file string) error {
	return f.stage.Handle(context.Background(), envelope(f.t, events.LicenseIssued{CompanyID: company, Serial: serial,
		Plan: "pro", Status: "active", ExpiresAt: testNow.Add(time.Hour), License: file}))
}

func (f *fixture) session(company, server string) error {
	return f.stage.Handle(context.Background(), envelope(f.t, events.SessionStarted{SessionID: "ses_" + server,
		CompanyID: company, UserID: "usr_1", AppServer: server, StartedAt: testNow}))
}

func TestDeliveryFlow(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		a, b := newApp(t, f.pub), newApp(t, f.pub)
		ctx := context.Background()

		// A session before any license: recorded, nothing to deliver.
		if err := f.session("co_acme", a.addr()); err != nil {
			t.Fatal(err)
		}
		if a.puts.Load() != 0 {
			t.Fatal("delivered without a license")
		}
		// A license reaches the server with sessions of the company.
		if err := f.issued("co_acme", 1); err != nil {
			t.Fatal(err)
		}
		if a.serial("co_acme") != 1 || a.puts.Load() != 1 {
			t.Fatalf("server holds serial %d after %d puts", a.serial("co_acme"), a.puts.Load())
		}
		// Out of order: 3 then 2. The server keeps 3 and gets nothing more.
		if err := f.issued("co_acme", 3); err != nil {
			t.Fatal(err)
		}
		if err := f.issued("co_acme", 2); err != nil {
			t.Fatal(err)
		}
		if a.serial("co_acme") != 3 || a.puts.Load() != 2 {
			t.Fatalf("server holds serial %d after %d puts, want 3 after 2", a.serial("co_acme"), a.puts.Load())
		}
		if got, _ := f.stage.Latest(ctx, "co_acme"); got != 3 {
			t.Fatalf("latest stored serial %d", got)
		}
		// Redelivered events and sessions deliver nothing twice.
		for range 2 {
			if err := f.issued("co_acme", 3); err != nil {
				t.Fatal(err)
			}
			if err := f.session("co_acme", a.addr()); err != nil {
				t.Fatal(err)
			}
		}
		if a.puts.Load() != 2 {
			t.Fatalf("%d puts after redeliveries, want 2", a.puts.Load())
		}
		// Every time a server is known to hold the latest license, it is
		// announced, with the serial the server holds.
		var held []int64
		for _, d := range f.announced.Take() {
			ld := d.(events.LicenseDelivered)
			if ld.CompanyID != "co_acme" || ld.AppServer != a.addr() || !ld.DeliveredAt.Equal(testNow) {
				t.Fatalf("announced %+v", ld)
			}
			held = append(held, ld.Serial)
		}
		if want := []int64{1, 3, 3, 3, 3, 3, 3}; !slices.Equal(held, want) {
			t.Fatalf("announced serials %v, want %v", held, want)
		}
		// An announcement the bus refuses is retried: the redelivery finds
		// the license delivered and announces it again.
		f.announced.SetFail(errors.New("bus down"))
		if err := f.session("co_acme", a.addr()); err == nil || events.IsPermanent(err) {
			t.Fatalf("failed announcement: %v, want retryable", err)
		}
		f.announced.SetFail(nil)
		if err := f.session("co_acme", a.addr()); err != nil || len(f.announced.Take()) != 1 || a.puts.Load() != 2 {
			t.Fatalf("after the bus came back: %v, %d puts", err, a.puts.Load())
		}
		// Replayed events (replay-name set) deliver and announce nothing
		// that is delivered already.
		for _, d := range []events.Detail{
			events.LicenseIssued{CompanyID: "co_acme", Serial: 3, Plan: "pro", Status: "active", ExpiresAt: testNow.Add(time.Hour), License: f.sign("co_acme", 3, f.priv)},
			events.SessionStarted{SessionID: "ses_1", CompanyID: "co_acme", UserID: "usr_1", AppServer: a.addr(), StartedAt: testNow},
		} {
			e := envelope(t, d)
			e.ReplayName = "fix-1"
			if err := f.stage.Handle(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(f.announced.Take()); n != 0 || a.puts.Load() != 2 {
			t.Fatalf("replayed events: %d announcements, %d puts; want none more", n, a.puts.Load())
		}
		// A session on a second server brings it the latest license at once.
		if err := f.session("co_acme", b.addr()); err != nil {
			t.Fatal(err)
		}
		if b.serial("co_acme") != 3 || b.puts.Load() != 1 {
			t.Fatalf("second server holds %d after %d puts", b.serial("co_acme"), b.puts.Load())
		}
		// A license of another company goes nowhere: no server has its sessions.
		if err := f.issued("co_globex", 1); err != nil {
			t.Fatal(err)
		}
		if a.serial("co_globex") != 0 || b.serial("co_globex") != 0 {
			t.Fatal("license delivered to a server without sessions of the company")
		}
		servers, _ := f.stage.Servers(ctx, "co_acme")
		if len(servers) != 2 {
			t.Fatalf("servers %v", servers)
		}
		for _, d := range f.dials() {
			if !strings.HasPrefix(d, "127.0.0.1:") {
				t.Fatalf("dialled %s", d)
			}
		}
	})
}

func TestServerDownThenBack(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		if err := f.issued("co_acme", 1); err != nil {
			t.Fatal(err)
		}
		// A port nothing listens on: connection refused, retryable.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		err = f.session("co_acme", addr)
		if err == nil || events.IsPermanent(err) {
			t.Fatalf("delivery to a closed port: %v, want a retryable error", err)
		}
		// The server comes back on that port; the redelivered event succeeds.
		pubApp := appServer(t, f.pub)
		ln, err = net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("port %s taken meanwhile: %v", addr, err)
		}
		srv := &http.Server{Handler: pubApp, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		if err := f.session("co_acme", addr); err != nil {
			t.Fatalf("after the server came back: %v", err)
		}
		if lic, _, ok := pubApp.Holder().Current("co_acme"); !ok || lic.Serial != 1 {
			t.Fatal("license not on the server that came back")
		}

		// A server answering 503 is retried too, and then served.
		a := newApp(t, f.pub)
		a.fail.Store(http.StatusServiceUnavailable)
		if err := f.session("co_acme", a.addr()); err == nil || events.IsPermanent(err) {
			t.Fatalf("503: %v", err)
		}
		if err := f.issued("co_acme", 2); err == nil || events.IsPermanent(err) {
			t.Fatalf("new license while one server fails: %v, want retryable", err)
		}
		if pubLic, _, _ := pubApp.Holder().Current("co_acme"); pubLic.Serial != 2 {
			t.Fatal("the healthy server did not get serial 2 while another failed")
		}
		a.fail.Store(0)
		if err := f.issued("co_acme", 2); err != nil {
			t.Fatalf("redelivery after recovery: %v", err)
		}
		if a.serial("co_acme") != 2 {
			t.Fatalf("recovered server holds %d", a.serial("co_acme"))
		}
	})
}

func TestRefusedTargets(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		a := newApp(t, f.pub)
		if err := f.issued("co_acme", 1); err != nil {
			t.Fatal(err)
		}
		f.dns.set("evil.internal", []netip.Addr{netip.MustParseAddr("10.0.0.1")})
		f.dns.set("half.internal", []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("10.0.0.1")})
		_, port, _ := net.SplitHostPort(a.addr())
		// Rebinding: the first lookup (when the session is recorded) answers
		// loopback, the next (at delivery) 10.0.0.1.
		f.dns.set("rebind.internal", []netip.Addr{netip.MustParseAddr("127.0.0.1")}, []netip.Addr{netip.MustParseAddr("10.0.0.1")})

		for _, target := range []string{"10.0.0.1:" + port, "evil.internal:" + port, "half.internal:" + port,
			"169.254.169.254:80", "[::1]:" + port, "0.0.0.0:" + port, "not-a-host-port"} {
			err := f.session("co_acme", target)
			if !events.IsPermanent(err) || !errors.Is(err, ErrTargetNotAllowed) {
				t.Fatalf("%s: %v, want permanent ErrTargetNotAllowed", target, err)
			}
		}
		err := f.session("co_acme", "rebind.internal:"+port)
		if !events.IsPermanent(err) || !errors.Is(err, ErrTargetNotAllowed) {
			t.Fatalf("rebinding name: %v", err)
		}
		for _, d := range f.dials() {
			if !strings.HasPrefix(d, "127.0.0.1:") {
				t.Fatalf("dialled %s", d)
			}
		}
		if a.puts.Load() != 0 {
			t.Fatal("the loopback server behind a refused name got a PUT")
		}
		// Refused targets are not remembered for later licenses.
		if servers, _ := f.stage.Servers(context.Background(), "co_acme"); len(servers) != 1 || servers[0] != "rebind.internal:"+port {
			t.Fatalf("servers %v", servers)
		}
	})
}

func TestBadLicensesArePermanent(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		a := newApp(t, f.pub)
		if err := f.session("co_acme", a.addr()); err != nil {
			t.Fatal(err)
		}
		_, otherKey, _ := license.GenerateKey()
		good := f.sign("co_acme", 5, f.priv)
		for _, tc := range []struct {
			name   string
			serial int64
			file   string
		}{
			{"signed by another key", 5, f.sign("co_acme", 5, otherKey)},
			{"tampered", 5, strings.Replace(good, "\n", "\nA", 1)},
			{"not a license", 5, "hello"},
			{"event serial differs", 6, good},
			{"another company's file", 5, f.sign("co_globex", 5, f.priv)},
		} {
			err := f.issuedFile("co_acme", tc.serial, tc.file)
			if !events.IsPermanent(err) {
				t.Fatalf("%s: %v, want permanent", tc.name, err)
			}
		}
		if got, _ := f.stage.Latest(context.Background(), "co_acme"); got != 0 || a.puts.Load() != 0 {
			t.Fatalf("bad licenses stored (latest %d) or delivered (%d puts)", got, a.puts.Load())
		}
		if err := f.session("..", a.addr()); !events.IsPermanent(err) {
			t.Fatalf("company id '..': %v", err)
		}
		if err := f.session("co_acme", ""); !events.IsPermanent(err) {
			t.Fatalf("empty app server: %v", err)
		}
		if err := f.stage.Handle(context.Background(), events.Envelope{ID: "x", DetailType: events.TypeLicenseIssued, Detail: []byte(`{`)}); !events.IsPermanent(err) {
			t.Fatalf("malformed detail: %v", err)
		}
		if err := f.stage.Handle(context.Background(), events.Envelope{ID: "y", DetailType: events.TypeInvoicePaid, Detail: []byte(`{}`)}); !events.IsPermanent(err) {
			t.Fatalf("foreign detail type: %v", err)
		}
	})
}

func TestExpiredNewerLicenseIsDelivered(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		a := newApp(t, f.pub)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(f.session("co_acme", a.addr()))
		must(f.issued("co_acme", 1))
		// The subscription was canceled: its last license is already expired,
		// yet authentic, and must replace the active one.
		file, err := license.Sign(f.priv, license.License{CompanyID: "co_acme", Plan: "pro", Status: license.StatusCanceled,
			Serial: 2, IssuedAt: testNow.Add(-time.Hour), ExpiresAt: testNow.Add(-time.Minute)})
		must(err)
		must(f.issuedFile("co_acme", 2, string(file)))
		if a.serial("co_acme") != 2 || a.as.Holder().Licensed("co_acme") {
			t.Fatalf("server holds serial %d, licensed %v", a.serial("co_acme"), a.as.Holder().Licensed("co_acme"))
		}
	})
}

// TestExpiredLicenseEndingNothingIsDone: a server refuses an expired
// license when it holds none of that company (409): the delivery is done,
// not a dead letter, and the server holds nothing.
func TestExpiredLicenseEndingNothingIsDone(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		a := newApp(t, f.pub)
		if err := f.session("co_acme", a.addr()); err != nil {
			t.Fatal(err)
		}
		file, err := license.Sign(f.priv, license.License{CompanyID: "co_acme", Plan: "pro", Status: license.StatusPastDue,
			Serial: 1, IssuedAt: testNow.Add(-time.Hour), ExpiresAt: testNow.Add(-time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.issuedFile("co_acme", 1, string(file)); err != nil {
			t.Fatalf("delivering an expired license that ends nothing: %v", err)
		}
		if a.puts.Load() != 1 || a.serial("co_acme") != 0 {
			t.Fatalf("%d puts, server holds serial %d; want 1 put, nothing held", a.puts.Load(), a.serial("co_acme"))
		}
	})
}

func TestNoRedirects(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		target := newApp(t, f.pub)
		redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.srv.URL+r.URL.Path, http.StatusTemporaryRedirect)
		}))
		t.Cleanup(redirector.Close)
		if err := f.issued("co_acme", 1); err != nil {
			t.Fatal(err)
		}
		err := f.session("co_acme", strings.TrimPrefix(redirector.URL, "http://"))
		if !events.IsPermanent(err) || !errors.Is(err, ErrRefused) {
			t.Fatalf("redirect: %v, want permanent ErrRefused", err)
		}
		if target.puts.Load() != 0 {
			t.Fatal("redirect was followed")
		}
	})
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	_, err := New(context.Background(), Config{AllowedCIDRs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}})
	for _, want := range []string{"db is required", "public key", "allows every address"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("config error %v lacks %q", err, want)
		}
	}
}

// TestConcurrentLicensesNeverDowngrade: licenses arriving concurrently and
// in any order end with the newest on the server, and the stage never even
// attempts to send a server an older serial than it already sent it.
func TestConcurrentLicensesNeverDowngrade(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		as := appServer(t, f.pub)
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
