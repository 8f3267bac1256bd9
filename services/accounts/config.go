package accounts

import (
	"cmp"
	"crypto/ed25519"
	"log/slog"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// Config configures the user-signup stage. New calls setDefaults and
// Validate.
type Config struct {
	// DB stores companies, users and sessions. Required.
	DB *sqlstore.DB
	// Publisher receives Company Created, User Added, User Disabled and
	// Session Started. Required.
	Publisher events.Publisher
	// PublicKey verifies the license files of License Issued: only a
	// license whose signature verifies is recorded. Required.
	PublicKey ed25519.PublicKey
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives one line per outcome. Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every invalid field.
func (c *Config) Validate() error {
	var errs problems.List
	errs.If(c.DB == nil, "db is required")
	errs.If(c.Publisher == nil, "publisher is required")
	errs.If(len(c.PublicKey) != ed25519.PublicKeySize, "public key has %d bytes, want %d", len(c.PublicKey), ed25519.PublicKeySize)
	return errs.Err()
}
