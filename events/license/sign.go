package license

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// envelope is the JSON inside the armour.
type envelope struct {
	Alg     string `json:"alg"`
	KeyID   string `json:"kid"`
	Payload []byte `json:"payload"` // base64 in JSON
	Sig     []byte `json:"sig"`
}

// payload is the signed document.
type payload struct {
	Format  string  `json:"format"`
	License License `json:"license"`
}

// Sign returns the armoured license file of l signed with key. It sets
// l.KeyID to KeyID of key's public half and l.ID to a random id when empty;
// times are stored in UTC with second precision. CompanyID, Plan, Status
// and ExpiresAt are required.
func Sign(key ed25519.PrivateKey, l License) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("signing license: private key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	l.KeyID = KeyID(key.Public().(ed25519.PublicKey))
	if l.ID == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("signing license: id: %w", err)
		}
		l.ID = hex.EncodeToString(b[:])
	}
	l.IssuedAt = l.IssuedAt.UTC().Truncate(time.Second)
	l.ExpiresAt = l.ExpiresAt.UTC().Truncate(time.Second)
	if l.Features == nil {
		l.Features = []string{}
	}
	if err := l.validate(); err != nil {
		return nil, fmt.Errorf("signing license: %w", err)
	}
	p, err := json.Marshal(payload{Format: Format, License: l})
	if err != nil {
		return nil, fmt.Errorf("signing license: %w", err)
	}
	env, err := json.Marshal(envelope{Alg: Algorithm, KeyID: l.KeyID, Payload: p, Sig: ed25519.Sign(key, p)})
	if err != nil {
		return nil, fmt.Errorf("signing license: %w", err)
	}
	return armour(env), nil
}

// validate reports every missing or invalid field.
func (l License) validate() error {
	var errs []error
	if l.CompanyID == "" {
		errs = append(errs, errors.New("company_id is empty"))
	}
	if l.Plan == "" {
		errs = append(errs, errors.New("plan is empty"))
	}
	switch l.Status {
	case StatusTrialing, StatusActive, StatusPastDue, StatusCanceled:
	default:
		errs = append(errs, fmt.Errorf("unknown status %q", l.Status))
	}
	if l.Seats < 0 {
		errs = append(errs, errors.New("seats is negative"))
	}
	if l.Serial < 1 {
		errs = append(errs, errors.New("serial is below 1"))
	}
	if l.ExpiresAt.IsZero() {
		errs = append(errs, errors.New("expires_at is missing"))
	}
	if l.KeyID == "" {
		errs = append(errs, errors.New("key_id is empty"))
	}
	return errors.Join(errs...)
}

// Parse decodes a license file WITHOUT verifying its signature or expiry:
// use it only to display a file. Errors wrap ErrMalformed.
func Parse(file []byte) (License, error) {
	_, p, err := decode(file)
	if err != nil {
		return License{}, err
	}
	return p.License, nil
}

// Verify checks a license file offline with the public key alone and
// returns its license. It checks, in order: the armour and format
// (ErrMalformed), the key id and Ed25519 signature (ErrSignature), and the
// expiry at the current time (ErrExpired). On ErrExpired the returned
// license is authentic and complete; on other errors it is the zero value.
func Verify(pub ed25519.PublicKey, file []byte) (License, error) {
	return VerifyAt(pub, file, time.Now())
}

// VerifyAt is Verify with an explicit current time.
func VerifyAt(pub ed25519.PublicKey, file []byte, now time.Time) (License, error) {
	if len(pub) != ed25519.PublicKeySize {
		return License{}, fmt.Errorf("%w: public key has %d bytes, want %d", ErrSignature, len(pub), ed25519.PublicKeySize)
	}
	env, p, err := decode(file)
	if err != nil {
		return License{}, err
	}
	if want := KeyID(pub); env.KeyID != want {
		return License{}, fmt.Errorf("%w: signed by key %q, verifying with key %q", ErrSignature, env.KeyID, want)
	}
	if !ed25519.Verify(pub, env.Payload, env.Sig) {
		return License{}, fmt.Errorf("%w: ed25519 verification failed", ErrSignature)
	}
	if !now.Before(p.License.ExpiresAt) {
		return p.License, fmt.Errorf("%w: at %s", ErrExpired, p.License.ExpiresAt.Format(time.RFC3339))
	}
	return p.License, nil
}

// decode parses the armour, envelope and payload and checks their
// consistency, without the signature.
func decode(file []byte) (envelope, payload, error) {
	raw, err := dearmour(file)
	if err != nil {
		return envelope{}, payload{}, err
	}
	var env envelope
	if err := strictUnmarshal(raw, &env); err != nil {
		return envelope{}, payload{}, fmt.Errorf("%w: envelope: %v", ErrMalformed, err)
	}
	// The envelope is unsigned: accept only its canonical encoding, so
	// no byte of it can change unnoticed.
	if canon, err := json.Marshal(env); err != nil || !bytes.Equal(canon, raw) {
		return envelope{}, payload{}, fmt.Errorf("%w: envelope is not canonical", ErrMalformed)
	}
	if env.Alg != Algorithm {
		return envelope{}, payload{}, fmt.Errorf("%w: algorithm %q, want %q", ErrMalformed, env.Alg, Algorithm)
	}
	if len(env.Sig) != ed25519.SignatureSize {
		return envelope{}, payload{}, fmt.Errorf("%w: signature has %d bytes", ErrMalformed, len(env.Sig))
	}
	var p payload
	if err := strictUnmarshal(env.Payload, &p); err != nil {
		return envelope{}, payload{}, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	if p.Format != Format {
		return envelope{}, payload{}, fmt.Errorf("%w: format %q, want %q", ErrMalformed, p.Format, Format)
	}
	if p.License.KeyID != env.KeyID {
		return envelope{}, payload{}, fmt.Errorf("%w: key id %q in payload, %q in envelope", ErrMalformed, p.License.KeyID, env.KeyID)
	}
	if err := p.License.validate(); err != nil {
		return envelope{}, payload{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return env, p, nil
}

// strictUnmarshal decodes exactly one JSON value, rejecting unknown fields.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after JSON value")
	}
	return nil
}
