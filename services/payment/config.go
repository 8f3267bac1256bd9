package payment

import (
	"cmp"
	"crypto/ed25519"
	"log/slog"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/plans"
	"github.com/licenseflow/licenseflow/services/stage"
)

// DefaultPaymentGrace is Config.PaymentGrace's default.
const DefaultPaymentGrace = 7 * 24 * time.Hour

// Config configures the payment stage.
type Config struct {
	// Deps: the stage stores subscriptions, issued licenses and processed
	// event ids in DB and publishes License Issued events. Unlike the other
	// services', its Logger's default discards.
	stage.Deps
	// SigningKey signs license files. Required. App servers verify with its
	// public half (license.MarshalPublicKey).
	SigningKey ed25519.PrivateKey
	// Plans maps price lookup keys to plans. Default plans.Default().
	Plans plans.Catalogue
	// LicenseGrace is added to the end of the paid period to get a
	// license's expiry, so a late renewal does not lock users out.
	// Default 72 h.
	LicenseGrace time.Duration
	// PaymentGrace is how long a license stays valid after a failed
	// payment: a past_due license expires PaymentGrace after the failure
	// that began the past-due spell (never before the end of a period
	// already paid for), and lapses then unless a payment succeeds.
	// Default 7 days.
	PaymentGrace time.Duration
	// LicenseTTL is a license's lifetime while the paid period's end is not
	// known yet (a checkout without a subscription event). Default 31 days.
	LicenseTTL time.Duration
	// Issuer is written into license files. Default events.SourcePayment.
	Issuer string
}

func (c *Config) setDefaults() {
	c.Plans = c.Plans.OrDefault().Normalized()
	c.LicenseGrace = cmp.Or(c.LicenseGrace, 72*time.Hour)
	c.LicenseTTL = cmp.Or(c.LicenseTTL, 31*24*time.Hour)
	c.PaymentGrace = cmp.Or(c.PaymentGrace, DefaultPaymentGrace)
	c.Issuer = cmp.Or(c.Issuer, events.SourcePayment)
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	c.Deps.SetDefaults()
}

// Validate reports every problem of the configuration.
func (c Config) Validate() error {
	var errs problems.List
	errs.Add(c.Deps.Validate())
	errs.If(len(c.SigningKey) != ed25519.PrivateKeySize, "signing key is not an ed25519 private key")
	errs.Wrap("plans", c.Plans.Validate())
	errs.If(c.LicenseGrace < 0, "license grace is negative")
	errs.If(c.PaymentGrace < 0, "payment grace is negative")
	errs.If(c.LicenseTTL < 0, "license ttl is negative")
	return errs.Err()
}
