package license

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// GenerateKey returns a new Ed25519 key pair from crypto/rand.
func GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating key: %w", err)
	}
	return pub, priv, nil
}

// KeyID is a short, stable name of a public key: the first 8 bytes of its
// SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// MarshalPublicKey encodes pub as a PEM "PUBLIC KEY" block (PKIX).
func MarshalPublicKey(pub ed25519.PublicKey) ([]byte, error) {
	return marshalPEM("public key", "PUBLIC KEY", x509.MarshalPKIXPublicKey, pub)
}

// ParsePublicKey decodes a public key from a PEM "PUBLIC KEY" block, or from
// base64 (standard or URL alphabet, padded or not) of either the 32 raw key
// bytes or the PKIX DER.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	der, err := keyBytes(data, "PUBLIC KEY")
	if err != nil {
		return nil, fmt.Errorf("parsing public key: %w", err)
	}
	if len(der) == ed25519.PublicKeySize {
		return ed25519.PublicKey(der), nil
	}
	return parseDER[ed25519.PublicKey]("public key", x509.ParsePKIXPublicKey, der)
}

// MarshalPrivateKey encodes priv as a PEM "PRIVATE KEY" block (PKCS #8).
func MarshalPrivateKey(priv ed25519.PrivateKey) ([]byte, error) {
	return marshalPEM("private key", "PRIVATE KEY", x509.MarshalPKCS8PrivateKey, priv)
}

// ParsePrivateKey decodes a private key from a PEM "PRIVATE KEY" block
// (PKCS #8), or from base64 of the 32-byte seed, the 64-byte private key or
// the PKCS #8 DER.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	der, err := keyBytes(data, "PRIVATE KEY")
	if err != nil {
		return nil, fmt.Errorf("parsing private key: %w", err)
	}
	switch len(der) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(der), nil
	case ed25519.PrivateKeySize:
		priv := ed25519.NewKeyFromSeed(der[:ed25519.SeedSize])
		if !priv.Equal(ed25519.PrivateKey(der)) {
			return nil, errors.New("parsing private key: public half does not match seed")
		}
		return priv, nil
	}
	return parseDER[ed25519.PrivateKey]("private key", x509.ParsePKCS8PrivateKey, der)
}

// marshalPEM encodes key with marshal (PKIX or PKCS #8) as a PEM block of
// pemType; what names the key in errors.
func marshalPEM(what, pemType string, marshal func(any) ([]byte, error), key any) ([]byte, error) {
	der, err := marshal(key)
	if err != nil {
		return nil, fmt.Errorf("marshalling %s: %w", what, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}), nil
}

// parseDER decodes an Ed25519 key of type K from der with parse (PKIX or
// PKCS #8); what names the key in errors.
func parseDER[K ed25519.PublicKey | ed25519.PrivateKey](what string, parse func([]byte) (any, error), der []byte) (K, error) {
	k, err := parse(der)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", what, err)
	}
	key, ok := k.(K)
	if !ok {
		return nil, fmt.Errorf("parsing %s: %T is not an ed25519 key", what, k)
	}
	return key, nil
}

// keyBytes returns the DER of a PEM block of the wanted type, or the
// base64-decoded bytes of data.
func keyBytes(data []byte, pemType string) ([]byte, error) {
	s := strings.TrimSpace(string(data))
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, errors.New("invalid PEM")
		}
		if block.Type != pemType {
			return nil, fmt.Errorf("PEM block %q, want %q", block.Type, pemType)
		}
		return block.Bytes, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("neither PEM nor base64")
}

// CheckPublicKey reports a key that cannot be an Ed25519 public key (one of
// the wrong length); nil otherwise.
func CheckPublicKey(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("public key has %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	return nil
}
