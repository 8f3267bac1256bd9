package payment

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// lastEntitlement returns the entitlement and serial of company's newest
// license, or nil and 0.
func lastEntitlement(ctx context.Context, tx *sqlstore.Tx, company string) (*Entitlement, int64, error) {
	var (
		serial int64
		raw    string
	)
	err := tx.QueryRow(ctx, `SELECT serial, entitlement FROM payment_licenses WHERE company_id = ?
		ORDER BY serial DESC LIMIT 1`, company).Scan(&serial, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("loading last license of %s: %w", company, err)
	}
	var e Entitlement
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		return nil, 0, fmt.Errorf("decoding last license of %s: %w", company, err)
	}
	return &e, serial, nil
}

// insertLicense stores a new license, unpublished (the outbox row).
func insertLicense(ctx context.Context, tx *sqlstore.Tx, e Entitlement, serial int64, file []byte, now time.Time, cause, correlationID string) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding entitlement: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO payment_licenses (company_id, serial, entitlement, license, issued_at,
		cause_event, correlation_id, published) VALUES (?, ?, ?, ?, ?, ?, ?, 0)`,
		e.CompanyID, serial, string(raw), string(file), now.Unix(), cause, correlationID)
	if err != nil {
		return fmt.Errorf("storing license %s/%d: %w", e.CompanyID, serial, err)
	}
	return nil
}

// pending is an unpublished license.
type pending struct {
	detail        events.LicenseIssued
	correlationID string
}

// unpublished returns up to limit unpublished licenses, in issue order.
func unpublished(ctx context.Context, tx *sqlstore.Tx, limit int) ([]pending, error) {
	return sqlstore.Collect(ctx, tx, scanPending, `SELECT entitlement, serial, license, correlation_id FROM payment_licenses
		WHERE published = 0 ORDER BY issued_at, company_id, serial LIMIT ?`, limit)
}

// unpublishedOf returns the unpublished licenses that provider event cause
// issued, in issue order.
func unpublishedOf(ctx context.Context, tx *sqlstore.Tx, cause string) ([]pending, error) {
	return sqlstore.Collect(ctx, tx, scanPending, `SELECT entitlement, serial, license, correlation_id FROM payment_licenses
		WHERE published = 0 AND cause_event = ? ORDER BY issued_at, company_id, serial`, cause)
}

func scanPending(sc sqlstore.Scanner) (pending, error) {
	var (
		raw, file, cid string
		serial         int64
	)
	if err := sc.Scan(&raw, &serial, &file, &cid); err != nil {
		return pending{}, err
	}
	d, err := issuedDetail(raw, serial, file)
	if err != nil {
		return pending{}, err
	}
	return pending{detail: d, correlationID: cid}, nil
}

func issuedDetail(rawEntitlement string, serial int64, file string) (events.LicenseIssued, error) {
	var e Entitlement
	if err := json.Unmarshal([]byte(rawEntitlement), &e); err != nil {
		return events.LicenseIssued{}, fmt.Errorf("decoding entitlement: %w", err)
	}
	return licenseDetail(e, serial, file), nil
}

// licenseDetail is the License Issued event of license serial of e.
func licenseDetail(e Entitlement, serial int64, file string) events.LicenseIssued {
	return events.LicenseIssued{
		CompanyID: e.CompanyID, Serial: serial, Plan: e.Plan, Status: e.Status,
		ExpiresAt: e.ExpiresAt, License: file,
	}
}

func markPublished(ctx context.Context, tx *sqlstore.Tx, company string, serial int64) error {
	_, err := tx.Exec(ctx, `UPDATE payment_licenses SET published = 1 WHERE company_id = ? AND serial = ?`, company, serial)
	return err
}

// latestLicense returns company's newest license.
func latestLicense(ctx context.Context, tx *sqlstore.Tx, company string) (events.LicenseIssued, bool, error) {
	var (
		raw, file string
		serial    int64
	)
	err := tx.QueryRow(ctx, `SELECT entitlement, serial, license FROM payment_licenses WHERE company_id = ?
		ORDER BY serial DESC LIMIT 1`, company).Scan(&raw, &serial, &file)
	if errors.Is(err, sql.ErrNoRows) {
		return events.LicenseIssued{}, false, nil
	}
	if err != nil {
		return events.LicenseIssued{}, false, fmt.Errorf("loading license of %s: %w", company, err)
	}
	d, err := issuedDetail(raw, serial, file)
	return d, err == nil, err
}
