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

// secrets are what the local runtime signs and verifies with.
type secrets struct {
	SigningKey ed25519.PrivateKey
	PublicKey  ed25519.PublicKey
	// WebhookSecrets verify Stripe-Signature; the first one signs the demo's
	// webhooks. Several during rotation.
	WebhookSecrets []string
	// WebhookGenerated is set when no secret was configured and one was
	// generated (and kept) under the data directory.
	WebhookGenerated bool
	TokenSecret      []byte
}

// loadSecrets reads the secrets from the environment, or from files under
// dir/keys, generating (0600) what is missing so restarts keep them.
// LICENSEFLOW_WEBHOOK_SECRET (comma-separated), LICENSEFLOW_SIGNING_KEY
// (PEM) and LICENSEFLOW_TOKEN_SECRET override the files.
func loadSecrets(dir string) (secrets, error) {
	var s secrets
	keys := filepath.Join(dir, "keys")
	if err := os.MkdirAll(keys, 0o700); err != nil {
		return s, fmt.Errorf("creating key directory: %w", err)
	}

	pem := []byte(os.Getenv("LICENSEFLOW_SIGNING_KEY"))
	if len(pem) == 0 {
		var err error
		pem, err = loadOrCreate(filepath.Join(keys, "license-signing-key.pem"), func() ([]byte, error) {
			_, priv, err := license.GenerateKey()
			if err != nil {
				return nil, err
			}
			return license.MarshalPrivateKey(priv)
		})
		if err != nil {
			return s, err
		}
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

	if env := os.Getenv("LICENSEFLOW_WEBHOOK_SECRET"); env != "" {
		for _, part := range strings.Split(env, ",") {
			if part = strings.TrimSpace(part); part != "" {
				s.WebhookSecrets = append(s.WebhookSecrets, part)
			}
		}
	} else {
		secret, err := loadOrCreate(filepath.Join(keys, "webhook-secret"), func() ([]byte, error) {
			return []byte("whsec_" + randomHex(24)), nil
		})
		if err != nil {
			return s, err
		}
		s.WebhookSecrets, s.WebhookGenerated = []string{strings.TrimSpace(string(secret))}, true
	}
	if len(s.WebhookSecrets) == 0 {
		return s, errors.New("LICENSEFLOW_WEBHOOK_SECRET holds no secret")
	}

	if env := os.Getenv("LICENSEFLOW_TOKEN_SECRET"); env != "" {
		s.TokenSecret = []byte(env)
	} else {
		secret, err := loadOrCreate(filepath.Join(keys, "token-secret"), func() ([]byte, error) {
			return []byte(randomHex(32)), nil
		})
		if err != nil {
			return s, err
		}
		s.TokenSecret = []byte(strings.TrimSpace(string(secret)))
	}
	if len(s.TokenSecret) < 32 {
		return s, errors.New("token secret must be at least 32 bytes")
	}
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
