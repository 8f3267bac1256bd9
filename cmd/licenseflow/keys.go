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

// keyDir holds the secrets the local runtime signs and verifies with when
// the environment names none: each one is read from its file under dir,
// or generated (0600) when missing so restarts keep it. Each method touches
// only the files of its secret. A readOnly keyDir generates nothing: a
// missing secret is an error wrapping fs.ErrNotExist.
type keyDir struct {
	dir      string
	readOnly bool
}

// signingKey is license-signing-key.pem; its public half is written beside
// it (license-public-key.pem) for app servers.
func (k *keyDir) signingKey() (ed25519.PrivateKey, error) {
	pem, err := k.loadOrCreate("license-signing-key.pem", func() ([]byte, error) {
		_, priv, err := license.GenerateKey()
		if err != nil {
			return nil, err
		}
		return license.MarshalPrivateKey(priv)
	})
	if err != nil {
		return nil, err
	}
	priv, err := license.ParsePrivateKey(pem)
	if err != nil {
		return nil, fmt.Errorf("license signing key: %w", err)
	}
	pub := priv.Public().(ed25519.PublicKey)
	if err := writeIfChanged(filepath.Join(k.dir, "license-public-key.pem"), func() ([]byte, error) {
		return license.MarshalPublicKey(pub)
	}); err != nil {
		return nil, err
	}
	return priv, nil
}

// publicKey is the signing key's public half (generating the pair when
// there is none yet, so a local app server and the payment stage agree).
func (k *keyDir) publicKey() (ed25519.PublicKey, error) {
	priv, err := k.signingKey()
	if err != nil {
		return nil, err
	}
	return priv.Public().(ed25519.PublicKey), nil
}

// webhookSecret is webhook-secret; the demo signs its webhooks with it.
func (k *keyDir) webhookSecret() (string, error) {
	b, err := k.loadOrCreate("webhook-secret", func() ([]byte, error) {
		return []byte("whsec_" + randomHex(24)), nil
	})
	return strings.TrimSpace(string(b)), err
}

// tokenSecret is token-secret.
func (k *keyDir) tokenSecret() ([]byte, error) {
	b, err := k.loadOrCreate("token-secret", func() ([]byte, error) {
		return []byte(randomHex(32)), nil
	})
	return []byte(strings.TrimSpace(string(b))), err
}

func (k *keyDir) loadOrCreate(name string, create func() ([]byte, error)) ([]byte, error) {
	path := filepath.Join(k.dir, name)
	b, err := os.ReadFile(path)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) || k.readOnly {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if err := os.MkdirAll(k.dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating key directory: %w", err)
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
