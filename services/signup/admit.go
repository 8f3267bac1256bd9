package signup

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/events/license"
)

// What the web pages and the JSON API share: each operation admits a
// change in the edge's tables together with its event in the outbox (one
// transaction) and then publishes the event, or admits nothing. Once the
// transaction committed the request is accepted, also when the bus does
// not take the event at once: the outbox publishes it later (outbox.go).

// signedIn returns the active user of a token (a bearer token or a session
// cookie) whose session of kind still lives. Errors wrap ErrTokenInvalid,
// ErrTokenExpired or ErrNoAccount (revoked, ended, or the user disabled).
func (h *Handler) signedIn(ctx context.Context, token, kind string) (login, error) {
	now := h.cfg.Now()
	c, err := h.tokens.Verify(token, now)
	if err != nil {
		return login{}, err
	}
	u, err := h.store.sessionLogin(ctx, c.SessionID, kind, now)
	if err != nil {
		return login{}, err
	}
	if u.UserID != c.UserID || u.CompanyID != c.CompanyID {
		return login{}, fmt.Errorf("%w: session of another user", ErrTokenInvalid)
	}
	return u, nil
}

// startSession stores a session of kind for u and returns its token.
func (h *Handler) startSession(ctx context.Context, u login, kind string, ttl time.Duration) (string, error) {
	g, tok, err := h.newGrant(u, kind, ttl)
	if err != nil {
		return "", err
	}
	if err := h.store.newSession(ctx, u.UserID, g); err != nil {
		return "", fmt.Errorf("starting a session: %w", err)
	}
	return tok, nil
}

// newGrant is a session of kind for u, lasting ttl from now, and its
// token, which is good once the session is stored (alone, or with u as it
// is admitted).
func (h *Handler) newGrant(u login, kind string, ttl time.Duration) (grant, string, error) {
	now := h.cfg.Now()
	g := grant{id: newID(prefixAuth), kind: kind, created: now, expires: now.Add(ttl)}
	tok, err := h.tokens.Issue(Claims{CompanyID: u.CompanyID, UserID: u.UserID, Role: u.Role, SessionID: g.id, Expires: g.expires})
	return g, tok, err
}

// admitCompany admits a company with its admin (passwordHash "" for an
// admin who signs in with API tokens only), the admin's first session (of
// kind, lasting ttl) and its Company Signup Requested, in one transaction,
// then publishes the event and returns the session's token. A taken email
// or a store failure admits, starts and publishes nothing, so the same
// sign-up can be tried again.
func (h *Handler) admitCompany(r *http.Request, companyName, name, email, passwordHash, kind string, ttl time.Duration) (login, string, *apiError) {
	ctx := r.Context()
	now := h.cfg.Now().UTC()
	admin := login{UserID: newID(prefixUser), CompanyID: newID(prefixCompany), Name: strings.TrimSpace(name),
		Email: normalizeEmail(email), Role: events.RoleAdmin, Status: statusActive, PasswordHash: passwordHash, CreatedAt: now}
	taken, err := h.store.emailTaken(ctx, admin.Email)
	if taken {
		err = ErrEmailTaken
	}
	if e := storeError(err); e != nil {
		return login{}, "", e
	}
	g, tok, err := h.newGrant(admin, kind, ttl)
	if e := storeError(err); e != nil {
		return login{}, "", e
	}
	ev := h.newEvent(ctx, events.CompanySignupRequested{CompanyID: admin.CompanyID, CompanyName: strings.TrimSpace(companyName),
		AdminUserID: admin.UserID, AdminEmail: admin.Email, AdminName: admin.Name, RequestedAt: now})
	err = h.store.createCompany(ctx, company{ID: admin.CompanyID, Name: strings.TrimSpace(companyName)}, admin, g, ev)
	if e := storeError(err); e != nil {
		return login{}, "", e
	}
	h.announce(ctx, ev)
	return admin, tok, nil
}

// allowance is how many users company may have: its newest license's
// seats, or the plans' trial allowance before its first license.
func (h *Handler) allowance(ctx context.Context, companyID string) (int, *license.License, error) {
	lic, ok, err := h.dir.License(ctx, companyID)
	if err != nil || !ok {
		return h.cfg.Plans.UserAllowance(nil), nil, err
	}
	return h.cfg.Plans.UserAllowance(&lic), &lic, nil
}

// admitUser admits a user of admin's company if a seat is free, with a
// one-time invitation (its secret returned) and its User Add Requested, in
// one transaction, then publishes the event. status is statusInvited for a
// person who sets a password through the invitation, statusActive for an
// API user who holds a token at once: its first API token is stored in
// the same transaction and returned (so a failure leaves no user without
// one, and the add can be tried again).
func (h *Handler) admitUser(r *http.Request, admin login, email, name, role, status string) (u login, invite, token string, e *apiError) {
	ctx := r.Context()
	seats, _, err := h.allowance(ctx, admin.CompanyID)
	if err != nil {
		return login{}, "", "", storeError(err)
	}
	now := h.cfg.Now().UTC()
	u = login{UserID: newID(prefixUser), CompanyID: admin.CompanyID, Name: strings.TrimSpace(name), Email: normalizeEmail(email),
		Role: role, Status: status, CreatedAt: now}
	var g *grant
	if status == statusActive {
		var tg grant
		if tg, token, err = h.newGrant(u, kindAPI, h.cfg.TokenTTL); err != nil {
			return login{}, "", "", storeError(err)
		}
		g = &tg
	}
	invite = randomSecret()
	ev := h.newEvent(ctx, events.UserAddRequested{CompanyID: u.CompanyID, UserID: u.UserID, Email: u.Email, Name: u.Name,
		Role: role, RequestedBy: admin.UserID, RequestedAt: now})
	err = h.store.addUser(ctx, u, seats, invite, now.Add(h.cfg.InvitationTTL), g, ev)
	if errors.Is(err, ErrSeatLimit) {
		return login{}, "", "", errorf(http.StatusConflict, "seat_limit",
			"all %d seats of the company are taken: disable a user or move to a plan with more seats", seats)
	}
	if e := storeError(err); e != nil {
		return login{}, "", "", e
	}
	h.announce(ctx, ev)
	return u, invite, token, nil
}

// disableUser disables a user of admin's company at once (its sessions
// and tokens end, its seat is freed) with its User Disable Requested, in
// one transaction, then publishes the event. A user disabled before is
// announced again (the user-signup stage ignores the repeat).
func (h *Handler) disableUser(r *http.Request, admin login, userID string) *apiError {
	if userID == admin.UserID {
		return errorf(http.StatusConflict, "self", "you cannot disable yourself")
	}
	ctx := r.Context()
	ev := h.newEvent(ctx, events.UserDisableRequested{CompanyID: admin.CompanyID, UserID: userID, RequestedBy: admin.UserID,
		RequestedAt: h.cfg.Now().UTC()})
	if _, err := h.store.disable(ctx, admin.CompanyID, userID, ev); err != nil {
		if errors.Is(err, ErrNoAccount) {
			return errorf(http.StatusNotFound, "not_found", "no such user in your company")
		}
		return storeError(err)
	}
	h.announce(ctx, ev)
	return nil
}

// openApp requests a session of u on the company's application server.
// The edge stores nothing for it (the user-signup stage stores the
// session), so it needs no outbox: a failed publish is a 503 and nothing
// is claimed.
func (h *Handler) openApp(r *http.Request, u login) (events.SessionRequested, *apiError) {
	d := events.SessionRequested{SessionID: newID(prefixSession), CompanyID: u.CompanyID, UserID: u.UserID,
		AppServer: h.assign.pick(u.CompanyID), RequestedAt: h.cfg.Now().UTC()}
	return d, h.publish(r, d)
}

// storeError is the answer to a store failure: 409 for a taken email, 503
// for anything else (logged with its cause, never shown).
func storeError(err error) *apiError {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrEmailTaken):
		return errorf(http.StatusConflict, "email_taken", "an account with this email already exists")
	}
	e := errorf(http.StatusServiceUnavailable, "unavailable", "the request could not be recorded; retry later")
	e.cause = err
	return e
}

// randomSecret is 256 random bits, base64url: an invitation's secret.
func randomSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
