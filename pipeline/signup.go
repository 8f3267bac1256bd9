package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/plans"
	"github.com/licenseflow/licenseflow/services/signup"
)

// SignupConfig configures the companies, users and sessions edge.
// NewSignup calls setDefaults and Validate.
type SignupConfig struct {
	// TokenSecret signs bearer tokens. Required.
	TokenSecret []byte
	// AppServers is the pool sessions are assigned to ("host:port").
	// Required.
	AppServers []string
	// Plans is the owner's plan catalogue (seats, trial allowance).
	// Default plans.Default().
	Plans plans.Catalogue
	// Bus receives the request events. Required.
	Bus Bus
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

func (c *SignupConfig) setDefaults() {
	c.Bus.setDefaults()
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every problem with the configuration.
func (c *SignupConfig) Validate() error {
	var errs []error
	if len(c.TokenSecret) == 0 {
		errs = append(errs, errors.New("signup: a token secret is required"))
	}
	if len(c.AppServers) == 0 {
		errs = append(errs, errors.New("signup: at least one app server is required"))
	}
	if err := c.Bus.validate(); err != nil {
		errs = append(errs, fmt.Errorf("signup: %w", err))
	}
	return errors.Join(errs...)
}

// NewSignup builds the signup edge: POST /v1/signup,
// /v1/companies/{id}/users and /v1/sessions.
func NewSignup(cfg SignupConfig) (*Edge, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newEdge("signup", cfg.Bus, cfg.Logger, func(pub events.Publisher, log *slog.Logger) (edgeHandler, error) {
		return signup.New(signup.Config{Publisher: pub, TokenSecret: cfg.TokenSecret, AppServers: cfg.AppServers,
			Plans: cfg.Plans, Logger: log})
	},
		Route{Pattern: "/v1/signup", Name: "signup"},
		Route{Pattern: "/v1/companies/", Name: "users"},
		Route{Pattern: "/v1/sessions", Name: "sessions"})
}
