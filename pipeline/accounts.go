package pipeline

import (
	"context"
	"crypto/ed25519"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/infra"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/services/accounts"
)

// AccountsConfig configures the user-signup stage. NewAccounts calls
// setDefaults and Validate.
type AccountsConfig struct {
	StageConfig
	// Bus receives Company Created, User Added, User Disabled and Session
	// Started. Required.
	Bus Bus
	// PublicKey verifies the licenses the stage records. Required.
	PublicKey ed25519.PublicKey
}

func (c *AccountsConfig) base() (StageConfig, Bus) { return c.StageConfig, c.Bus }

func (c *AccountsConfig) setDefaults() {
	c.Bus.setDefaults()
	c.StageConfig.setDefaults(infra.QueueSignup)
}

// Validate reports every problem with the configuration.
func (c *AccountsConfig) Validate() error {
	var errs problems.List
	errs.Add(c.StageConfig.validate("accounts"))
	errs.Wrap("accounts", c.Bus.validate())
	errs.If(c.PublicKey == nil, "accounts: the license public key is required")
	return errs.Err()
}

// NewAccounts opens the store, migrates it and builds the user-signup
// stage.
func NewAccounts(ctx context.Context, cfg AccountsConfig) (*Stage, error) {
	return buildStage(ctx, StageAccounts, &cfg, func(st *stageDeps) (events.Handler, error) {
		return handler(accounts.New(ctx, accounts.Config{Deps: st.deps(), PublicKey: cfg.PublicKey}))
	})
}
