package license_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/licenseflow/licenseflow/events/license"
)

// FuzzParse: Parse never panics, and what it accepts re-signs and verifies.
func FuzzParse(f *testing.F) {
	key := testKey(f, 1)
	f.Add(mustSign(f, key, sample()))
	f.Add([]byte("-----BEGIN LICENSEFLOW LICENSE FILE-----\naGVsbG8=\n-----END LICENSEFLOW LICENSE FILE-----\n"))
	f.Fuzz(func(t *testing.T, file []byte) {
		l, err := license.Parse(file)
		if err != nil {
			if !errors.Is(err, license.ErrMalformed) {
				t.Fatalf("Parse error %v does not wrap ErrMalformed", err)
			}
			return
		}
		resigned, err := license.Sign(key, l)
		if err != nil {
			t.Fatalf("re-signing a parsed license: %v", err)
		}
		if _, err := license.VerifyAt(key.Public().(ed25519.PublicKey), resigned, l.IssuedAt); err != nil && !errors.Is(err, license.ErrExpired) {
			t.Fatalf("re-signed license does not verify: %v", err)
		}
	})
}

// FuzzVerify: only canonical files signed by the key verify; every error
// is typed.
func FuzzVerify(f *testing.F) {
	key := testKey(f, 1)
	pub := key.Public().(ed25519.PublicKey)
	genuine := mustSign(f, key, sample())
	f.Add(genuine)
	f.Add(bytes.ReplaceAll(genuine, []byte("\n"), []byte("\r\n")))
	f.Add(mustSign(f, testKey(f, 2), sample()))
	f.Fuzz(func(t *testing.T, file []byte) {
		l, err := license.VerifyAt(pub, file, issued)
		switch {
		case err == nil:
			// Ed25519 is deterministic: a verified file is exactly what
			// Sign writes for its license, up to line ends.
			again, err := license.Sign(key, l)
			if err != nil {
				t.Fatalf("re-signing a verified license: %v", err)
			}
			norm := bytes.TrimRight(bytes.ReplaceAll(file, []byte("\r\n"), []byte("\n")), "\n")
			if !bytes.Equal(norm, bytes.TrimRight(again, "\n")) {
				t.Fatalf("verified file differs from its canonical form:\n%q", file)
			}
		case errors.Is(err, license.ErrMalformed), errors.Is(err, license.ErrSignature), errors.Is(err, license.ErrExpired):
		default:
			t.Fatalf("untyped error: %v", err)
		}
	})
}
