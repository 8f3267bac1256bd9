package accounts

import (
	"context"
	"fmt"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// GetCompany returns a stored company (ErrNotFound if none).
func (s *Stage) GetCompany(ctx context.Context, id string) (Company, error) {
	return sqlstore.Read(ctx, s.cfg.DB, func(tx *sqlstore.Tx) (Company, error) { return getCompany(ctx, tx, id) })
}

// GetUser returns a stored user (ErrNotFound if none).
func (s *Stage) GetUser(ctx context.Context, id string) (User, error) {
	return sqlstore.Read(ctx, s.cfg.DB, func(tx *sqlstore.Tx) (User, error) { return getUser(ctx, tx, id) })
}

// ListUsers returns a company's users, oldest first.
func (s *Stage) ListUsers(ctx context.Context, company string) ([]User, error) {
	users, err := sqlstore.List(ctx, s.cfg.DB, scanUser,
		`SELECT `+userColumns+` FROM acc_users WHERE company_id = ? ORDER BY created_at, user_id`, company)
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	return users, nil
}

// ListSessions returns a company's sessions, oldest first.
func (s *Stage) ListSessions(ctx context.Context, company string) ([]Session, error) {
	sessions, err := sqlstore.List(ctx, s.cfg.DB, scanSession,
		`SELECT `+sessionColumns+` FROM acc_sessions WHERE company_id = ? ORDER BY started_at, session_id`, company)
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	return sessions, nil
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
