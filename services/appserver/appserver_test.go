package appserver

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/events/license/licensetest"
	"github.com/licenseflow/licenseflow/internal/testlog"
)

var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

type keys struct {
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
}

func newKeys(t testing.TB) keys {
	t.Helper()
	pub, priv := licensetest.Keys(t)
	return keys{pub, priv}
}

// sign returns a license file for company with serial, valid for a month
// from testNow; adjust changes the license before signing.
func (k keys) sign(t testing.TB, company string, serial int64, adjust ...func(*license.License)) []byte {
	t.Helper()
	l := license.License{CompanyID: company, Plan: "pro", Status: license.StatusActive, Seats: 10,
		Features: []string{"sso"}, Serial: serial, IssuedAt: testNow, ExpiresAt: testNow.Add(30 * 24 * time.Hour)}
	for _, f := range adjust {
		f(&l)
	}
	file, err := license.Sign(k.priv, l)
	if err != nil {
		t.Fatal(err)
	}
	return file
}

func newServer(t *testing.T, k keys, adjust func(*Config)) (*Server, *httptest.Server) {
	t.Helper()
	cfg := Config{PublicKey: k.pub, Now: func() time.Time { return testNow }, Logger: testlog.Quiet()}
	if adjust != nil {
		adjust(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func do(t *testing.T, method, url string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

func TestPutAndGet(t *testing.T) {
	t.Parallel()
	k := newKeys(t)
	other := newKeys(t)
	s, srv := newServer(t, k, nil)
	url := srv.URL + "/v1/licenses/co_acme"

	if code, _, body := do(t, "GET", url, nil); code != 404 || !strings.Contains(string(body), "no_license") {
		t.Fatalf("GET before any PUT: %d %s", code, body)
	}
	v1 := k.sign(t, "co_acme", 1)
	v2 := k.sign(t, "co_acme", 2)
	v2again := k.sign(t, "co_acme", 2, func(l *license.License) { l.Seats = 99 })
	tampered := bytes.Replace(v1, []byte("\n"), []byte("\nAAAA"), 2)
	for _, step := range []struct {
		name   string
		url    string
		file   []byte
		status int
		want   string
	}{
		{"first", url, v1, 200, `"outcome":"installed"`},
		{"same file again", url, v1, 200, `"outcome":"unchanged"`},
		{"newer", url, v2, 200, `"serial":2`},
		{"older", url, v1, 409, "stale_license"},
		{"same serial other content", url, v2again, 409, "stale_license"},
		{"signed by another key", url, other.sign(t, "co_acme", 3), 422, "bad_signature"},
		{"another company's license", url, k.sign(t, "co_globex", 3), 422, "company_mismatch"},
		{"garbage", url, []byte("hello"), 400, "malformed_license"},
		{"tampered armour", url, tampered, 400, "malformed_license"},
		{"empty", url, nil, 400, "malformed_license"},
		{"oversized", url, bytes.Repeat([]byte("a"), 200<<10), 413, "body_too_large"},
	} {
		code, hdr, body := do(t, "PUT", step.url, step.file)
		if code != step.status || !strings.Contains(string(body), step.want) {
			t.Fatalf("%s: %d %s, want %d %s", step.name, code, body, step.status, step.want)
		}
		if code == 409 && hdr.Get("X-License-Serial") != "2" {
			t.Fatalf("%s: X-License-Serial %q", step.name, hdr.Get("X-License-Serial"))
		}
	}
	code, hdr, body := do(t, "GET", url, nil)
	if code != 200 || !bytes.Equal(body, v2) || hdr.Get("X-License-Serial") != "2" {
		t.Fatalf("GET: %d serial %q", code, hdr.Get("X-License-Serial"))
	}
	if lic, err := license.VerifyAt(k.pub, body, testNow); err != nil || lic.Serial != 2 {
		t.Fatalf("held file does not verify: %v", err)
	}
	if !s.Holder().Licensed("co_acme") || s.Holder().Licensed("co_globex") {
		t.Fatal("Licensed disagrees with what is held")
	}
}

func TestExpiredNewerLicenseSupersedes(t *testing.T) {
	t.Parallel()
	k := newKeys(t)
	h, err := NewHolder(HolderConfig{PublicKey: k.pub, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.Install(k.sign(t, "co_a", 1)); err != nil {
		t.Fatal(err)
	}
	canceled := k.sign(t, "co_a", 2, func(l *license.License) { l.Status = license.StatusCanceled; l.ExpiresAt = testNow.Add(-time.Hour) })
	if _, out, err := h.Install(canceled); err != nil || out != Installed {
		t.Fatalf("canceled, expired license refused: %v", err)
	}
	if h.Licensed("co_a") {
		t.Fatal("company still licensed after its canceled license arrived")
	}
}

// TestExpiredLicenseRefused: an expired license that ends no older one is
// refused, over HTTP too (409: nothing for the sender to retry); the
// holder then holds nothing for that company.
func TestExpiredLicenseRefused(t *testing.T) {
	t.Parallel()
	k := newKeys(t)
	s, srv := newServer(t, k, nil)
	expired := k.sign(t, "co_a", 3, func(l *license.License) { l.ExpiresAt = testNow })
	if _, _, err := s.Holder().Install(expired); !errors.Is(err, ErrExpired) || !errors.Is(err, license.ErrExpired) {
		t.Fatalf("expired license: %v, want ErrExpired", err)
	}
	code, _, body := do(t, "PUT", srv.URL+"/v1/licenses/co_a", expired)
	if code != http.StatusConflict || !strings.Contains(string(body), "expired_license") {
		t.Fatalf("PUT expired: %d %s", code, body)
	}
	if _, _, ok := s.Holder().Current("co_a"); ok {
		t.Fatal("an expired license was installed")
	}
}

// TestCheck: the time left on a license that grants use, and why one does
// not: none held, expired (how long ago), canceled.
func TestCheck(t *testing.T) {
	t.Parallel()
	k := newKeys(t)
	now := testNow
	h, err := NewHolder(HolderConfig{PublicKey: k.pub, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.Check("co_a"); !errors.Is(err, ErrNoLicense) {
		t.Fatalf("nothing held: %v", err)
	}
	if _, _, err := h.Install(k.sign(t, "co_a", 1, func(l *license.License) { l.ExpiresAt = testNow.Add(36 * time.Hour) })); err != nil {
		t.Fatal(err)
	}
	lic, left, err := h.Check("co_a")
	if err != nil || left != 36*time.Hour || lic.Serial != 1 {
		t.Fatalf("Check = serial %d, %s, %v; want 36h left", lic.Serial, left, err)
	}
	now = testNow.Add(40 * time.Hour) // the license lapsed meanwhile
	if _, left, err := h.Check("co_a"); !errors.Is(err, ErrExpired) || left != -4*time.Hour || h.Licensed("co_a") {
		t.Fatalf("after expiry: %s, %v", left, err)
	}
	if _, _, err := h.Install(k.sign(t, "co_a", 2, func(l *license.License) { l.Status = license.StatusCanceled; l.ExpiresAt = now.Add(time.Hour) })); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.Check("co_a"); !errors.Is(err, ErrNotLicensed) {
		t.Fatalf("canceled: %v", err)
	}
}

func TestAllowedSources(t *testing.T) {
	t.Parallel()
	k := newKeys(t)
	for _, tc := range []struct {
		prefix string
		status int
	}{
		{"10.0.0.0/8", 403},
		{"127.0.0.0/8", 200},
	} {
		_, srv := newServer(t, k, func(c *Config) { c.AllowedSources = []netip.Prefix{netip.MustParsePrefix(tc.prefix)} })
		if code, _, body := do(t, "PUT", srv.URL+"/v1/licenses/co_a", k.sign(t, "co_a", 1)); code != tc.status {
			t.Fatalf("allowed %s: %d %s", tc.prefix, code, body)
		}
		// GET stays open.
		if code, _, _ := do(t, "GET", srv.URL+"/healthz", nil); code != 200 {
			t.Fatalf("healthz: %d", code)
		}
	}
}

func TestPersistence(t *testing.T) {
	t.Parallel()
	k := newKeys(t)
	dir := t.TempDir()
	h, err := NewHolder(HolderConfig{PublicKey: k.pub, Dir: dir, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"co_a", "co_b"} {
		for serial := int64(1); serial <= 2; serial++ {
			if _, _, err := h.Install(k.sign(t, c, serial)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A forged file dropped into the directory is skipped at load.
	forged := newKeys(t).sign(t, "co_c", 9)
	if err := os.WriteFile(filepath.Join(dir, fileName("co_c")), forged, 0o600); err != nil {
		t.Fatal(err)
	}
	// A genuine file stored under another company's name is skipped too.
	if err := os.WriteFile(filepath.Join(dir, fileName("co_d")), k.sign(t, "co_a", 7), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := NewHolder(HolderConfig{PublicKey: k.pub, Dir: dir, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"co_a", "co_b"} {
		lic, _, ok := again.Current(c)
		if !ok || lic.Serial != 2 {
			t.Fatalf("%s after restart: %v serial %d", c, ok, lic.Serial)
		}
	}
	for _, c := range []string{"co_c", "co_d"} {
		if _, _, ok := again.Current(c); ok {
			t.Fatalf("%s loaded from a bad file", c)
		}
	}
	if _, _, err := again.Install(k.sign(t, "co_a", 1)); !errors.Is(err, ErrStale) {
		t.Fatalf("older serial after restart: %v", err)
	}
}

func TestConcurrentInstallsKeepNewest(t *testing.T) {
	t.Parallel()
	k := newKeys(t)
	h, err := NewHolder(HolderConfig{PublicKey: k.pub, Dir: t.TempDir(), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	files := make([][]byte, 30)
	for i := range files {
		files[i] = k.sign(t, "co_a", int64(len(files)-i)) // newest first
	}
	var wg sync.WaitGroup
	for _, f := range files {
		wg.Go(func() { h.Install(f) })
	}
	wg.Wait()
	if lic, _, _ := h.Current("co_a"); lic.Serial != int64(len(files)) {
		t.Fatalf("serial %d held, want %d", lic.Serial, len(files))
	}
}

func TestInstallErrors(t *testing.T) {
	t.Parallel()
	k := newKeys(t)
	h, _ := NewHolder(HolderConfig{PublicKey: k.pub, Now: fixedNow})
	if _, _, err := h.InstallFor("", k.sign(t, "co_a", 1)); !errors.Is(err, ErrCompanyMismatch) {
		t.Fatalf("empty company: %v", err)
	}
	if _, _, err := h.InstallFor("../etc", k.sign(t, "co_a", 1)); !errors.Is(err, ErrCompanyMismatch) {
		t.Fatalf("traversal name: %v", err)
	}
	if _, err := NewHolder(HolderConfig{}); err == nil {
		t.Fatal("holder without key")
	}
	if _, err := New(Config{AllowedSources: []netip.Prefix{{}}}); err == nil || !strings.Contains(err.Error(), "public key") || !strings.Contains(err.Error(), "prefix") {
		t.Fatalf("config errors not all reported: %v", err)
	}
}
