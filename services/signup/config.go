package signup

import (
	"cmp"
	"fmt"
	"net"
	"time"

	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/plans"
	"github.com/licenseflow/licenseflow/services/stage"
)

// Config configures the signup edge. New calls setDefaults and Validate.
type Config struct {
	// Deps: DB is the store the edge keeps its own tables in (companies
	// and users it admitted, credentials, sessions and tokens, invitations,
	// failed sign-ins) and reads the user-signup stage's from (licenses,
	// deliveries, app sessions); the Publisher receives the request events;
	// the Logger receives one line per request outcome.
	stage.Deps
	// TokenSecret is the HMAC-SHA256 key of bearer tokens; at least 32
	// bytes. Required.
	TokenSecret []byte
	// PreviousTokenSecrets still verify tokens (never sign them) while a
	// secret is being rotated out.
	PreviousTokenSecrets [][]byte
	// TokenTTL is how long an issued API token stays valid. Default 12h.
	TokenTTL time.Duration
	// SessionTTL is how long a web session lasts. Default 12h.
	SessionTTL time.Duration
	// InvitationTTL is how long an invitation link can be used (once).
	// Default 72h.
	InvitationTTL time.Duration
	// Passwords are argon2id's costs; zero fields are OWASP's defaults.
	// HashConcurrency bounds the hashes computed at once (each takes
	// Passwords.MemoryKiB). Default 2.
	Passwords       PasswordParams
	HashConcurrency int
	// MinPasswordLength is the shortest password accepted, in characters.
	// Default 12.
	MinPasswordLength int
	// LoginFailures is how many failed sign-ins an account may have in
	// LoginWindow before sign-in is refused for the rest of the window;
	// ClientLoginFailures the same per client address. Defaults 5 and 20
	// in 15 minutes.
	LoginFailures       int
	ClientLoginFailures int
	LoginWindow         time.Duration
	// LiveWait is how long a page's live stream is held open waiting for
	// a change (a license landing on a server) before the browser is told
	// to reconnect. Through API Gateway, which answers a Lambda whole, it
	// is 0: the browser polls. Default 20s.
	LiveWait time.Duration
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
	// FlushInterval is how often the outbox's leftovers are published: by
	// Run, or by a Lambda's invocations (see Handler.Lambda). Default 5s.
	FlushInterval time.Duration
}

func (c *Config) setDefaults() {
	c.Plans = c.Plans.OrDefault()
	c.TokenTTL = cmp.Or(c.TokenTTL, 12*time.Hour)
	c.SessionTTL = cmp.Or(c.SessionTTL, 12*time.Hour)
	c.InvitationTTL = cmp.Or(c.InvitationTTL, 72*time.Hour)
	c.Passwords.setDefaults()
	c.HashConcurrency = cmp.Or(c.HashConcurrency, 2)
	c.MinPasswordLength = cmp.Or(c.MinPasswordLength, 12)
	c.LoginFailures = cmp.Or(c.LoginFailures, 5)
	c.ClientLoginFailures = cmp.Or(c.ClientLoginFailures, 20)
	c.LoginWindow = cmp.Or(c.LoginWindow, 15*time.Minute)
	c.LiveWait = cmp.Or(c.LiveWait, 20*time.Second)
	c.ClientRate = cmp.Or(c.ClientRate, 5)
	c.ClientBurst = cmp.Or(c.ClientBurst, 20)
	c.CompanyRate = cmp.Or(c.CompanyRate, 10)
	c.CompanyBurst = cmp.Or(c.CompanyBurst, 50)
	c.MaxLimiterKeys = cmp.Or(c.MaxLimiterKeys, 100000)
	c.MaxBodyBytes = cmp.Or(c.MaxBodyBytes, 64<<10)
	c.FlushInterval = cmp.Or(c.FlushInterval, 5*time.Second)
	c.Deps.SetDefaults()
}

// Validate reports every invalid field.
func (c *Config) Validate() error {
	var errs problems.List
	errs.Add(c.Deps.Validate())
	errs.If(len(c.TokenSecret) < minSecretLen, "token secret has %d bytes, want at least %d", len(c.TokenSecret), minSecretLen)
	for i, s := range c.PreviousTokenSecrets {
		errs.If(len(s) < minSecretLen, "previous token secret %d has %d bytes, want at least %d", i, len(s), minSecretLen)
	}
	errs.If(c.TokenTTL < 0 || c.SessionTTL < 0 || c.InvitationTTL < 0 || c.LoginWindow < 0 || c.LiveWait < 0 || c.FlushInterval < 0, "durations must not be negative")
	errs.If(c.MinPasswordLength < 8, "minimum password length %d is below 8", c.MinPasswordLength)
	errs.If(c.LoginFailures < 1 || c.ClientLoginFailures < 1, "login failure limits must be at least 1")
	errs.If(len(c.AppServers) == 0, "at least one app server is required")
	errs.Wrap("plans", c.Plans.Validate())
	seen := map[string]bool{}
	for _, s := range c.AppServers {
		errs.Add(validAppServer(s))
		errs.If(seen[s], "app server %q listed twice", s)
		seen[s] = true
	}
	errs.If(c.ClientRate < 0 || c.ClientBurst < 0 || c.CompanyRate < 0 || c.CompanyBurst < 0, "rate limits must not be negative")
	errs.If(c.MaxLimiterKeys < 0, "max limiter keys is negative")
	errs.If(c.MaxBodyBytes < 0, "max body bytes is negative")
	return errs.Err()
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
