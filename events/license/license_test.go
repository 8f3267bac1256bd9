package license_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
)

var (
	issued  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	expires = issued.Add(30 * 24 * time.Hour)
)

func testKey(t testing.TB, seed byte) ed25519.PrivateKey {
	t.Helper()
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func sample() license.License {
	return license.License{
		Issuer: "licenseflow.payment", CompanyID: "cmp_123", SubscriptionID: "sub_1",
		Plan: "team", Status: license.StatusActive, Seats: 25,
		Features: []string{"sso", "audit-log"}, Serial: 3,
		IssuedAt: issued, ExpiresAt: expires,
	}
}

func mustSign(t testing.TB, key ed25519.PrivateKey, l license.License) []byte {
	t.Helper()
	f, err := license.Sign(key, l)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return f
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	key := testKey(t, 1)
	pub := key.Public().(ed25519.PublicKey)
	in := sample()
	file := mustSign(t, key, in)

	if !bytes.HasPrefix(file, []byte("-----BEGIN LICENSEFLOW LICENSE FILE-----\n")) ||
		!bytes.HasSuffix(file, []byte("-----END LICENSEFLOW LICENSE FILE-----\n")) {
		t.Fatalf("not armoured:\n%s", file)
	}
	got, err := license.VerifyAt(pub, file, issued.Add(time.Hour))
	if err != nil {
		t.Fatalf("VerifyAt: %v", err)
	}
	if got.ID == "" || got.KeyID != license.KeyID(pub) {
		t.Errorf("ID %q KeyID %q, want set and %q", got.ID, got.KeyID, license.KeyID(pub))
	}
	got.ID, got.KeyID = "", ""
	if got.CompanyID != in.CompanyID || got.Plan != in.Plan || got.Seats != in.Seats ||
		got.Serial != in.Serial || !got.IssuedAt.Equal(in.IssuedAt) || !got.ExpiresAt.Equal(in.ExpiresAt) ||
		strings.Join(got.Features, ",") != "sso,audit-log" || got.Status != in.Status || got.SubscriptionID != "sub_1" {
		t.Errorf("round trip changed the license:\n got %+v\nwant %+v", got, in)
	}
	parsed, err := license.Parse(file)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if parsed.Serial != 3 || parsed.CompanyID != "cmp_123" {
		t.Errorf("Parse = %+v", parsed)
	}
	// Verify with the real clock: the sample expires in 2026-03-31, so use
	// a license that expires far ahead.
	far := sample()
	far.ExpiresAt = time.Now().Add(24 * time.Hour)
	if _, err := license.Verify(pub, mustSign(t, key, far)); err != nil {
		t.Errorf("Verify of unexpired license: %v", err)
	}
}

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	key := testKey(t, 1)
	pub := key.Public().(ed25519.PublicKey)
	other := testKey(t, 2).Public().(ed25519.PublicKey)
	file := mustSign(t, key, sample())
	crlf := bytes.ReplaceAll(file, []byte("\n"), []byte("\r\n"))
	noFinalNewline := bytes.TrimSuffix(file, []byte("\n"))

	tests := []struct {
		name string
		pub  ed25519.PublicKey
		file []byte
		now  time.Time
		want error
	}{
		{"valid", pub, file, issued, nil},
		{"valid CRLF", pub, crlf, issued, nil},
		{"valid without final newline", pub, noFinalNewline, issued, nil},
		{"wrong key", other, file, issued, license.ErrSignature},
		{"short key", pub[:10], file, issued, license.ErrSignature},
		{"expired at ExpiresAt", pub, file, expires, license.ErrExpired},
		{"expired later", pub, file, expires.Add(time.Hour), license.ErrExpired},
		{"empty", pub, nil, issued, license.ErrMalformed},
		{"not armoured", pub, []byte("hello"), issued, license.ErrMalformed},
		{"missing end", pub, bytes.Split(file, []byte("-----END"))[0], issued, license.ErrMalformed},
		{"other armour", pub, bytes.ReplaceAll(file, []byte("LICENSEFLOW LICENSE FILE"), []byte("PGP MESSAGE")), issued, license.ErrMalformed},
		{"leading text", pub, append([]byte("x\n"), file...), issued, license.ErrMalformed},
		{"trailing text", pub, append(bytes.Clone(file), "x"...), issued, license.ErrMalformed},
		{"empty body", pub, []byte("-----BEGIN LICENSEFLOW LICENSE FILE-----\n-----END LICENSEFLOW LICENSE FILE-----\n"), issued, license.ErrMalformed},
		{"bad base64", pub, []byte("-----BEGIN LICENSEFLOW LICENSE FILE-----\n!!!!\n-----END LICENSEFLOW LICENSE FILE-----\n"), issued, license.ErrMalformed},
		{"base64 of non-JSON", pub, []byte("-----BEGIN LICENSEFLOW LICENSE FILE-----\naGVsbG8=\n-----END LICENSEFLOW LICENSE FILE-----\n"), issued, license.ErrMalformed},
		{"huge", pub, bytes.Repeat([]byte("A"), 70<<10), issued, license.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := license.VerifyAt(tt.pub, tt.file, tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("VerifyAt error = %v, want %v", err, tt.want)
			}
			if tt.want == license.ErrExpired && got.Serial != 3 {
				t.Errorf("expired license not returned: %+v", got)
			}
			if tt.want == license.ErrSignature && got.CompanyID != "" {
				t.Errorf("unverified license returned: %+v", got)
			}
		})
	}
}

// TestEveryByteFlipFails changes each byte of a license file in several
// ways; not one variant may verify.
func TestEveryByteFlipFails(t *testing.T) {
	t.Parallel()
	key := testKey(t, 1)
	pub := key.Public().(ed25519.PublicKey)
	file := mustSign(t, key, sample())
	for i := range file {
		for _, mask := range []byte{0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80} {
			mut := bytes.Clone(file)
			mut[i] ^= mask
			if _, err := license.VerifyAt(pub, mut, issued); err == nil {
				t.Fatalf("flipping byte %d (%q) with %#x still verifies", i, file[i], mask)
			}
		}
	}
}

// TestForgedPayloadFails re-signs nothing: it swaps in a payload from
// another license but keeps the first signature.
func TestForgedPayloadFails(t *testing.T) {
	t.Parallel()
	key := testKey(t, 1)
	pub := key.Public().(ed25519.PublicKey)
	a := sample()
	b := sample()
	b.Seats = 1000
	fa, fb := mustSign(t, key, a), mustSign(t, key, b)
	// Same length and structure; splice the first half of b into a.
	mixed := append(bytes.Clone(fb[:len(fb)/2]), fa[len(fa)/2:]...)
	if _, err := license.VerifyAt(pub, mixed, issued); err == nil {
		t.Fatal("spliced license verifies")
	}
	// Signed by another key but claiming ours: wrong key id or signature.
	forged := mustSign(t, testKey(t, 9), b)
	if _, err := license.VerifyAt(pub, forged, issued); !errors.Is(err, license.ErrSignature) {
		t.Fatalf("license of another key: err = %v, want ErrSignature", err)
	}
}

func TestSignRejectsIncompleteLicense(t *testing.T) {
	t.Parallel()
	key := testKey(t, 1)
	tests := []struct {
		name   string
		mutate func(*license.License)
		want   string
	}{
		{"no company", func(l *license.License) { l.CompanyID = "" }, "company_id"},
		{"no plan", func(l *license.License) { l.Plan = "" }, "plan"},
		{"bad status", func(l *license.License) { l.Status = "gold" }, "status"},
		{"no expiry", func(l *license.License) { l.ExpiresAt = time.Time{} }, "expires_at"},
		{"serial zero", func(l *license.License) { l.Serial = 0 }, "serial"},
		{"negative seats", func(l *license.License) { l.Seats = -1 }, "seats"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := sample()
			tt.mutate(&l)
			_, err := license.Sign(key, l)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Sign error = %v, want mention of %q", err, tt.want)
			}
		})
	}
	if _, err := license.Sign(key[:5], sample()); err == nil {
		t.Fatal("Sign with a short key succeeded")
	}
}

func TestLicensed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status string
		now    time.Time
		want   bool
	}{
		{license.StatusActive, issued, true},
		{license.StatusTrialing, issued, true},
		{license.StatusPastDue, issued, true},
		{license.StatusCanceled, issued, false},
		{license.StatusActive, expires, false},
	}
	for _, tt := range tests {
		l := sample()
		l.Status = tt.status
		if got := l.Licensed(tt.now); got != tt.want {
			t.Errorf("Licensed(%s at %s) = %v, want %v", tt.status, tt.now, got, tt.want)
		}
	}
	l := sample()
	if !l.HasFeature("sso") || l.HasFeature("nope") {
		t.Error("HasFeature wrong")
	}
	older := sample()
	older.Serial = 2
	if !l.Newer(older) || older.Newer(l) {
		t.Error("Newer wrong")
	}
}
