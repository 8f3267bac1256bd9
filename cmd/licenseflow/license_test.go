package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/events/license/licensetest"
)

// tamper is licensetest.Tamper, failing t on error.
func tamper(t *testing.T, file []byte, old, new string) []byte {
	t.Helper()
	out, err := licensetest.Tamper(file, old, new)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLicenseVerify(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	pub, priv, err := license.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, otherPriv, _ := license.GenerateKey()
	sign := func(k []byte, adjust func(*license.License)) []byte {
		l := license.License{CompanyID: "co_acme", Plan: "pro", Status: license.StatusActive, Seats: 10,
			Features: []string{"core", "sso"}, Serial: 4, IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(50 * time.Hour)}
		if adjust != nil {
			adjust(&l)
		}
		file, err := license.Sign(k, l)
		if err != nil {
			t.Fatal(err)
		}
		return file
	}
	good := sign(priv, nil)
	tests := []struct {
		name string
		file []byte
		out  []string
		err  string // "" means valid
	}{
		{"valid", good, []string{"company:        co_acme", "plan:           pro", "seats:          10", "features:       core, sso",
			"serial:         4", "expires:        2026-05-03T14:00:00Z (in 2d2h)", "signature:      verified with", "valid now:      yes"}, ""},
		{"tampered", tamper(t, good, `"seats":10`, `"seats":99`), []string{"seats:          99", "signature:      INVALID: the file was changed after it was signed", "valid now:      no"}, "signature does not verify"},
		{"another key", sign(otherPriv, nil), []string{"INVALID: signed by key"}, "signature does not verify"},
		{"expired", sign(priv, func(l *license.License) { l.ExpiresAt = now.Add(-26 * time.Hour) }), []string{"signature:      verified", "valid now:      no: expired 1d2h ago"}, "expired at 2026-04-30T10:00:00Z"},
		{"canceled", sign(priv, func(l *license.License) { l.Status = license.StatusCanceled }), []string{"valid now:      no: status canceled grants no use"}, "status is canceled"},
		{"past due, in its grace", sign(priv, func(l *license.License) { l.Status = license.StatusPastDue }), []string{"valid now:      yes"}, ""},
		{"malformed", []byte("not a license\n"), nil, "malformed license file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := verifyLicense(&out, "acme.lic", tt.file, pub, "key.pem", now)
			if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
			wantAll(t, "output", out.String(), tt.out...)
		})
	}
}

// TestLicenseVerifyCommand: the key comes from --public-key, else the data
// directory's license-public-key.pem; without either it says what to pass.
func TestLicenseVerifyCommand(t *testing.T) {
	t.Parallel()
	keys := &keyDir{dir: filepath.Join(t.TempDir(), "keys")}
	priv, err := keys.signingKey()
	if err != nil {
		t.Fatal(err)
	}
	file, err := license.Sign(priv, license.License{CompanyID: "co_acme", Plan: "pro", Status: license.StatusActive,
		Seats: 3, Serial: 1, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	lic := filepath.Join(t.TempDir(), "acme.lic")
	if err := os.WriteFile(lic, file, 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		return execute(newLicenseCmd(), append([]string{"verify"}, args...)...)
	}
	pubPath := filepath.Join(keys.dir, "license-public-key.pem")
	if out, err := run("--public-key", pubPath, lic); err != nil || !strings.Contains(out, "valid now:      yes") {
		t.Fatalf("--public-key: %v\n%s", err, out)
	}
	if out, err := run("--data", filepath.Dir(keys.dir), lic); err != nil || !strings.Contains(out, "verified with "+pubPath) {
		t.Fatalf("--data: %v\n%s", err, out)
	}
	empty := t.TempDir()
	if _, err := run("--data", empty, lic); err == nil || !strings.Contains(err.Error(), "--public-key") {
		t.Fatalf("no key: %v", err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Fatal("verify created files: it must never generate a key")
	}
}
