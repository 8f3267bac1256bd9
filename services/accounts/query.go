package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// Directory reads what the stage stored: companies, users with their
// status, sessions, each company's newest verified license and which
// license each application server holds. The stage's own queries are its
// methods; the signup edge, which serves the user application from the
// same store, reads through it and never writes these tables. It is safe
// for concurrent use.
type Directory struct{ db *sqlstore.DB }

// OpenDirectory migrates the stage's tables (so the edge may start before
// the stage ever ran) and returns the directory on db.
func OpenDirectory(ctx context.Context, db *sqlstore.DB) (*Directory, error) {
	if err := db.MigrateDir(ctx, Component, migrations, "migrations"); err != nil {
		return nil, err
	}
	return &Directory{db: db}, nil
}

// GetCompany returns a stored company (ErrNotFound if none).
func (d *Directory) GetCompany(ctx context.Context, id string) (Company, error) {
	return sqlstore.Read(ctx, d.db, func(tx *sqlstore.Tx) (Company, error) { return getCompany(ctx, tx, id) })
}

// GetUser returns a stored user (ErrNotFound if none).
func (d *Directory) GetUser(ctx context.Context, id string) (User, error) {
	return sqlstore.Read(ctx, d.db, func(tx *sqlstore.Tx) (User, error) { return getUser(ctx, tx, id) })
}

// ListUsers returns a company's users, oldest first.
func (d *Directory) ListUsers(ctx context.Context, company string) ([]User, error) {
	return listOf(ctx, d.db, "users", scanUser,
		`SELECT `+userColumns+` FROM acc_users WHERE company_id = ? ORDER BY created_at, user_id`, company)
}

// ListSessions returns a company's sessions, oldest first.
func (d *Directory) ListSessions(ctx context.Context, company string) ([]Session, error) {
	return listOf(ctx, d.db, "sessions", scanSession,
		`SELECT `+sessionColumns+` FROM acc_sessions WHERE company_id = ? ORDER BY started_at, session_id`, company)
}

// listOf is sqlstore.List with its error naming what was listed.
func listOf[T any](ctx context.Context, db *sqlstore.DB, what string, scan func(sqlstore.Scanner) (T, error), query string, args ...any) ([]T, error) {
	out, err := sqlstore.List(ctx, db, scan, query, args...)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", what, err)
	}
	return out, nil
}

// GetSession returns a stored session (ErrNotFound if none).
func (d *Directory) GetSession(ctx context.Context, id string) (Session, error) {
	return sqlstore.Read(ctx, d.db, func(tx *sqlstore.Tx) (Session, error) { return getSession(ctx, tx, id) })
}

// License returns the company's newest verified license (its signature
// checked when it was recorded), and false before its first one.
func (d *Directory) License(ctx context.Context, company string) (license.License, bool, error) {
	l, err := scanLicense(d.db.QueryRow(ctx, `SELECT `+licenseColumns+` FROM acc_licenses WHERE company_id = ?`, company))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return license.License{}, false, nil
	case err != nil:
		return license.License{}, false, fmt.Errorf("reading the license of %s: %w", company, err)
	}
	return l, true, nil
}

// Delivery returns which license server holds for company, and false when
// none was delivered there.
func (d *Directory) Delivery(ctx context.Context, company, server string) (Delivery, bool, error) {
	dl, err := scanDelivery(d.db.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM acc_deliveries WHERE company_id = ? AND app_server = ?`,
		company, server))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Delivery{}, false, nil
	case err != nil:
		return Delivery{}, false, fmt.Errorf("reading the delivery to %s: %w", server, err)
	}
	return dl, true, nil
}

// Rejection returns why a user, session or company id was refused for
// good, if it was.
func (d *Directory) Rejection(ctx context.Context, id string) (string, bool, error) {
	var reason string
	var ok bool
	err := d.db.View(ctx, func(tx *sqlstore.Tx) error {
		var err error
		reason, ok, err = rejection(ctx, tx, id)
		return err
	})
	return reason, ok, err
}
