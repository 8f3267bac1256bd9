package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/licenseflow/licenseflow/events/license"
)

// secrets are what the local runtime signs and verifies with, kept under
// the data directory; envConfig prefers the environment's.
type secrets struct {
	SigningKey ed25519.PrivateKey
	PublicKey  ed25519.PublicKey
	// WebhookSecrets verify Stripe-Signature; the first one signs the demo's
	// webhooks.
	WebhookSecrets []string
	TokenSecret    []byte
}

// loadSecrets reads the secrets from files under dir/keys, generating
// (0600) what is missing so restarts keep them.
func loadSecrets(dir string) (secrets, error) {
	var s secrets
	keys := filepath.Join(dir, "keys")
	if err := os.MkdirAll(keys, 0o700); err != nil {
		return s, fmt.Errorf("creating key directory: %w", err)
	}

	pem, err := loadOrCreate(filepath.Join(keys, "license-signing-key.pem"), func() ([]byte, error) {
		_, priv, err := license.GenerateKey()
		if err != nil {
			return nil, err
		}
		return license.MarshalPrivateKey(priv)
	})
	if err != nil {
		return s, err
	}
	priv, err := license.ParsePrivateKey(pem)
	if err != nil {
		return s, fmt.Errorf("license signing key: %w", err)
	}
	s.SigningKey, s.PublicKey = priv, priv.Public().(ed25519.PublicKey)
	if err := writeIfChanged(filepath.Join(keys, "license-public-key.pem"), func() ([]byte, error) {
		return license.MarshalPublicKey(s.PublicKey)
	}); err != nil {
		return s, err
	}

	secret, err := loadOrCreate(filepath.Join(keys, "webhook-secret"), func() ([]byte, error) {
		return []byte("whsec_" + randomHex(24)), nil
	})
	if err != nil {
		return s, err
	}
	s.WebhookSecrets = []string{strings.TrimSpace(string(secret))}
	secret, err = loadOrCreate(filepath.Join(keys, "token-secret"), func() ([]byte, error) {
		return []byte(randomHex(32)), nil
	})
	if err != nil {
		return s, err
	}
	s.TokenSecret = []byte(strings.TrimSpace(string(secret)))
	return s, nil
}

func loadOrCreate(path string, create func() ([]byte, error)) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	b, err = create()
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return b, nil
}

func writeIfChanged(path string, content func() ([]byte, error)) error {
	b, err := content()
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(path); err == nil && string(old) == string(b) {
		return nil
	}
	return os.WriteFile(path, b, 0o644)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}
