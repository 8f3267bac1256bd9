package signup

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/events"
)

// Token errors; Verify wraps one of them.
var (
	// ErrTokenInvalid: malformed, forged, or signed with an unknown secret.
	ErrTokenInvalid = errors.New("invalid token")
	// ErrTokenExpired: authentic but past its expiry.
	ErrTokenExpired = errors.New("token expired")
)

const (
	minSecretLen  = 32
	tokenVersion  = "v1"
	maxTokenBytes = 1024
)

// Claims are what a bearer token (or a session cookie, which holds the
// same kind of token) asserts. The token is good only while its session
// (SessionID) lives in the store: ending the session revokes it at once.
type Claims struct {
	CompanyID string
	UserID    string
	Role      string // events.RoleAdmin or events.RoleMember
	SessionID string
	Expires   time.Time
}

// wireClaims is the compact signed payload.
type wireClaims struct {
	CompanyID string `json:"c"`
	UserID    string `json:"u"`
	Role      string `json:"r"`
	SessionID string `json:"s"`
	Exp       int64  `json:"exp"`
}

// Tokens issues and verifies bearer tokens of the form
// "v1.BASE64URL(payload).BASE64URL(HMAC-SHA256(secret, "v1." + BASE64URL(payload)))".
// It is safe for concurrent use.
type Tokens struct {
	secret   []byte
	previous [][]byte
}

// NewTokens returns Tokens signing with secret and also accepting tokens
// signed with any of previous.
func NewTokens(secret []byte, previous ...[]byte) (*Tokens, error) {
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("token secret has %d bytes, want at least %d", len(secret), minSecretLen)
	}
	return &Tokens{secret: bytes.Clone(secret), previous: previous}, nil
}

// Issue returns a token carrying c, valid until c.Expires (second precision).
func (t *Tokens) Issue(c Claims) (string, error) {
	p, err := json.Marshal(wireClaims{CompanyID: c.CompanyID, UserID: c.UserID, Role: c.Role, SessionID: c.SessionID, Exp: c.Expires.Unix()})
	if err != nil {
		return "", fmt.Errorf("issuing token: %w", err)
	}
	signed := tokenVersion + "." + base64.RawURLEncoding.EncodeToString(p)
	return signed + "." + base64.RawURLEncoding.EncodeToString(mac(t.secret, signed)), nil
}

// Verify checks token's signature in constant time and its expiry at now,
// and returns its claims. Errors wrap ErrTokenInvalid or ErrTokenExpired.
func (t *Tokens) Verify(token string, now time.Time) (Claims, error) {
	if len(token) > maxTokenBytes {
		return Claims{}, fmt.Errorf("%w: too long", ErrTokenInvalid)
	}
	i := strings.LastIndexByte(token, '.')
	if i < 0 || !strings.HasPrefix(token, tokenVersion+".") {
		return Claims{}, fmt.Errorf("%w: not a %s token", ErrTokenInvalid, tokenVersion)
	}
	signed, sig := token[:i], token[i+1:]
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: signature encoding", ErrTokenInvalid)
	}
	ok := hmac.Equal(got, mac(t.secret, signed))
	for _, s := range t.previous {
		// Evaluate every secret so timing does not reveal which matched.
		ok = hmac.Equal(got, mac(s, signed)) || ok
	}
	if !ok {
		return Claims{}, fmt.Errorf("%w: signature mismatch", ErrTokenInvalid)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(signed[len(tokenVersion)+1:])
	if err != nil {
		return Claims{}, fmt.Errorf("%w: payload encoding", ErrTokenInvalid)
	}
	var w wireClaims
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Claims{}, fmt.Errorf("%w: payload: %v", ErrTokenInvalid, err)
	}
	if !validID(w.CompanyID, prefixCompany) || !validID(w.UserID, prefixUser) || !events.ValidRole(w.Role) || !validID(w.SessionID, prefixAuth) {
		return Claims{}, fmt.Errorf("%w: claims", ErrTokenInvalid)
	}
	c := Claims{CompanyID: w.CompanyID, UserID: w.UserID, Role: w.Role, SessionID: w.SessionID, Expires: time.Unix(w.Exp, 0)}
	if !now.Before(c.Expires) {
		return Claims{}, fmt.Errorf("%w at %s", ErrTokenExpired, c.Expires.UTC().Format(time.RFC3339))
	}
	return c, nil
}

func mac(secret []byte, msg string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
