package accounts

import (
	"cmp"
	"errors"
	"log/slog"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// Config configures the user-signup stage. New calls setDefaults and
// Validate.
type Config struct {
	// DB stores companies, users and sessions. Required.
	DB *sqlstore.DB
	// Publisher receives Company Created, User Added and Session Started.
	// Required.
	Publisher events.Publisher
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
	var errs []error
	if c.DB == nil {
		errs = append(errs, errors.New("db is required"))
	}
	if c.Publisher == nil {
		errs = append(errs, errors.New("publisher is required"))
	}
	return errors.Join(errs...)
}
