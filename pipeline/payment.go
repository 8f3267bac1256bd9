package pipeline

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/plans"
	"github.com/licenseflow/licenseflow/services/payment"
)

// PaymentConfig configures the payment stage. NewPayment calls
// setDefaults and Validate.
type PaymentConfig struct {
	StageConfig
	// Bus receives License Issued. Required.
	Bus Bus
	// SigningKey signs licenses. Required.
	SigningKey ed25519.PrivateKey
	// Plans is the owner's plan catalogue. Default plans.Default().
	Plans plans.Catalogue
	// PaymentGrace is how long a license outlives a failed payment.
	// Default payment.DefaultPaymentGrace (7 days).
	PaymentGrace time.Duration
	// FlushInterval is how often Run publishes licenses whose publishing
	// failed. Default 5 s.
	FlushInterval time.Duration
}

func (c *PaymentConfig) base() (StageConfig, Bus) { return c.StageConfig, c.Bus }

func (c *PaymentConfig) setDefaults() {
	c.Bus.setDefaults()
	c.StageConfig.setDefaults(infra.QueuePayment)
	c.FlushInterval = cmp.Or(c.FlushInterval, 5*time.Second)
}

// Validate reports every problem with the configuration.
func (c *PaymentConfig) Validate() error {
	var errs problems.List
	errs.Add(c.StageConfig.validate("payment"))
	errs.Wrap("payment", c.Bus.validate())
	errs.If(c.SigningKey == nil, "payment: a signing key is required")
	errs.If(c.PaymentGrace < 0, "payment: payment grace is negative")
	errs.If(c.FlushInterval < 0, "payment: flush interval is negative")
	return errs.Err()
}

// Payment is the built payment stage.
type Payment struct {
	*Stage
	stage *payment.Stage
}

// NewPayment opens the store, migrates it and builds the payment stage.
func NewPayment(ctx context.Context, cfg PaymentConfig) (*Payment, error) {
	p := &Payment{}
	s, err := buildStage(ctx, StagePayment, &cfg,
		func(st *stageDeps) (events.Handler, error) {
			var err error
			if p.stage, err = payment.New(ctx, payment.Config{Deps: st.deps(),
				SigningKey: cfg.SigningKey, Plans: cfg.Plans, PaymentGrace: cfg.PaymentGrace}); err != nil {
				return nil, err
			}
			st.background(func(ctx context.Context) error { return p.stage.Run(ctx, cfg.FlushInterval) })
			return p.stage.Handle, nil
		})
	if err != nil {
		return nil, err
	}
	p.Stage = s
	return p, nil
}

// Latest returns the newest license issued for company, or ok=false.
func (p *Payment) Latest(ctx context.Context, company string) (events.LicenseIssued, bool, error) {
	return p.stage.Latest(ctx, company)
}
