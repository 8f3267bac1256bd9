package signup

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/plans"
)

// Config configures the signup edge. New calls setDefaults and Validate.
type Config struct {
	// Publisher receives the request events. Required.
	Publisher events.Publisher
	// TokenSecret is the HMAC-SHA256 key of bearer tokens; at least 32
	// bytes. Required.
	TokenSecret []byte
	// PreviousTokenSecrets still verify tokens (never sign them) while a
	// secret is being rotated out.
	PreviousTokenSecrets [][]byte
	// TokenTTL is how long an issued token stays valid. Default 12h.
	TokenTTL time.Duration
	// AppServers is the pool of application servers ("host:port", internal
	// addresses) sessions are assigned to. Required.
	AppServers []string
	// Plans is the owner's plan catalogue, whose trial allowance and the
	// licenses' seats bound a company's users (Handler.Plans). Default
	// plans.Default().
	Plans plans.Catalogue

	// ClientRate and ClientBurst bound requests per client address (token
	// bucket: Rate per second, Burst at once). Defaults 5/s, burst 20.
	ClientRate  float64
	ClientBurst int
	// CompanyRate and CompanyBurst bound authenticated requests per company.
	// Defaults 10/s, burst 50.
	CompanyRate  float64
	CompanyBurst int
	// MaxLimiterKeys bounds the memory of each rate limiter. Default 100000.
	MaxLimiterKeys int
	// TrustForwardedFor makes the client address the last entry of
	// X-Forwarded-For (set it only behind a proxy that appends it). The
	// Lambda entry uses API Gateway's source IP regardless.
	TrustForwardedFor bool
	// MaxBodyBytes bounds request bodies (413 above). Default 64 KiB.
	MaxBodyBytes int64

	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives one line per request outcome. Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Plans.IsZero() {
		c.Plans = plans.Default()
	}
	c.TokenTTL = cmp.Or(c.TokenTTL, 12*time.Hour)
	c.ClientRate = cmp.Or(c.ClientRate, 5)
	c.ClientBurst = cmp.Or(c.ClientBurst, 20)
	c.CompanyRate = cmp.Or(c.CompanyRate, 10)
	c.CompanyBurst = cmp.Or(c.CompanyBurst, 50)
	c.MaxLimiterKeys = cmp.Or(c.MaxLimiterKeys, 100000)
	c.MaxBodyBytes = cmp.Or(c.MaxBodyBytes, 64<<10)
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every invalid field.
func (c *Config) Validate() error {
	var errs []error
	if c.Publisher == nil {
		errs = append(errs, errors.New("publisher is required"))
	}
	if len(c.TokenSecret) < minSecretLen {
		errs = append(errs, fmt.Errorf("token secret has %d bytes, want at least %d", len(c.TokenSecret), minSecretLen))
	}
	for i, s := range c.PreviousTokenSecrets {
		if len(s) < minSecretLen {
			errs = append(errs, fmt.Errorf("previous token secret %d has %d bytes, want at least %d", i, len(s), minSecretLen))
		}
	}
	if c.TokenTTL < 0 {
		errs = append(errs, errors.New("token ttl is negative"))
	}
	if len(c.AppServers) == 0 {
		errs = append(errs, errors.New("at least one app server is required"))
	}
	if err := c.Plans.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("plans: %w", err))
	}
	seen := map[string]bool{}
	for _, s := range c.AppServers {
		if err := validAppServer(s); err != nil {
			errs = append(errs, err)
		}
		if seen[s] {
			errs = append(errs, fmt.Errorf("app server %q listed twice", s))
		}
		seen[s] = true
	}
	if c.ClientRate < 0 || c.ClientBurst < 0 || c.CompanyRate < 0 || c.CompanyBurst < 0 {
		errs = append(errs, errors.New("rate limits must not be negative"))
	}
	if c.MaxLimiterKeys < 0 {
		errs = append(errs, errors.New("max limiter keys is negative"))
	}
	if c.MaxBodyBytes < 0 {
		errs = append(errs, errors.New("max body bytes is negative"))
	}
	return errors.Join(errs...)
}

// validAppServer accepts host:port with a numeric port, as the Session
// Requested schema does.
func validAppServer(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("app server %q: %w", s, err)
	}
	if host == "" || port == "" || len(s) > 261 {
		return fmt.Errorf("app server %q: want host:port", s)
	}
	for _, r := range port {
		if r < '0' || r > '9' {
			return fmt.Errorf("app server %q: port is not numeric", s)
		}
	}
	return nil
}
