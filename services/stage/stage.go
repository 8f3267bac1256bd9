// Package stage holds what the configurations of the event-driven services
// (the stages and the signup edge) share: the store a service keeps its
// state in, the publisher of the events it emits, its clock and its logger.
// Each service's Config embeds Deps and adds its own fields.
package stage

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// Deps is what a service needs from its surroundings.
type Deps struct {
	// DB stores the service's tables; the service's New runs its
	// migrations on it. Required.
	DB *sqlstore.DB
	// Publisher receives the events the service emits. Required.
	Publisher events.Publisher
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives the service's log lines. Default slog.Default().
	Logger *slog.Logger
}

// SetDefaults fills in the clock and the logger when unset.
func (d *Deps) SetDefaults() {
	if d.Now == nil {
		d.Now = time.Now
	}
	d.Logger = cmp.Or(d.Logger, slog.Default())
}

// Validate reports every missing required field.
func (d *Deps) Validate() error {
	var errs problems.List
	errs.If(d.DB == nil, "db is required")
	errs.If(d.Publisher == nil, "publisher is required")
	return errs.Err()
}
