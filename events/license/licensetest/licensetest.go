// Package licensetest helps tests of license files: Keys makes a signing
// key pair, Tamper makes a well-formed file whose signature no longer
// matches its content.
package licensetest

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/licenseflow/licenseflow/events/license"
)

// Keys returns a new key pair from license.GenerateKey; it fails tb when
// none can be made.
func Keys(tb testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	tb.Helper()
	pub, priv, err := license.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	return pub, priv
}

// Tamper returns the armoured license file with old replaced by new in its
// signed payload (the first occurrence), re-armoured with the original
// signature: it parses, and fails verification as a file changed after
// signing does.
func Tamper(file []byte, old, new string) ([]byte, error) {
	lines := strings.Split(strings.TrimSpace(string(file)), "\n")
	if len(lines) < 3 {
		return nil, fmt.Errorf("tamper: not an armoured license file")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(lines[1:len(lines)-1], ""))
	if err != nil {
		return nil, fmt.Errorf("tamper: %w", err)
	}
	var env struct { // the field order of the canonical envelope
		Alg     string `json:"alg"`
		KeyID   string `json:"kid"`
		Payload []byte `json:"payload"`
		Sig     []byte `json:"sig"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("tamper: %w", err)
	}
	if !bytes.Contains(env.Payload, []byte(old)) {
		return nil, fmt.Errorf("tamper: the payload lacks %q", old)
	}
	env.Payload = bytes.Replace(env.Payload, []byte(old), []byte(new), 1)
	if raw, err = json.Marshal(env); err != nil {
		return nil, fmt.Errorf("tamper: %w", err)
	}
	var out strings.Builder
	out.WriteString(lines[0] + "\n")
	enc := base64.StdEncoding.EncodeToString(raw)
	for len(enc) > 64 {
		out.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	out.WriteString(enc + "\n" + lines[len(lines)-1] + "\n")
	return []byte(out.String()), nil
}
