package licensepush

import (
	"cmp"
	"crypto/ed25519"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/problems"
	"github.com/licenseflow/licenseflow/services/stage"
)

// Config configures the license-push stage. New calls setDefaults and
// Validate.
type Config struct {
	// Deps: the stage stores latest licenses, servers per company and
	// delivered serials in DB, and publishes License Delivered each time it
	// knows a server holds a company's latest license; the Logger receives
	// one line per delivery.
	stage.Deps
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
}

func (c *Config) setDefaults() {
	c.Deps.SetDefaults()
	c.HTTPClient = cmp.Or(c.HTTPClient, &http.Client{Timeout: 30 * time.Second})
	c.Resolver = cmp.Or(c.Resolver, net.DefaultResolver)
}

// Validate reports every invalid field.
func (c *Config) Validate() error {
	var errs problems.List
	errs.Add(c.Deps.Validate())
	errs.Add(license.CheckPublicKey(c.PublicKey))
	errs.If(len(c.AllowedCIDRs) == 0, "at least one allowed CIDR is required")
	for _, p := range c.AllowedCIDRs {
		errs.If(!p.IsValid(), "allowed CIDR %v is invalid", p)
		errs.If(p.IsValid() && p.Bits() == 0, "allowed CIDR %v allows every address", p)
	}
	return errs.Err()
}
