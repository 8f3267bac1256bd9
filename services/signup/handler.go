// Package signup is the signup edge: the user application in a browser
// and its JSON API (both also behind API Gateway as a Lambda). Companies
// sign up with their admin, people sign in with a password, admins add
// users (with a one-time invitation link) and disable them, and a user
// opens the application, which assigns an application server.
//
// The edge admits synchronously what a person waits for, in tables of its
// own (see migrations/): companies and the seats their users hold, users'
// credentials (argon2id) and status, web sessions and API tokens (both
// signed tokens naming a stored session, so ending it revokes them at
// once), invitations and failed sign-ins. Everything it admits it also
// publishes as an event for the user-signup stage (accounts), the system
// of record the other stages hear from: through an outbox (see outbox.go),
// the event is stored in the same transaction as the write it announces
// and published after commit, so a crash at any point loses no accepted
// request's event. It reads that stage's tables only
// through accounts.Directory, for what others learn asynchronously: the
// company's license, which license an app server holds, app sessions.
//
// Web pages (see web.go) work without JavaScript; every form carries a
// CSRF token bound to the browser and the session.
//
// API routes:
//
//	POST /v1/signup                          -> 202 {"company_id","admin_user_id","token"}
//	POST /v1/companies/{company_id}/users    -> 202 {"user_id","token","invitation_url"}  (admin token of that company)
//	POST /v1/companies/{company_id}/users/{user_id}/disable -> 202 {"user_id","status"}  (admin token)
//	POST /v1/sessions                        -> 202 {"session_id","app_server"} (any user token)
//
// Errors are JSON {"error":{"code","message"}}: 400 malformed or invalid,
// 401 missing/invalid/expired/revoked token, 403 another company or not an
// admin, 404 no such user, 409 email_taken or seat_limit, 413 body over the
// limit, 415 not JSON, 429 rate limited (Retry-After), 503 the request
// could not be recorded: the store failed, or (POST /v1/sessions, whose
// event is all it records) the bus did not accept the event; nothing was
// created, retry. A request that stored its write is answered 202 even if
// the bus did not take its event yet: the outbox publishes it later.
package signup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/httpapi"
	"github.com/licenseflow/licenseflow/internal/webui"
	"github.com/licenseflow/licenseflow/plans"
	"github.com/licenseflow/licenseflow/services/accounts"
)

// Handler is the signup edge's http.Handler. It is safe for concurrent
// use.
type Handler struct {
	cfg       Config
	tokens    *Tokens
	assign    assigner
	clients   *limiter
	companies *limiter
	store     *store
	dir       *accounts.Directory
	hash      *hasher
	site      *webui.Site
	mux       *http.ServeMux
	routes    []string
	// flushMu lets one Flush at a time publish the outbox; lastFlush is
	// when the last Lambda invocation's flush started (Unix ms, 0 never).
	flushMu   sync.Mutex
	lastFlush atomic.Int64
}

// Plans is the plan catalogue the edge was configured with.
func (h *Handler) Plans() plans.Catalogue { return h.cfg.Plans }

// New migrates the edge's tables (and the user-signup stage's, which it
// reads) and returns the edge handler for cfg.
func New(ctx context.Context, cfg Config) (*Handler, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("signup config: %w", err)
	}
	tokens, err := NewTokens(cfg.TokenSecret, cfg.PreviousTokenSecrets...)
	if err != nil {
		return nil, fmt.Errorf("signup config: %w", err)
	}
	if err := cfg.DB.MigrateDir(ctx, Component, migrations, "migrations"); err != nil {
		return nil, err
	}
	dir, err := accounts.OpenDirectory(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		cfg:       cfg,
		tokens:    tokens,
		assign:    assigner{servers: append([]string(nil), cfg.AppServers...)},
		clients:   newLimiter(cfg.ClientRate, cfg.ClientBurst, cfg.MaxLimiterKeys),
		companies: newLimiter(cfg.CompanyRate, cfg.CompanyBurst, cfg.MaxLimiterKeys),
		store:     &store{db: cfg.DB},
		dir:       dir,
		hash:      newHasher(cfg.Passwords, cfg.HashConcurrency),
		mux:       http.NewServeMux(),
	}
	for path, e := range map[string]endpoint{
		"/v1/signup":                       h.signup,
		"/v1/companies/{company_id}/users": h.authorized(h.admin, h.addUser),
		"/v1/companies/{company_id}/users/{user_id}/disable": h.authorized(h.admin, h.disableUserAPI),
		"/v1/sessions": h.authorized(h.authenticate, h.session),
	} {
		h.mux.HandleFunc(path, h.route(e))
		h.routes = append(h.routes, "POST "+path)
	}
	h.mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(http.StatusNotFound, "not_found", "no route %s", r.URL.Path))
	})
	web, err := h.webRoutes()
	if err != nil {
		return nil, fmt.Errorf("signup web pages: %w", err)
	}
	h.mux.Handle("/", web)
	return h, nil
}

// Routes lists what the edge serves ("METHOD /path", sorted), each of
// which API Gateway must route to it.
func (h *Handler) Routes() []string { return slices.Sorted(slices.Values(h.routes)) }

// Tokens returns the token issuer and verifier the handler uses.
func (h *Handler) Tokens() *Tokens { return h.tokens }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// endpoint handles one POST route and returns the 202 body or an error.
type endpoint func(w http.ResponseWriter, r *http.Request) (any, *apiError)

// userEndpoint handles one POST route for the signed-in user u.
type userEndpoint func(w http.ResponseWriter, r *http.Request, u login) (any, *apiError)

// authorized is the endpoint that runs e for the user admit finds (the
// bearer of the request's token with h.authenticate, or an admin of the
// path's company with h.admin); it refuses the request with admit's error
// otherwise.
func (h *Handler) authorized(admit func(*http.Request) (login, *apiError), e userEndpoint) endpoint {
	return func(w http.ResponseWriter, r *http.Request) (any, *apiError) {
		u, aerr := admit(r)
		if aerr != nil {
			return nil, aerr
		}
		return e(w, r, u)
	}
}

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

// authenticate returns the user of the request's bearer token, whose
// session must still live and whose user must be active, and takes a
// token of the company's rate limit.
func (h *Handler) authenticate(r *http.Request) (login, *apiError) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return login{}, errorf(http.StatusUnauthorized, "unauthorized", "a bearer token is required")
	}
	u, err := h.signedIn(r.Context(), strings.TrimSpace(tok), kindAPI)
	if err != nil {
		code := "invalid_token"
		switch {
		case errors.Is(err, ErrTokenExpired):
			code = "token_expired"
		case errors.Is(err, ErrNoAccount):
			code = "token_revoked"
		case !errors.Is(err, ErrTokenInvalid):
			e := errorf(http.StatusServiceUnavailable, "unavailable", "the token could not be checked; retry later")
			e.cause = err
			return login{}, e
		}
		return login{}, errorf(http.StatusUnauthorized, code, "bearer token is invalid, expired or revoked")
	}
	if ok, wait := h.companies.allow(u.CompanyID, h.cfg.Now()); !ok {
		return login{}, &apiError{status: http.StatusTooManyRequests, code: "rate_limited", msg: "too many requests for this company", retryAfter: wait}
	}
	return u, nil
}

// publish sends d, a request event with no write of the edge's to
// announce, to the bus; a failure is a 503 and nothing is claimed.
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
