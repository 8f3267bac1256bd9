package licensepush

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// stored is a company's latest license.
type stored struct {
	serial int64
	file   string
}

// now is the clock in Unix milliseconds, the store's portable time.
func (s *Stage) now() int64 { return s.cfg.Now().UnixMilli() }

// storeLicense keeps file as company's latest unless a license with the
// same or a higher serial is stored; it reports whether it stored it, and
// lists the app servers with sessions of company, in one transaction.
func (s *Stage) storeLicense(ctx context.Context, company string, serial int64, file string) (bool, []string, error) {
	var (
		n       int64
		servers []string
	)
	err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO lp_licenses (company_id, serial, file, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (company_id) DO UPDATE SET serial = excluded.serial, file = excluded.file, updated_at = excluded.updated_at
			WHERE lp_licenses.serial < excluded.serial`, company, serial, file, s.now())
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		servers, err = listServers(ctx, tx, company)
		return err
	})
	if err != nil {
		return false, nil, fmt.Errorf("storing license: %w", err)
	}
	return n > 0, servers, nil
}

// toDeliver reads, in one snapshot, company's latest license and the
// serial server was last given of it (0 if none).
func (s *Stage) toDeliver(ctx context.Context, server, company string) (latest stored, ok bool, given int64, err error) {
	err = s.cfg.DB.View(ctx, func(tx *sqlstore.Tx) error {
		latest, ok, err = latestIn(ctx, tx, company)
		if err != nil || !ok {
			return err
		}
		given, err = deliveredIn(ctx, tx, server, company)
		return err
	})
	return latest, ok, given, err
}

// latest returns company's latest license.
func (s *Stage) latest(ctx context.Context, company string) (stored, error) {
	return sqlstore.Read(ctx, s.cfg.DB, func(tx *sqlstore.Tx) (stored, error) {
		l, _, err := latestIn(ctx, tx, company)
		return l, err
	})
}

func latestIn(ctx context.Context, tx *sqlstore.Tx, company string) (stored, bool, error) {
	var l stored
	err := tx.QueryRow(ctx, `SELECT serial, file FROM lp_licenses WHERE company_id = ?`, company).Scan(&l.serial, &l.file)
	if errors.Is(err, sql.ErrNoRows) {
		return stored{}, false, nil
	}
	if err != nil {
		return stored{}, false, fmt.Errorf("reading latest license: %w", err)
	}
	return l, true, nil
}

// addServer records that server has sessions of company.
func (s *Stage) addServer(ctx context.Context, company, server string) error {
	err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO lp_servers (company_id, app_server, first_seen) VALUES (?, ?, ?)
			ON CONFLICT (company_id, app_server) DO NOTHING`, company, server, s.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("recording app server: %w", err)
	}
	return nil
}

// servers lists the app servers with sessions of company.
func (s *Stage) servers(ctx context.Context, company string) ([]string, error) {
	return sqlstore.Read(ctx, s.cfg.DB, func(tx *sqlstore.Tx) ([]string, error) { return listServers(ctx, tx, company) })
}

func listServers(ctx context.Context, tx *sqlstore.Tx, company string) ([]string, error) {
	out, err := sqlstore.Collect(ctx, tx, sqlstore.ScanString,
		`SELECT app_server FROM lp_servers WHERE company_id = ? ORDER BY app_server`, company)
	if err != nil {
		return nil, fmt.Errorf("listing app servers: %w", err)
	}
	return out, nil
}

// delivered returns the serial server was last given for company (0 if none).
func (s *Stage) delivered(ctx context.Context, server, company string) (int64, error) {
	return sqlstore.Read(ctx, s.cfg.DB, func(tx *sqlstore.Tx) (int64, error) { return deliveredIn(ctx, tx, server, company) })
}

func deliveredIn(ctx context.Context, tx *sqlstore.Tx, server, company string) (int64, error) {
	var serial int64
	err := tx.QueryRow(ctx, `SELECT serial FROM lp_deliveries WHERE app_server = ? AND company_id = ?`, server, company).Scan(&serial)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading delivered serial: %w", err)
	}
	return serial, nil
}

// markDelivered raises the serial server holds for company; it never
// lowers it.
func (s *Stage) markDelivered(ctx context.Context, server, company string, serial int64) error {
	err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO lp_deliveries (app_server, company_id, serial, delivered_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (app_server, company_id) DO UPDATE SET serial = excluded.serial, delivered_at = excluded.delivered_at
			WHERE lp_deliveries.serial < excluded.serial`, server, company, serial, s.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("recording delivery: %w", err)
	}
	return nil
}

// Delivered returns the serial of company's license last delivered to
// server (0 if none): for tests and the CLI.
func (s *Stage) Delivered(ctx context.Context, server, company string) (int64, error) {
	return s.delivered(ctx, server, company)
}

// Latest returns the serial of company's latest stored license (0 if none).
func (s *Stage) Latest(ctx context.Context, company string) (int64, error) {
	l, err := s.latest(ctx, company)
	return l.serial, err
}

// Servers lists the app servers with sessions of company.
func (s *Stage) Servers(ctx context.Context, company string) ([]string, error) {
	return s.servers(ctx, company)
}
