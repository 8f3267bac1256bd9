package webhook

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/problems"
)

// Path is where the handler is mounted: POST /v1/webhooks/payments.
const Path = "/v1/webhooks/payments"

// Config configures a Handler.
type Config struct {
	// Secrets are the endpoint signing secrets (whsec_...). A request is
	// accepted when it is signed with any of them, so a new secret can be
	// added before the old one is retired. Required.
	Secrets []string
	// Publisher receives the mapped details; a request is answered 2xx only
	// after Publish returned nil. Required.
	Publisher events.Publisher
	// Tolerance is how far the signature timestamp may be from now, either
	// side. Default 300 s.
	Tolerance time.Duration
	// MaxBodyBytes bounds the request body; larger bodies get 413.
	// Default 1 MiB.
	MaxBodyBytes int64
	// PublishTimeout bounds one Publish call. Default 10 s.
	PublishTimeout time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives one line per request; never secrets or signatures.
	// Default discards.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	c.Tolerance = cmp.Or(c.Tolerance, 300*time.Second)
	c.MaxBodyBytes = cmp.Or(c.MaxBodyBytes, 1<<20)
	c.PublishTimeout = cmp.Or(c.PublishTimeout, 10*time.Second)
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
}

// Validate reports every problem of the configuration.
func (c Config) Validate() error {
	var errs problems.List
	errs.If(len(c.Secrets) == 0, "no webhook secrets")
	for i, s := range c.Secrets {
		errs.If(s == "", "webhook secret %d is empty", i)
	}
	errs.If(c.Publisher == nil, "publisher is nil")
	errs.If(c.Tolerance < 0, "tolerance is negative")
	errs.If(c.MaxBodyBytes < 0, "max body bytes is negative")
	errs.If(c.PublishTimeout < 0, "publish timeout is negative")
	return errs.Err()
}
