// Package accounts is the user-signup stage: it stores the companies, users
// (with their roles and status) and sessions the signup edge accepted, and
// announces them with Company Created, User Added, User Disabled and
// Session Started. It also records, for the user application, each
// company's newest license (License Issued, signature verified) and which
// license each application server holds (License Delivered); the edge
// reads all of it through Directory.
//
// Delivery is at least once and unordered. Handle is idempotent: each event
// id is recorded (sqlstore FirstTime) in the same transaction as its
// effect, and an entity already stored with the same content is a
// redelivery. An event an archive replay sent again (its replay-name is
// set) is judged again: what it describes is created if it is missing
// (also when it was refused before: the refusal is judged again), and
// nothing is announced for what is already stored, so a replay applies
// what a fix changed and repeats nothing else.
// A user or session whose company or user is not stored yet is a
// retryable error (its dependency is still on its way). Outcome events are
// published after commit; if publishing fails (or the process dies before
// it), the event is redelivered, finds its effect stored and publishes the
// same outcome again — consumers of outcome events are idempotent too.
package accounts

import (
	"context"
	"crypto/ed25519"
	"embed"
	"fmt"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/services/stage"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Component is the stage's name in the store's migrations and its consumer
// name for FirstTime.
const Component = "accounts"

// Config configures the user-signup stage. New calls setDefaults and
// Validate.
type Config struct {
	// Deps: the stage stores companies, users and sessions in DB and
	// publishes Company Created, User Added, User Disabled and Session
	// Started; the Logger receives one line per outcome.
	stage.Deps
	// PublicKey verifies the license files of License Issued: only a
	// license whose signature verifies is recorded. Required.
	PublicKey ed25519.PublicKey
}

func (c *Config) setDefaults() { c.Deps.SetDefaults() }

// Validate reports every invalid field.
func (c *Config) Validate() error {
	var errs problems.List
	errs.Add(c.Deps.Validate())
	errs.Add(license.CheckPublicKey(c.PublicKey))
	return errs.Err()
}

// Stage is the user-signup stage. Handle and the query methods are safe
// for concurrent use.
type Stage struct {
	cfg Config
	*Directory
}

// New migrates the stage's tables and returns the stage.
func New(ctx context.Context, cfg Config) (*Stage, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("accounts config: %w", err)
	}
	dir, err := OpenDirectory(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	return &Stage{cfg: cfg, Directory: dir}, nil
}

// Handle processes Company Signup Requested, User Add Requested and
// Session Requested events; it is an events.Handler. Invalid or
// conflicting requests are Permanent errors (the event is dead-lettered
// with the reason); store or publish failures and missing dependencies are
// retryable.
func (s *Stage) Handle(ctx context.Context, e events.Envelope) error {
	h, ok := handlers[e.DetailType]
	if !ok {
		return events.Permanent(fmt.Errorf("accounts does not handle %q events", e.DetailType))
	}
	fx, err := h(s, e)
	if err != nil {
		return err
	}
	return s.apply(ctx, e, fx)
}

// handlers gives each detail-type the stage handles the effect of its
// detail.
var handlers = map[string]func(*Stage, events.Envelope) (effect, error){
	events.TypeCompanySignup:        effectOf((*Stage).companySignup),
	events.TypeUserAddRequested:     effectOf((*Stage).addUser),
	events.TypeSessionRequested:     effectOf((*Stage).startSession),
	events.TypeUserDisableRequested: effectOf((*Stage).disableUser),
	events.TypeLicenseIssued:        effectOf((*Stage).recordLicense),
	events.TypeLicenseDelivered:     effectOf((*Stage).recordDelivery),
}

// effectOf decodes an event's detail as fn's D and returns fn's effect.
func effectOf[D any](fn func(*Stage, D) effect) func(*Stage, events.Envelope) (effect, error) {
	return func(s *Stage, e events.Envelope) (effect, error) {
		d, err := events.DetailAs[D](e)
		if err != nil {
			return nil, err
		}
		return fn(s, d), nil
	}
}

// outcome is what an event led to: details to publish, or a refusal.
type outcome struct {
	publish []events.Detail
	refused error
}

// apply runs effect in a transaction with the event id's FirstTime mark,
// then publishes its outcome.
func (s *Stage) apply(ctx context.Context, e events.Envelope, fx effect) error {
	var out outcome
	err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		first, err := tx.FirstTime(ctx, Component, e.ID)
		if err != nil {
			return err
		}
		out, err = fx(ctx, tx, seen{first: first, replay: e.Replayed()})
		return err
	})
	log := s.cfg.Logger.With("event_id", e.ID, "detail_type", e.DetailType, "correlation_id", events.CorrelationID(ctx))
	if err != nil {
		if events.IsPermanent(err) {
			return err
		}
		return fmt.Errorf("%s: %w", e.DetailType, err)
	}
	if out.refused != nil {
		// Returned, not logged: the handler's caller logs it once.
		return events.Permanent(out.refused)
	}
	if err := s.cfg.Publisher.Publish(ctx, out.publish...); err != nil {
		return fmt.Errorf("publishing outcome of %s: %w", e.DetailType, err)
	}
	log.Info("accounts: stored and announced", "published", len(out.publish))
	return nil
}

// now is the stage's clock at the store's precision (milliseconds, UTC).
func (s *Stage) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }
