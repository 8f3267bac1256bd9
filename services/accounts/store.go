package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// Times are stored as Unix milliseconds (the store's portable form); the
// stage truncates its clock to milliseconds so that what it publishes first
// and what it replays later are equal.
func formatTime(t time.Time) int64 { return t.UnixMilli() }

func parseTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func notFound(err error, what, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %s: %w", what, id, ErrNotFound)
	}
	return err
}

// getByID reads the row query selects by id; a missing row is an
// ErrNotFound naming what.
func getByID[T any](ctx context.Context, tx *sqlstore.Tx, scan func(sqlstore.Scanner) (T, error), what, query, id string) (T, error) {
	v, err := scan(tx.QueryRow(ctx, query, id))
	if err != nil {
		var zero T
		return zero, notFound(err, what, id)
	}
	return v, nil
}

func getCompany(ctx context.Context, tx *sqlstore.Tx, id string) (Company, error) {
	var c Company
	var created int64
	err := tx.QueryRow(ctx, `SELECT company_id, name, admin_user_id, created_at FROM acc_companies WHERE company_id = ?`, id).
		Scan(&c.ID, &c.Name, &c.AdminUserID, &created)
	if err != nil {
		return Company{}, notFound(err, "company", id)
	}
	c.CreatedAt = parseTime(created)
	return c, nil
}

func insertCompany(ctx context.Context, tx *sqlstore.Tx, c Company) error {
	_, err := tx.Exec(ctx, `INSERT INTO acc_companies (company_id, name, admin_user_id, created_at) VALUES (?, ?, ?, ?)`,
		c.ID, c.Name, c.AdminUserID, formatTime(c.CreatedAt))
	return err
}

const userColumns = `user_id, company_id, email, name, role, created_by, created_at, status, disabled_at`

func scanUser(sc sqlstore.Scanner) (User, error) {
	var u User
	var created, disabled int64
	if err := sc.Scan(&u.ID, &u.CompanyID, &u.Email, &u.Name, &u.Role, &u.CreatedBy, &created, &u.Status, &disabled); err != nil {
		return User{}, err
	}
	u.CreatedAt = parseTime(created)
	if disabled != 0 {
		u.DisabledAt = parseTime(disabled)
	}
	return u, nil
}

func getUser(ctx context.Context, tx *sqlstore.Tx, id string) (User, error) {
	return getByID(ctx, tx, scanUser, "user", `SELECT `+userColumns+` FROM acc_users WHERE user_id = ?`, id)
}

func insertUser(ctx context.Context, tx *sqlstore.Tx, u User) error {
	_, err := tx.Exec(ctx, `INSERT INTO acc_users (`+userColumns+`, email_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
		u.ID, u.CompanyID, u.Email, u.Name, u.Role, u.CreatedBy, formatTime(u.CreatedAt), UserActive, emailKey(u.Email))
	return err
}

// emailKey is the form emails are unique in per company: lowercased.
func emailKey(email string) string { return strings.ToLower(email) }

func emailTaken(ctx context.Context, tx *sqlstore.Tx, company, email string) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM acc_users WHERE company_id = ? AND email_key = ?`, company, emailKey(email)).Scan(&n)
	return n > 0, err
}

const sessionColumns = `session_id, company_id, user_id, app_server, started_at`

func scanSession(sc sqlstore.Scanner) (Session, error) {
	var se Session
	var started int64
	if err := sc.Scan(&se.ID, &se.CompanyID, &se.UserID, &se.AppServer, &started); err != nil {
		return Session{}, err
	}
	se.StartedAt = parseTime(started)
	return se, nil
}

func getSession(ctx context.Context, tx *sqlstore.Tx, id string) (Session, error) {
	return getByID(ctx, tx, scanSession, "session", `SELECT `+sessionColumns+` FROM acc_sessions WHERE session_id = ?`, id)
}

func insertSession(ctx context.Context, tx *sqlstore.Tx, se Session) error {
	_, err := tx.Exec(ctx, `INSERT INTO acc_sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?)`,
		se.ID, se.CompanyID, se.UserID, se.AppServer, formatTime(se.StartedAt))
	return err
}

func rejection(ctx context.Context, tx *sqlstore.Tx, id string) (string, bool, error) {
	var reason string
	err := tx.QueryRow(ctx, `SELECT reason FROM acc_rejections WHERE entity_id = ?`, id).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return reason, err == nil, err
}

// deleteRejection forgets that id was refused, so a replay judges it again.
func deleteRejection(ctx context.Context, tx *sqlstore.Tx, id string) error {
	_, err := tx.Exec(ctx, `DELETE FROM acc_rejections WHERE entity_id = ?`, id)
	return err
}

func insertRejection(ctx context.Context, tx *sqlstore.Tx, id, reason string, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO acc_rejections (entity_id, reason, rejected_at) VALUES (?, ?, ?)`, id, reason, formatTime(at))
	return err
}

func disableUser(ctx context.Context, tx *sqlstore.Tx, id string, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE acc_users SET status = ?, disabled_at = ? WHERE user_id = ?`, UserDisabled, formatTime(at), id)
	return err
}

const licenseColumns = `company_id, serial, plan, status, seats, features, issued_at, expires_at`

func scanLicense(sc sqlstore.Scanner) (license.License, error) {
	var l license.License
	var features string
	var issued, expires int64
	if err := sc.Scan(&l.CompanyID, &l.Serial, &l.Plan, &l.Status, &l.Seats, &features, &issued, &expires); err != nil {
		return license.License{}, err
	}
	if features != "" {
		l.Features = strings.Split(features, ",")
	}
	l.IssuedAt, l.ExpiresAt = parseTime(issued), parseTime(expires)
	return l, nil
}

// keepLicense stores l as its company's license unless one with a higher
// or equal serial is stored.
func keepLicense(ctx context.Context, tx *sqlstore.Tx, l license.License) error {
	_, err := tx.Exec(ctx, `INSERT INTO acc_licenses (`+licenseColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (company_id) DO UPDATE SET serial = excluded.serial, plan = excluded.plan, status = excluded.status,
		seats = excluded.seats, features = excluded.features, issued_at = excluded.issued_at, expires_at = excluded.expires_at
		WHERE excluded.serial > acc_licenses.serial`,
		l.CompanyID, l.Serial, l.Plan, l.Status, l.Seats, strings.Join(l.Features, ","), formatTime(l.IssuedAt), formatTime(l.ExpiresAt))
	return err
}

const deliveryColumns = `company_id, app_server, serial, delivered_at`

func scanDelivery(sc sqlstore.Scanner) (Delivery, error) {
	var d Delivery
	var at int64
	if err := sc.Scan(&d.CompanyID, &d.AppServer, &d.Serial, &at); err != nil {
		return Delivery{}, err
	}
	d.DeliveredAt = parseTime(at)
	return d, nil
}

// keepDelivery records that d's server holds d's serial unless a higher
// one is recorded.
func keepDelivery(ctx context.Context, tx *sqlstore.Tx, d Delivery) error {
	_, err := tx.Exec(ctx, `INSERT INTO acc_deliveries (`+deliveryColumns+`) VALUES (?, ?, ?, ?)
		ON CONFLICT (company_id, app_server) DO UPDATE SET serial = excluded.serial, delivered_at = excluded.delivered_at
		WHERE excluded.serial > acc_deliveries.serial`,
		d.CompanyID, d.AppServer, d.Serial, formatTime(d.DeliveredAt))
	return err
}
