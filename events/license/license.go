// Package license defines licenseflow's signed license files: a License
// (what a company is entitled to), signed with Ed25519 by the payment stage
// and verified offline by application servers with the public key alone.
//
// A license file is armoured text:
//
//	-----BEGIN LICENSEFLOW LICENSE FILE-----
//	base64 lines of at most 64 characters
//	-----END LICENSEFLOW LICENSE FILE-----
//
// The base64 text decodes to a JSON envelope
// {"alg":"ed25519","kid":KEY_ID,"payload":BASE64,"sig":BASE64} where
// payload is the JSON document {"format":"licenseflow-license/1","license":{...}}
// and sig is the Ed25519 signature over the exact payload bytes. The
// payload repeats the algorithm's key id, and the envelope must be in its
// canonical form, so every byte of the file is covered: changing any byte
// makes Verify fail.
package license

import (
	"slices"
	"time"
)

// Format names the payload version this package writes and reads.
const Format = "licenseflow-license/1"

// Algorithm is the only signature algorithm of Format.
const Algorithm = "ed25519"

// Subscription statuses a license carries.
const (
	StatusTrialing = "trialing"
	StatusActive   = "active"
	StatusPastDue  = "past_due" // payment failed; still licensed (grace)
	StatusCanceled = "canceled" // not licensed
)

// License is what a company is entitled to. Serial only grows per company:
// a license with a higher serial supersedes every older one.
type License struct {
	// ID uniquely names this license file (Sign fills it when empty).
	ID string `json:"id"`
	// Issuer names who signed it, e.g. "licenseflow.payment".
	Issuer    string `json:"issuer,omitempty"`
	CompanyID string `json:"company_id"`
	// SubscriptionID is the payment provider's subscription, if any.
	SubscriptionID string `json:"subscription_id,omitempty"`
	Plan           string `json:"plan"`
	// Status is one of the Status constants.
	Status   string   `json:"status"`
	Seats    int      `json:"seats"`
	Features []string `json:"features"`
	Serial   int64    `json:"serial"`
	// IssuedAt and ExpiresAt bound the license; ExpiresAt is required.
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// KeyID names the signing key (see KeyID); Sign sets it.
	KeyID string `json:"key_id"`
}

// Licensed reports whether the license grants use at now: its status is
// trialing, active or past_due and it has not expired.
func (l License) Licensed(now time.Time) bool {
	switch l.Status {
	case StatusTrialing, StatusActive, StatusPastDue:
		return now.Before(l.ExpiresAt)
	}
	return false
}

// HasFeature reports whether the license lists feature f.
func (l License) HasFeature(f string) bool { return slices.Contains(l.Features, f) }

// Newer reports whether l supersedes other (a higher serial for the same
// company).
func (l License) Newer(other License) bool {
	return l.CompanyID == other.CompanyID && l.Serial > other.Serial
}
