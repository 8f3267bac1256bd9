package pipeline

import (
	"context"
	"crypto/ed25519"
	"net/netip"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/services/licensepush"
)

// LicensePushConfig configures the license-push stage, the in-VPC poller.
// NewLicensePush calls setDefaults and Validate.
type LicensePushConfig struct {
	StageConfig
	// Bus receives License Delivered. Required.
	Bus Bus
	// PublicKey verifies licenses before anything else. Required.
	PublicKey ed25519.PublicKey
	// AllowedCIDRs bound where deliveries may go. Default 127.0.0.0/8.
	AllowedCIDRs []netip.Prefix
}

func (c *LicensePushConfig) base() (StageConfig, Bus) { return c.StageConfig, c.Bus }

func (c *LicensePushConfig) setDefaults() {
	c.Bus.setDefaults()
	c.StageConfig.setDefaults(infra.QueueLicensePush)
	if len(c.AllowedCIDRs) == 0 {
		c.AllowedCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
}

// Validate reports every problem with the configuration.
func (c *LicensePushConfig) Validate() error {
	var errs problems.List
	errs.Add(c.StageConfig.validate("licensepush"))
	errs.If(c.PublicKey == nil, "licensepush: the license public key is required")
	errs.Wrap("licensepush", c.Bus.validate())
	return errs.Err()
}

// NewLicensePush opens the store, migrates it and builds the license-push
// stage. It listens on no port; it publishes License Delivered.
func NewLicensePush(ctx context.Context, cfg LicensePushConfig) (*Stage, error) {
	return buildStage(ctx, StageLicensePush, &cfg, func(st *stageDeps) (events.Handler, error) {
		return handler(licensepush.New(ctx, licensepush.Config{Deps: st.deps(), PublicKey: cfg.PublicKey, AllowedCIDRs: cfg.AllowedCIDRs}))
	})
}
