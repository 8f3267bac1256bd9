// Package appserver is the demo application server's license endpoint and
// the verification package other Go application servers can embed.
//
// A Holder keeps, per company, the newest license file whose signature
// verifies with the licence public key; it never lets an older serial
// replace a newer one, and refuses an expired license unless it ends an
// older one. Check says whether a company may use the application now and
// how long its license has left. Server exposes a Holder over HTTP:
//
//	PUT /v1/licenses/{company_id}  install a license file (the license-push stage calls it)
//	GET /v1/licenses/{company_id}  the license file held (404 if none)
//	GET /healthz                   200 when serving
package appserver

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
)

// Install errors; test with errors.Is.
var (
	// ErrMalformed: not a well-formed license file (wraps license.ErrMalformed).
	ErrMalformed = errors.New("malformed license file")
	// ErrSignature: the signature does not verify with the holder's key.
	ErrSignature = errors.New("license signature invalid")
	// ErrCompanyMismatch: the license is for another company than the one
	// it was installed for.
	ErrCompanyMismatch = errors.New("license is for another company")
	// ErrStale: the holder already has a license of this company with a
	// higher serial, or the same serial with different content.
	ErrStale = errors.New("license is not newer than the one held")
	// ErrExpired: the license has expired (Install: and supersedes none
	// held; Check: the license held). It wraps license.ErrExpired.
	ErrExpired = fmt.Errorf("%w", license.ErrExpired)
	// ErrNoLicense: the holder has no license of the company (Check).
	ErrNoLicense = errors.New("no license held for the company")
	// ErrNotLicensed: the license held grants no use: its subscription
	// was canceled (Check).
	ErrNotLicensed = errors.New("license grants no use")
)

// Outcome says what Install did with an accepted file, in the word the
// server answers and logs; it is empty when Install refused the file.
type Outcome string

const (
	// Installed: the file is now the company's current license.
	Installed Outcome = "installed"
	// Unchanged: the holder already held exactly this file (idempotent).
	Unchanged Outcome = "unchanged"
)

func (o Outcome) String() string { return string(o) }

// HolderConfig configures a Holder.
type HolderConfig struct {
	// PublicKey verifies license signatures. Required.
	PublicKey ed25519.PublicKey
	// Dir, when set, persists every installed license there and loads them
	// at start, so a restart keeps them.
	Dir string
	// Now is the clock for Licensed. Default time.Now.
	Now func() time.Time
	// Logger reports files skipped while loading Dir. Default slog.Default().
	Logger *slog.Logger
}

func (c *HolderConfig) setDefaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every invalid field.
func (c *HolderConfig) Validate() error {
	return license.CheckPublicKey(c.PublicKey)
}

// held is one company's current license.
type held struct {
	lic  license.License
	file []byte
}

// Holder holds the current license of each company. It is safe for
// concurrent use.
type Holder struct {
	cfg HolderConfig

	mu       sync.RWMutex
	licenses map[string]held
}

// NewHolder returns a Holder, with the licenses persisted in cfg.Dir loaded.
func NewHolder(cfg HolderConfig) (*Holder, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("license holder config: %w", err)
	}
	h := &Holder{cfg: cfg, licenses: map[string]held{}}
	if cfg.Dir != "" {
		if err := h.load(); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Install verifies file and makes it its company's current license unless
// the holder has a newer one. An expired license is refused (ErrExpired)
// unless it supersedes one held: a newer license always ends an older one,
// even when it grants nothing (a canceled subscription's last license is
// expired from the start and must end the active one). Ask Check whether
// the license grants use. Errors wrap ErrMalformed, ErrSignature, ErrStale,
// ErrExpired, or a persistence failure.
func (h *Holder) Install(file []byte) (license.License, Outcome, error) {
	return h.install("", file)
}

// InstallFor is Install that also requires the license to be company's
// (ErrCompanyMismatch otherwise).
func (h *Holder) InstallFor(company string, file []byte) (license.License, Outcome, error) {
	if company == "" {
		return license.License{}, "", fmt.Errorf("%w: empty company", ErrCompanyMismatch)
	}
	return h.install(company, file)
}

func (h *Holder) install(company string, file []byte) (license.License, Outcome, error) {
	lic, err := h.verify(file)
	if err != nil {
		return license.License{}, "", err
	}
	if company != "" && lic.CompanyID != company {
		return lic, "", fmt.Errorf("%w: file for %q installed as %q", ErrCompanyMismatch, lic.CompanyID, company)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	cur, ok := h.licenses[lic.CompanyID]
	switch {
	case ok && lic.Serial == cur.lic.Serial && bytes.Equal(bytes.TrimSpace(file), bytes.TrimSpace(cur.file)):
		return lic, Unchanged, nil
	case ok && lic.Serial <= cur.lic.Serial:
		return lic, "", fmt.Errorf("%w: serial %d offered, %d held", ErrStale, lic.Serial, cur.lic.Serial)
	case !ok && !h.cfg.Now().Before(lic.ExpiresAt):
		return lic, "", fmt.Errorf("%w: at %s, and no license of %s is held for it to end", ErrExpired,
			lic.ExpiresAt.Format(time.RFC3339), lic.CompanyID)
	}
	file = bytes.Clone(file)
	if h.cfg.Dir != "" {
		if err := h.persist(lic.CompanyID, file); err != nil {
			return lic, "", err
		}
	}
	h.licenses[lic.CompanyID] = held{lic: lic, file: file}
	return lic, Installed, nil
}

// verify checks file's signature, accepting expired licenses.
func (h *Holder) verify(file []byte) (license.License, error) {
	lic, err := license.VerifyAt(h.cfg.PublicKey, file, h.cfg.Now())
	switch {
	case err == nil, errors.Is(err, license.ErrExpired):
		return lic, nil
	case errors.Is(err, license.ErrSignature):
		return license.License{}, fmt.Errorf("%w: %w", ErrSignature, err)
	default:
		return license.License{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
}

// Current returns company's current license and its file.
func (h *Holder) Current(company string) (license.License, []byte, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	cur, ok := h.licenses[company]
	if !ok {
		return license.License{}, nil, false
	}
	return cur.lic, bytes.Clone(cur.file), true
}

// Check reports whether company may use the application now: nil when
// the license held grants use (see license.License.Licensed), with the
// time left until it expires. Otherwise the error wraps ErrNoLicense,
// ErrNotLicensed (canceled) or ErrExpired; for an expired license the time
// left is zero or negative (how long ago it expired).
func (h *Holder) Check(company string) (license.License, time.Duration, error) {
	lic, _, ok := h.Current(company)
	if !ok {
		return lic, 0, fmt.Errorf("%w: %s", ErrNoLicense, company)
	}
	left := lic.ExpiresAt.Sub(h.cfg.Now())
	switch {
	case lic.Status == license.StatusCanceled:
		return lic, left, fmt.Errorf("%w: %s's subscription was canceled (license %d)", ErrNotLicensed, company, lic.Serial)
	case left <= 0:
		return lic, left, fmt.Errorf("%w: %s's license %d expired at %s", ErrExpired, company, lic.Serial,
			lic.ExpiresAt.Format(time.RFC3339))
	case !lic.Licensed(h.cfg.Now()):
		return lic, left, fmt.Errorf("%w: %s's license %d has status %q", ErrNotLicensed, company, lic.Serial, lic.Status)
	}
	return lic, left, nil
}

// Licensed reports whether company holds a license that grants use now:
// Check without the details.
func (h *Holder) Licensed(company string) bool {
	_, _, err := h.Check(company)
	return err == nil
}

// Companies returns the companies the holder has a license for.
func (h *Holder) Companies() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]string, 0, len(h.licenses))
	for c := range h.licenses {
		out = append(out, c)
	}
	return out
}
