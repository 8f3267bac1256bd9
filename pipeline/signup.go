package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/plans"
	"github.com/licenseflow/licenseflow/services/signup"
	"github.com/licenseflow/licenseflow/services/stage"
)

// SignupConfig configures the signup edge: the user application's pages
// and its JSON API; its bus receives the request events. NewSignup calls
// setDefaults and Validate.
type SignupConfig struct {
	EdgeConfig
	// Store is the store URL ("sqlite:PATH" or postgres://): the edge's
	// own tables (credentials, sessions, invitations, seats), and the
	// user-signup stage's it reads. Required.
	Store string
	// Passwords are argon2id's costs (zero: OWASP's); tests lower them.
	Passwords signup.PasswordParams
	// ClientRate and ClientBurst bound requests per client address (zero:
	// the edge's defaults, 5/s with bursts of 20).
	ClientRate  float64
	ClientBurst int
	// TokenSecret signs bearer tokens. Required.
	TokenSecret []byte
	// AppServers is the pool sessions are assigned to ("host:port").
	// Required.
	AppServers []string
	// Plans is the owner's plan catalogue (seats, trial allowance).
	// Default plans.Default().
	Plans plans.Catalogue
	// FlushInterval is how often the edge publishes what its outbox still
	// holds (events whose publishing failed): the edge server's Run flushes
	// at start and then every interval, a Lambda before serving. Default
	// 5 s.
	FlushInterval time.Duration

	// db, when set, is the open store at Store, shared with other parts.
	db *sqlstore.DB
}

// Validate reports every problem with the configuration.
func (c *SignupConfig) Validate() error {
	var errs problems.List
	errs.If(c.Store == "" && c.db == nil, "signup: a store is required")
	errs.If(len(c.TokenSecret) == 0, "signup: a token secret is required")
	errs.If(len(c.AppServers) == 0, "signup: at least one app server is required")
	errs.If(c.FlushInterval < 0, "signup: flush interval is negative")
	errs.Wrap("signup", c.Bus.validate())
	return errs.Err()
}

// NewSignup builds the signup edge: the web pages at / and the JSON API
// under /v1/. It opens (unless shared) and migrates the store. The edge
// server that serves it also runs the edge's outbox flush (signup's
// Handler.Run).
func NewSignup(ctx context.Context, cfg SignupConfig) (*Edge, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, closeDB := cfg.db, func() error { return nil }
	if db == nil {
		var err error
		if db, err = openStore(ctx, cfg.Store); err != nil {
			return nil, fmt.Errorf("signup: %w", err)
		}
		closeDB = db.Close
	}
	var h *signup.Handler
	e, err := newEdge("signup", cfg.EdgeConfig, func(pub events.Publisher, log *slog.Logger) (edgeHandler, error) {
		var err error
		h, err = signup.New(ctx, signup.Config{Deps: stage.Deps{DB: db, Publisher: pub, Logger: log}, TokenSecret: cfg.TokenSecret, AppServers: cfg.AppServers,
			Plans: cfg.Plans, Passwords: cfg.Passwords, ClientRate: cfg.ClientRate, ClientBurst: cfg.ClientBurst, FlushInterval: cfg.FlushInterval})
		return h, err
	},
		Route{Pattern: "/v1/signup", Name: "signup"},
		Route{Pattern: "/v1/companies/", Name: "users"},
		Route{Pattern: "/v1/sessions", Name: "sessions"},
		Route{Pattern: "/", Name: "web"})
	if err != nil {
		return nil, errors.Join(err, closeDB())
	}
	e.closers = append(e.closers, closeDB)
	e.background = append(e.background, h.Run)
	return e, nil
}
