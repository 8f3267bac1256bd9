package signup

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Component is the edge's name in the store's migrations.
const Component = "signup"

// Errors of the edge's store.
var (
	// ErrEmailTaken: an account with this email exists (in any company).
	ErrEmailTaken = errors.New("an account with this email already exists")
	// ErrSeatLimit: the company has as many users as its license allows.
	ErrSeatLimit = errors.New("every seat of the company is taken")
	// ErrNoAccount: no such user, session or invitation (or not one the
	// caller may see).
	ErrNoAccount = errors.New("not found")
)

// Login statuses.
const (
	statusInvited  = "invited"
	statusActive   = "active"
	statusDisabled = "disabled"
)

// Session kinds.
const (
	kindWeb = "web"
	kindAPI = "api"
)

// login is a user as the edge admitted it.
type login struct {
	UserID, CompanyID, Name, Email, Role, Status string
	PasswordHash                                 string
	CreatedAt                                    time.Time
}

// company is a company as the edge admitted it.
type company struct {
	ID, Name  string
	SeatsUsed int
}

// store is the edge's tables. It is safe for concurrent use.
type store struct{ db *sqlstore.DB }

func ms(t time.Time) int64 { return t.UnixMilli() }

func emailKey(email string) string { return strings.ToLower(email) }

// tokenHash is how a secret is kept: its SHA-256, hex.
func tokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

const loginColumns = `user_id, company_id, name, email, role, status, password_hash, created_at`

func scanLogin(sc sqlstore.Scanner) (login, error) {
	var l login
	var created int64
	err := sc.Scan(&l.UserID, &l.CompanyID, &l.Name, &l.Email, &l.Role, &l.Status, &l.PasswordHash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return login{}, ErrNoAccount
	}
	l.CreatedAt = time.UnixMilli(created).UTC()
	return l, err
}

func insertLogin(ctx context.Context, tx *sqlstore.Tx, l login) error {
	_, err := tx.Exec(ctx, `INSERT INTO sgn_logins (`+loginColumns+`, email_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.UserID, l.CompanyID, l.Name, l.Email, l.Role, l.Status, l.PasswordHash, ms(l.CreatedAt), emailKey(l.Email))
	if sqlstore.IsUniqueViolation(err) {
		return ErrEmailTaken
	}
	return err
}

// emailTaken reports whether an account has email (a pre-check; the
// unique key decides).
func (s *store) emailTaken(ctx context.Context, email string) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM sgn_logins WHERE email_key = ?`, emailKey(email)).Scan(&n)
	return n > 0, err
}

// grant is a session (web) or API token to store: with the user it signs
// in when admitting one, so that the user and its first session commit
// together (a user whose session failed would exist without a way in).
type grant struct {
	id, kind         string
	created, expires time.Time
}

func insertSession(ctx context.Context, tx *sqlstore.Tx, userID string, g grant) error {
	_, err := tx.Exec(ctx, `INSERT INTO sgn_sessions (session_id, user_id, kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		g.id, userID, g.kind, ms(g.created), ms(g.expires))
	return err
}

// createCompany admits a company with its admin, who holds its first seat
// and is signed in with session g, and stores ev in the outbox.
func (s *store) createCompany(ctx context.Context, c company, admin login, g grant, ev outboxEvent) error {
	return s.db.Tx(ctx, func(tx *sqlstore.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sgn_companies (company_id, name, seats_used, created_at) VALUES (?, ?, 1, ?)`,
			c.ID, c.Name, ms(admin.CreatedAt)); err != nil {
			return err
		}
		if err := insertLogin(ctx, tx, admin); err != nil {
			return err
		}
		if err := insertSession(ctx, tx, admin.UserID, g); err != nil {
			return err
		}
		return insertEvent(ctx, tx, ev)
	})
}

// addUser admits u to its company if a seat is free (allowance seats in
// all), with an invitation whose secret hashes to invite (none if "") and
// signed in with session g (none if nil), and stores ev in the outbox.
// Taking the seat is one conditional update, so concurrent adds never
// exceed the allowance.
func (s *store) addUser(ctx context.Context, u login, allowance int, invite string, expires time.Time, g *grant, ev outboxEvent) error {
	return s.db.Tx(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE sgn_companies SET seats_used = seats_used + 1 WHERE company_id = ? AND seats_used < ?`,
			u.CompanyID, allowance)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(err, ErrSeatLimit)
		}
		if err := insertLogin(ctx, tx, u); err != nil {
			return err
		}
		if invite != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO sgn_invitations (token_hash, user_id, expires_at, used_at) VALUES (?, ?, ?, 0)`,
				tokenHash(invite), u.UserID, ms(expires)); err != nil {
				return err
			}
		}
		if g != nil {
			if err := insertSession(ctx, tx, u.UserID, *g); err != nil {
				return err
			}
		}
		return insertEvent(ctx, tx, ev)
	})
}

// disable disables a user of company, frees its seat and ends its sessions
// and tokens, and stores ev in the outbox (also when the user was disabled
// before). It reports whether the user was active or invited before.
func (s *store) disable(ctx context.Context, companyID, userID string, ev outboxEvent) (bool, error) {
	var changed bool
	err := s.db.Tx(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE sgn_logins SET status = ? WHERE user_id = ? AND company_id = ? AND status <> ?`,
			statusDisabled, userID, companyID, statusDisabled)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if changed = n == 1; !changed {
			if _, err := scanLogin(tx.QueryRow(ctx, `SELECT `+loginColumns+` FROM sgn_logins WHERE user_id = ? AND company_id = ?`,
				userID, companyID)); err != nil {
				return err // ErrNoAccount: not a user of this company
			}
			return insertEvent(ctx, tx, ev)
		}
		for _, q := range []string{`DELETE FROM sgn_sessions WHERE user_id = ?`, `DELETE FROM sgn_invitations WHERE user_id = ?`} {
			if _, err := tx.Exec(ctx, q, userID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE sgn_companies SET seats_used = seats_used - 1 WHERE company_id = ?`, companyID); err != nil {
			return err
		}
		return insertEvent(ctx, tx, ev)
	})
	return changed, err
}

func (s *store) company(ctx context.Context, id string) (company, error) {
	var c company
	err := s.db.QueryRow(ctx, `SELECT company_id, name, seats_used FROM sgn_companies WHERE company_id = ?`, id).Scan(&c.ID, &c.Name, &c.SeatsUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNoAccount
	}
	return c, err
}

func (s *store) loginByEmail(ctx context.Context, email string) (login, error) {
	return scanLogin(s.db.QueryRow(ctx, `SELECT `+loginColumns+` FROM sgn_logins WHERE email_key = ?`, emailKey(email)))
}

func (s *store) users(ctx context.Context, companyID string) ([]login, error) {
	return sqlstore.List(ctx, s.db, scanLogin,
		`SELECT `+loginColumns+` FROM sgn_logins WHERE company_id = ? ORDER BY created_at, user_id`, companyID)
}

// newSession starts session g of an active user.
func (s *store) newSession(ctx context.Context, userID string, g grant) error {
	return s.db.Tx(ctx, func(tx *sqlstore.Tx) error { return insertSession(ctx, tx, userID, g) })
}

// sessionLogin returns the user of a live session of kind: the session
// exists (not ended, not expired) and its user is active.
func (s *store) sessionLogin(ctx context.Context, id, kind string, now time.Time) (login, error) {
	return scanLogin(s.db.QueryRow(ctx, `SELECT `+prefixed("l.", loginColumns)+` FROM sgn_sessions s JOIN sgn_logins l ON l.user_id = s.user_id
		WHERE s.session_id = ? AND s.kind = ? AND s.expires_at > ? AND l.status = ?`, id, kind, ms(now), statusActive))
}

func (s *store) endSession(ctx context.Context, id string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM sgn_sessions WHERE session_id = ?`, id)
	return err
}

// invitation returns the invited user of a usable invitation.
func (s *store) invitation(ctx context.Context, secret string, now time.Time) (login, error) {
	return sqlstore.Read(ctx, s.db, func(tx *sqlstore.Tx) (login, error) { return invited(ctx, tx, secret, now) })
}

// invited is the user of a usable invitation: unused, unexpired, its user
// not disabled and without a password yet.
func invited(ctx context.Context, tx *sqlstore.Tx, secret string, now time.Time) (login, error) {
	return scanLogin(tx.QueryRow(ctx, `SELECT `+prefixed("l.", loginColumns)+` FROM sgn_invitations i JOIN sgn_logins l ON l.user_id = i.user_id
		WHERE i.token_hash = ? AND i.used_at = 0 AND i.expires_at > ? AND l.status <> ? AND l.password_hash = ''`,
		tokenHash(secret), ms(now), statusDisabled))
}

// acceptInvitation uses the invitation once: the user gets its password,
// becomes active and is signed in with session g (its start the time the
// invitation is used).
func (s *store) acceptInvitation(ctx context.Context, secret, passwordHash string, g grant) (login, error) {
	now := g.created
	var u login
	err := s.db.Tx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		u, err = invited(ctx, tx, secret, now)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE sgn_invitations SET used_at = ? WHERE token_hash = ? AND used_at = 0`, ms(now), tokenHash(secret))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(err, ErrNoAccount) // used meanwhile
		}
		if _, err := tx.Exec(ctx, `UPDATE sgn_logins SET password_hash = ?, status = ? WHERE user_id = ?`,
			passwordHash, statusActive, u.UserID); err != nil {
			return err
		}
		u.Status = statusActive
		return insertSession(ctx, tx, u.UserID, g)
	})
	return u, err
}

// failures returns the most failed sign-ins any of keys has in the window
// ending at now.
func (s *store) failures(ctx context.Context, now time.Time, window time.Duration, keys ...string) (int, error) {
	most := 0
	for _, k := range keys {
		var n int
		err := s.db.QueryRow(ctx, `SELECT failures FROM sgn_failures WHERE throttle_key = ? AND window_start > ?`,
			k, ms(now.Add(-window))).Scan(&n)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("reading sign-in failures: %w", err)
		}
		most = max(most, n)
	}
	return most, nil
}

// recordFailure counts a failed sign-in against each key; a window that
// ended starts anew.
func (s *store) recordFailure(ctx context.Context, now time.Time, window time.Duration, keys ...string) error {
	return s.db.Tx(ctx, func(tx *sqlstore.Tx) error {
		for _, k := range keys {
			if _, err := tx.Exec(ctx, `INSERT INTO sgn_failures (throttle_key, failures, window_start) VALUES (?, 1, ?)
				ON CONFLICT (throttle_key) DO UPDATE SET
				failures = CASE WHEN sgn_failures.window_start > ? THEN sgn_failures.failures + 1 ELSE 1 END,
				window_start = CASE WHEN sgn_failures.window_start > ? THEN sgn_failures.window_start ELSE excluded.window_start END`,
				k, ms(now), ms(now.Add(-window)), ms(now.Add(-window))); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *store) clearFailures(ctx context.Context, key string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM sgn_failures WHERE throttle_key = ?`, key)
	return err
}

// prefixed qualifies each column of a column list with p.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = p + c
	}
	return strings.Join(cols, ", ")
}
