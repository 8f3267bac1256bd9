package accounts

import (
	"context"
	"fmt"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// GetCompany returns a stored company (ErrNotFound if none).
func (s *Stage) GetCompany(ctx context.Context, id string) (Company, error) {
	var c Company
	err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		c, err = getCompany(ctx, tx, id)
		return err
	})
	return c, err
}

// GetUser returns a stored user (ErrNotFound if none).
func (s *Stage) GetUser(ctx context.Context, id string) (User, error) {
	var u User
	err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		u, err = getUser(ctx, tx, id)
		return err
	})
	return u, err
}

// ListUsers returns a company's users, oldest first.
func (s *Stage) ListUsers(ctx context.Context, company string) ([]User, error) {
	var out []User
	err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `SELECT `+userColumns+` FROM acc_users WHERE company_id = ? ORDER BY created_at, user_id`, company)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	return out, nil
}

// ListSessions returns a company's sessions, oldest first.
func (s *Stage) ListSessions(ctx context.Context, company string) ([]Session, error) {
	var out []Session
	err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `SELECT `+sessionColumns+` FROM acc_sessions WHERE company_id = ? ORDER BY started_at, session_id`, company)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			se, err := scanSession(rows)
			if err != nil {
				return err
			}
			out = append(out, se)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	return out, nil
}

// Rejection returns why a user, session or company id was refused for
// good, if it was.
func (s *Stage) Rejection(ctx context.Context, id string) (string, bool, error) {
	var reason string
	var ok bool
	err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		reason, ok, err = rejection(ctx, tx, id)
		return err
	})
	return reason, ok, err
}
