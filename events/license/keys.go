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
func MarshalPublicKey(pub ed25519.PublicKey) ([]byte, error) { return publicKeys.marshal(pub) }

// ParsePublicKey decodes a public key from a PEM "PUBLIC KEY" block, or from
// base64 (standard or URL alphabet, padded or not) of either the 32 raw key
// bytes or the PKIX DER.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) { return publicKeys.parse(data) }

// MarshalPrivateKey encodes priv as a PEM "PRIVATE KEY" block (PKCS #8).
func MarshalPrivateKey(priv ed25519.PrivateKey) ([]byte, error) { return privateKeys.marshal(priv) }

// ParsePrivateKey decodes a private key from a PEM "PRIVATE KEY" block
// (PKCS #8), or from base64 of the 32-byte seed, the 64-byte private key or
// the PKCS #8 DER.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) { return privateKeys.parse(data) }

// keyFormat is how one kind of Ed25519 key (K) is encoded: its name in
// errors, its PEM block type, its x509 DER encoding, and its raw forms.
type keyFormat[K ed25519.PublicKey | ed25519.PrivateKey] struct {
	name    string
	pemType string
	toDER   func(any) ([]byte, error)
	fromDER func([]byte) (any, error)
	// fromRaw decodes the raw key bytes; ok is false when b is not of a
	// raw length (it is DER then).
	fromRaw func(b []byte) (k K, ok bool, err error)
}

var (
	publicKeys = keyFormat[ed25519.PublicKey]{name: "public key", pemType: "PUBLIC KEY",
		toDER: x509.MarshalPKIXPublicKey, fromDER: x509.ParsePKIXPublicKey, fromRaw: rawPublicKey}
	privateKeys = keyFormat[ed25519.PrivateKey]{name: "private key", pemType: "PRIVATE KEY",
		toDER: x509.MarshalPKCS8PrivateKey, fromDER: x509.ParsePKCS8PrivateKey, fromRaw: rawPrivateKey}
)

func (f keyFormat[K]) marshal(k K) ([]byte, error) {
	der, err := f.toDER(k)
	if err != nil {
		return nil, fmt.Errorf("marshalling %s: %w", f.name, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: f.pemType, Bytes: der}), nil
}

func (f keyFormat[K]) parse(data []byte) (K, error) {
	der, err := keyBytes(data, f.pemType)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", f.name, err)
	}
	if k, ok, err := f.fromRaw(der); ok {
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", f.name, err)
		}
		return k, nil
	}
	v, err := f.fromDER(der)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", f.name, err)
	}
	k, ok := v.(K)
	if !ok {
		return nil, fmt.Errorf("parsing %s: %T is not an ed25519 key", f.name, v)
	}
	return k, nil
}

// rawPublicKey takes the 32 raw bytes of a public key.
func rawPublicKey(b []byte) (ed25519.PublicKey, bool, error) {
	return ed25519.PublicKey(b), len(b) == ed25519.PublicKeySize, nil
}

// rawPrivateKey takes a 32-byte seed, or a 64-byte private key whose public
// half must match its seed.
func rawPrivateKey(b []byte) (ed25519.PrivateKey, bool, error) {
	switch len(b) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(b), true, nil
	case ed25519.PrivateKeySize:
		priv := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
		if !priv.Equal(ed25519.PrivateKey(b)) {
			return nil, true, errors.New("public half does not match seed")
		}
		return priv, true, nil
	}
	return nil, false, nil
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
