package licensepush

import (
	"cmp"
	"crypto/ed25519"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// Config configures the license-push stage. New calls setDefaults and
// Validate.
type Config struct {
	// DB stores latest licenses, servers per company and delivered serials.
	// Required.
	DB *sqlstore.DB
	// Publisher receives License Delivered each time the stage knows a
	// server holds a company's latest license. Required.
	Publisher events.Publisher
	// PublicKey verifies license files before anything else. Required.
	PublicKey ed25519.PublicKey
	// AllowedCIDRs are the only networks deliveries may reach (the app
	// servers' private subnets). Loopback is reachable only if listed;
	// link-local and instance-metadata addresses never are. Required.
	AllowedCIDRs []netip.Prefix
	// HTTPClient supplies the delivery timeout (default 30s). Its Transport
	// is never used: deliveries always go through the guarded transport,
	// without proxy and without following redirects.
	HTTPClient *http.Client
	// Resolver resolves app server names. Default net.DefaultResolver.
	Resolver *net.Resolver
	// Logger receives one line per delivery. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

func (c *Config) setDefaults() {
	c.HTTPClient = cmp.Or(c.HTTPClient, &http.Client{Timeout: 30 * time.Second})
	c.Resolver = cmp.Or(c.Resolver, net.DefaultResolver)
	c.Logger = cmp.Or(c.Logger, slog.Default())
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports every invalid field.
func (c *Config) Validate() error {
	var errs problems.List
	errs.If(c.DB == nil, "db is required")
	errs.If(c.Publisher == nil, "publisher is required")
	errs.If(len(c.PublicKey) != ed25519.PublicKeySize, "public key has %d bytes, want %d", len(c.PublicKey), ed25519.PublicKeySize)
	errs.If(len(c.AllowedCIDRs) == 0, "at least one allowed CIDR is required")
	for _, p := range c.AllowedCIDRs {
		errs.If(!p.IsValid(), "allowed CIDR %v is invalid", p)
		errs.If(p.IsValid() && p.Bits() == 0, "allowed CIDR %v allows every address", p)
	}
	return errs.Err()
}
