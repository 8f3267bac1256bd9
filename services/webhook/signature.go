package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the name of the header the payment provider signs with.
const SignatureHeader = "Stripe-Signature"

// Limits on a signature header, so a hostile header cannot make us work.
const (
	maxHeaderLen  = 8 << 10
	maxSignatures = 16
)

// Errors of signature verification; all mean 401 and nothing published.
var (
	ErrNoSignature  = errors.New("missing signature header")
	ErrBadHeader    = errors.New("malformed signature header")
	ErrBadSignature = errors.New("no signature matches")
	ErrStale        = errors.New("signature timestamp outside tolerance")
)

// Signature is a parsed Stripe-Signature header: "t=UNIX,v1=HEX[,v1=HEX...]".
// Schemes other than v1 (v0, unknown keys) are ignored.
type Signature struct {
	Timestamp time.Time
	// V1 holds every decodable v1 signature (HMAC-SHA256 digests).
	V1 [][]byte
}

// ParseSignature parses a Stripe-Signature header. It requires exactly one
// t= and at least one well-formed v1=; errors wrap ErrNoSignature or
// ErrBadHeader.
func ParseSignature(header string) (Signature, error) {
	if strings.TrimSpace(header) == "" {
		return Signature{}, ErrNoSignature
	}
	if len(header) > maxHeaderLen {
		return Signature{}, fmt.Errorf("%w: longer than %d bytes", ErrBadHeader, maxHeaderLen)
	}
	var (
		sig   Signature
		haveT bool
	)
	for item := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			continue // tolerate stray items, like Stripe's own libraries
		}
		switch k {
		case "t":
			if haveT {
				return Signature{}, fmt.Errorf("%w: several timestamps", ErrBadHeader)
			}
			secs, err := strconv.ParseInt(v, 10, 64)
			if err != nil || secs <= 0 {
				return Signature{}, fmt.Errorf("%w: timestamp %q", ErrBadHeader, v)
			}
			sig.Timestamp, haveT = time.Unix(secs, 0), true
		case "v1":
			if len(sig.V1) == maxSignatures {
				return Signature{}, fmt.Errorf("%w: more than %d signatures", ErrBadHeader, maxSignatures)
			}
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				continue // cannot match; another v1 may
			}
			sig.V1 = append(sig.V1, b)
		}
	}
	if !haveT {
		return Signature{}, fmt.Errorf("%w: no timestamp", ErrBadHeader)
	}
	if len(sig.V1) == 0 {
		return Signature{}, fmt.Errorf("%w: no v1 signature", ErrBadHeader)
	}
	return sig, nil
}

// Verify checks header against payload: the timestamp must lie within
// tolerance of now (either side) and some v1 signature must equal
// HMAC-SHA256(secret, "t.payload") for some secret. Comparisons are
// constant-time.
func Verify(header string, payload []byte, secrets []string, tolerance time.Duration, now time.Time) error {
	sig, err := ParseSignature(header)
	if err != nil {
		return err
	}
	if d := now.Sub(sig.Timestamp); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now", ErrStale, sig.Timestamp.UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	matched := 0
	for _, secret := range secrets {
		want := mac(secret, sig.Timestamp.Unix(), payload)
		for _, got := range sig.V1 {
			// Check every pair: the time taken does not depend on which
			// secret or signature matched.
			if hmac.Equal(want, got) {
				matched++
			}
		}
	}
	if matched == 0 {
		return ErrBadSignature
	}
	return nil
}

// Sign returns a valid Stripe-Signature header for payload signed with
// secret at t, as the provider would send it. For demos, tests and curl.
func Sign(secret string, payload []byte, t time.Time) string {
	return fmt.Sprintf("t=%d,v1=%s", t.Unix(), hex.EncodeToString(mac(secret, t.Unix(), payload)))
}

func mac(secret string, t int64, payload []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(strconv.AppendInt(nil, t, 10))
	m.Write([]byte{'.'})
	m.Write(payload)
	return m.Sum(nil)
}
