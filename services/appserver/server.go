package appserver

import (
	"cmp"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/httpapi"
	"github.com/licenseflow/licenseflow/internal/problems"
)

// Config configures the demo application server's license endpoint.
type Config struct {
	// PublicKey verifies license signatures. Required unless Holder is set.
	PublicKey ed25519.PublicKey
	// Holder holds the licenses; default a new Holder with PublicKey, Dir
	// and Now.
	Holder *Holder
	// Dir persists licenses (used only when Holder is nil).
	Dir string
	// AllowedSources, when not empty, restricts PUT to clients whose
	// address is inside one of them (403 otherwise). GET is open.
	AllowedSources []netip.Prefix
	// MaxBodyBytes bounds a PUT body (413 above). Default 128 KiB.
	MaxBodyBytes int64
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives one line per install. Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	c.MaxBodyBytes = cmp.Or(c.MaxBodyBytes, 128<<10)
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Logger = cmp.Or(c.Logger, slog.Default())
}

// Validate reports every invalid field.
func (c *Config) Validate() error {
	var errs problems.List
	if c.Holder == nil {
		errs.Add(license.CheckPublicKey(c.PublicKey))
	}
	for _, p := range c.AllowedSources {
		errs.If(!p.IsValid(), "allowed source %v is not a valid prefix", p)
	}
	errs.If(c.MaxBodyBytes < 0, "max body bytes is negative")
	return errs.Err()
}

// Server is the demo application server's http.Handler.
type Server struct {
	cfg    Config
	holder *Holder
	mux    *http.ServeMux
}

// New returns the server for cfg.
func New(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("appserver config: %w", err)
	}
	h := cfg.Holder
	if h == nil {
		var err error
		h, err = NewHolder(HolderConfig{PublicKey: cfg.PublicKey, Dir: cfg.Dir, Now: cfg.Now, Logger: cfg.Logger})
		if err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, holder: h, mux: http.NewServeMux()}
	s.mux.HandleFunc("PUT /v1/licenses/{company_id}", s.put)
	s.mux.HandleFunc("GET /v1/licenses/{company_id}", s.get)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return s, nil
}

// Holder returns the licenses the server holds.
func (s *Server) Holder() *Holder { return s.holder }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// installResult is the body of a successful PUT.
type installResult struct {
	CompanyID string `json:"company_id"`
	Serial    int64  `json:"serial"`
	Outcome   string `json:"outcome"`
}

// put installs a license file: 200 installed or unchanged; 400 malformed;
// 403 source not allowed; 409 not newer, or expired with no older license
// to end (nothing to install; the sender is done); 413 too large; 422 bad
// signature or another company's license.
func (s *Server) put(w http.ResponseWriter, r *http.Request) {
	company := r.PathValue("company_id")
	if !s.sourceAllowed(r) {
		httpapi.WriteError(w, http.StatusForbidden, "source_not_allowed", "this address may not install licenses")
		return
	}
	file, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpapi.WriteError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("license file exceeds %d bytes", s.cfg.MaxBodyBytes))
			return
		}
		httpapi.WriteError(w, http.StatusBadRequest, "bad_body", "reading the body failed")
		return
	}
	lic, outcome, err := s.holder.InstallFor(company, file)
	log := s.cfg.Logger.With("company_id", company, "remote", r.RemoteAddr)
	switch {
	case err == nil:
		log.Info("appserver: license "+outcome.String(), "serial", lic.Serial, "plan", lic.Plan, "status", lic.Status,
			"expires_in", lic.ExpiresAt.Sub(s.cfg.Now()).Round(time.Second))
		httpapi.WriteJSON(w, http.StatusOK, installResult{CompanyID: lic.CompanyID, Serial: lic.Serial, Outcome: outcome.String()})
		return
	case errors.Is(err, ErrMalformed):
		httpapi.WriteError(w, http.StatusBadRequest, "malformed_license", err.Error())
	case errors.Is(err, ErrSignature):
		httpapi.WriteError(w, http.StatusUnprocessableEntity, "bad_signature", err.Error())
	case errors.Is(err, ErrCompanyMismatch):
		httpapi.WriteError(w, http.StatusUnprocessableEntity, "company_mismatch", err.Error())
	case errors.Is(err, ErrExpired):
		httpapi.WriteError(w, http.StatusConflict, "expired_license", err.Error())
	case errors.Is(err, ErrStale):
		if cur, _, ok := s.holder.Current(company); ok {
			w.Header().Set("X-License-Serial", strconv.FormatInt(cur.Serial, 10))
		}
		httpapi.WriteError(w, http.StatusConflict, "stale_license", err.Error())
	default:
		log.Error("appserver: installing license failed", "err", err)
		httpapi.WriteError(w, http.StatusInternalServerError, "internal", "installing the license failed")
		return
	}
	log.Info("appserver: license refused", "err", err)
}

// get answers the company's license file.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	company := r.PathValue("company_id")
	lic, file, ok := s.holder.Current(company)
	if !ok {
		httpapi.WriteError(w, http.StatusNotFound, "no_license", "no license held for this company")
		return
	}
	w.Header().Set("Content-Type", "application/x-licenseflow-license")
	w.Header().Set("X-License-Serial", strconv.FormatInt(lic.Serial, 10))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(file)
}

// sourceAllowed applies AllowedSources to the client address.
func (s *Server) sourceAllowed(r *http.Request) bool {
	if len(s.cfg.AllowedSources) == 0 {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.cfg.AllowedSources {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
