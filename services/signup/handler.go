// Package signup is the stateless signup edge: the HTTP API (and its
// Lambda entry behind API Gateway) that accepts company signups, users added
// by an admin and user logins. It validates, authorises with signed bearer
// tokens, assigns ids and an application server, publishes one request
// event and answers 202: the user-signup stage stores the result.
//
// Routes:
//
//	POST /v1/signup                          -> 202 {"company_id","admin_user_id","token"}
//	POST /v1/companies/{company_id}/users    -> 202 {"user_id","token"}  (admin token of that company)
//	POST /v1/sessions                        -> 202 {"session_id","app_server"} (any user token)
//
// Errors are JSON {"error":{"code","message"}}: 400 malformed or invalid,
// 401 missing/invalid/expired token, 403 another company or not an admin,
// 413 body over the limit, 415 not JSON, 429 rate limited (Retry-After),
// 503 the bus did not accept the event (nothing was created; retry).
package signup

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/httpapi"
	"github.com/licenseflow/licenseflow/plans"
)

// Handler is the signup edge's http.Handler. It keeps no state but its
// rate limiters and is safe for concurrent use.
type Handler struct {
	cfg       Config
	tokens    *Tokens
	assign    assigner
	clients   *limiter
	companies *limiter
	mux       *http.ServeMux
}

// Plans is the plan catalogue the edge was configured with.
func (h *Handler) Plans() plans.Catalogue { return h.cfg.Plans }

// New returns the edge handler for cfg.
func New(cfg Config) (*Handler, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("signup config: %w", err)
	}
	tokens, err := NewTokens(cfg.TokenSecret, cfg.PreviousTokenSecrets...)
	if err != nil {
		return nil, fmt.Errorf("signup config: %w", err)
	}
	h := &Handler{
		cfg:       cfg,
		tokens:    tokens,
		assign:    assigner{servers: append([]string(nil), cfg.AppServers...)},
		clients:   newLimiter(cfg.ClientRate, cfg.ClientBurst, cfg.MaxLimiterKeys),
		companies: newLimiter(cfg.CompanyRate, cfg.CompanyBurst, cfg.MaxLimiterKeys),
		mux:       http.NewServeMux(),
	}
	h.mux.HandleFunc("/v1/signup", h.route(h.signup))
	h.mux.HandleFunc("/v1/companies/{company_id}/users", h.route(h.addUser))
	h.mux.HandleFunc("/v1/sessions", h.route(h.session))
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(http.StatusNotFound, "not_found", "no route %s", r.URL.Path))
	})
	return h, nil
}

// Tokens returns the token issuer and verifier the handler uses.
func (h *Handler) Tokens() *Tokens { return h.tokens }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// endpoint handles one POST route and returns the 202 body or an error.
type endpoint func(w http.ResponseWriter, r *http.Request) (any, *apiError)

// route applies what every route shares: POST only, correlation id, the
// per-client rate limit, and one log line per outcome.
func (h *Handler) route(e endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		corr := correlationID(r)
		w.Header().Set("X-Correlation-Id", corr)
		r = r.WithContext(events.WithCorrelationID(r.Context(), corr))
		log := h.cfg.Logger.With("path", r.URL.Path, "correlation_id", corr)
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, errorf(http.StatusMethodNotAllowed, "method_not_allowed", "use POST"))
			return
		}
		client := h.clientAddr(r)
		if ok, wait := h.clients.allow(client, h.cfg.Now()); !ok {
			log.Info("signup edge: client rate limited", "client", client)
			writeError(w, &apiError{status: http.StatusTooManyRequests, code: "rate_limited", msg: "too many requests from this client", retryAfter: wait})
			return
		}
		resp, aerr := e(w, r)
		if aerr != nil {
			lvl := slog.LevelInfo
			if aerr.status >= 500 {
				lvl = slog.LevelError
			}
			var cause any = aerr.msg
			if aerr.cause != nil {
				cause = aerr.cause
			}
			log.Log(r.Context(), lvl, "signup edge: request refused", "status", aerr.status, "code", aerr.code, "err", cause)
			writeError(w, aerr)
			return
		}
		httpapi.WriteJSON(w, http.StatusAccepted, resp)
	}
}

// clientAddr is the rate-limiting key of the caller: its IP address.
func (h *Handler) clientAddr(r *http.Request) string {
	if h.cfg.TrustForwardedFor {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// authenticate returns the claims of the request's bearer token and takes a
// token of the company's rate limit.
func (h *Handler) authenticate(r *http.Request) (Claims, *apiError) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return Claims{}, errorf(http.StatusUnauthorized, "unauthorized", "a bearer token is required")
	}
	c, err := h.tokens.Verify(strings.TrimSpace(tok), h.cfg.Now())
	if err != nil {
		code := "invalid_token"
		if errors.Is(err, ErrTokenExpired) {
			code = "token_expired"
		}
		return Claims{}, errorf(http.StatusUnauthorized, code, "bearer token is invalid or expired")
	}
	if ok, wait := h.companies.allow(c.CompanyID, h.cfg.Now()); !ok {
		return Claims{}, &apiError{status: http.StatusTooManyRequests, code: "rate_limited", msg: "too many requests for this company", retryAfter: wait}
	}
	return c, nil
}

// publish sends d to the bus; a failure is a 503 and nothing is claimed.
func (h *Handler) publish(r *http.Request, d events.Detail) *apiError {
	if err := h.cfg.Publisher.Publish(r.Context(), d); err != nil {
		e := errorf(http.StatusServiceUnavailable, "unavailable", "the request could not be recorded; retry later")
		e.cause = fmt.Errorf("publishing %s: %w", d.DetailType(), err)
		return e
	}
	return nil
}

// correlationID takes the caller's X-Correlation-Id when it is short and
// printable, or makes a new one.
func correlationID(r *http.Request) string {
	if id := r.Header.Get("X-Correlation-Id"); id != "" && len(id) <= 128 && printable(id) {
		return id
	}
	var b [12]byte
	rand.Read(b[:])
	return "req_" + hex.EncodeToString(b[:])
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
