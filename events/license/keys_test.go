package license_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"testing"

	"github.com/licenseflow/licenseflow/events/license"
)

func TestPublicKeyEncodings(t *testing.T) {
	t.Parallel()
	pub, priv, err := license.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := license.MarshalPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{
		"pem":          pemBytes,
		"raw b64":      []byte(base64.StdEncoding.EncodeToString(pub)),
		"raw b64url":   []byte(base64.RawURLEncoding.EncodeToString(pub) + "\n"),
		"private pem":  nil,
		"garbage":      []byte("not a key"),
		"wrong length": []byte(base64.StdEncoding.EncodeToString(pub[:31])),
	} {
		got, err := license.ParsePublicKey(in)
		wantOK := in != nil && name != "garbage" && name != "wrong length"
		if wantOK != (err == nil) {
			t.Errorf("%s: err = %v, want ok=%v", name, err, wantOK)
			continue
		}
		if wantOK && !got.Equal(pub) {
			t.Errorf("%s: key differs", name)
		}
	}
	privPEM, err := license.MarshalPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := license.ParsePublicKey(privPEM); err == nil {
		t.Error("ParsePublicKey accepted a private key PEM")
	}
	for name, in := range map[string][]byte{
		"pem":  privPEM,
		"seed": []byte(base64.StdEncoding.EncodeToString(priv.Seed())),
		"full": []byte(base64.StdEncoding.EncodeToString(priv)),
	} {
		got, err := license.ParsePrivateKey(in)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !got.Equal(priv) {
			t.Errorf("%s: key differs", name)
		}
	}
	bad := append(ed25519.PrivateKey{}, priv...)
	bad[40] ^= 1
	if _, err := license.ParsePrivateKey([]byte(base64.StdEncoding.EncodeToString(bad))); err == nil {
		t.Error("ParsePrivateKey accepted a key whose public half does not match")
	}
	if license.KeyID(pub) == "" || len(license.KeyID(pub)) != 16 {
		t.Errorf("KeyID = %q", license.KeyID(pub))
	}
}
