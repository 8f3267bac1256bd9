package pipeline

import (
	"cmp"
	"crypto/ed25519"
	"fmt"
	"log/slog"

	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/services/appserver"
)

// AppServerConfig configures the demo application server. NewAppServer
// calls setDefaults and Validate.
type AppServerConfig struct {
	// Addr is the address to listen on. Default 127.0.0.1:8090.
	Addr string
	// Dir keeps the licenses it holds. Required.
	Dir string
	// PublicKey verifies every delivery. Required.
	PublicKey ed25519.PublicKey
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

func (c *AppServerConfig) setDefaults() {
	c.Addr = cmp.Or(c.Addr, "127.0.0.1:8090")
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every problem with the configuration.
func (c *AppServerConfig) Validate() error {
	var errs problems.List
	errs.If(c.Dir == "", "app server: a directory is required")
	errs.If(c.PublicKey == nil, "app server: the license public key is required")
	return errs.Err()
}

// NewAppServer builds the demo application server and binds its address.
func NewAppServer(cfg AppServerConfig) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger.With("part", "appserver")
	app, err := appserver.New(appserver.Config{PublicKey: cfg.PublicKey, Dir: cfg.Dir, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("app server: %w", err)
	}
	return listen("app server", cfg.Addr, app, log)
}
