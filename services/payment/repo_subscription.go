package payment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// errConflict: another transaction changed the row first; the event is
// retried (not permanent).
var errConflict = errors.New("subscription changed concurrently")

// unix stores t as seconds, the zero time as 0.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const subscriptionColumns = `company_id, customer_id, status, provider_status, lookup_key, quantity, period_end,
	deleted, checkout_seen, snapshot_created, snapshot_event, invoice_paid, invoice_created, invoice_event,
	paid_through, paid_created, paid_event`

// loadSubscription returns the stored subscription (or a new one with that
// id) and its row version (0 when new).
func loadSubscription(ctx context.Context, tx *sqlstore.Tx, id string) (Subscription, int64, error) {
	s := Subscription{ID: id}
	var (
		deleted, checkout, paid                int
		periodEnd, snapCreated, invCreated, rv int64
		paidThrough, paidCreated               int64
	)
	err := tx.QueryRow(ctx, `SELECT `+subscriptionColumns+`, row_version
		FROM payment_subscriptions WHERE subscription_id = ?`, id).Scan(
		&s.CompanyID, &s.CustomerID, &s.Status, &s.ProviderStatus, &s.LookupKey, &s.Quantity, &periodEnd,
		&deleted, &checkout, &snapCreated, &s.SnapshotVersion.EventID, &paid, &invCreated, &s.Invoice.Version.EventID,
		&paidThrough, &paidCreated, &s.PaidThrough.Version.EventID, &rv)
	if errors.Is(err, sql.ErrNoRows) {
		return s, 0, nil
	}
	if err != nil {
		return s, 0, fmt.Errorf("loading subscription %s: %w", id, err)
	}
	s.SnapshotPeriodEnd, s.Deleted, s.CheckoutSeen = fromUnix(periodEnd), deleted != 0, checkout != 0
	s.SnapshotVersion.Created = fromUnix(snapCreated)
	s.Invoice.Paid, s.Invoice.Version.Created = paid != 0, fromUnix(invCreated)
	s.PaidThrough.End, s.PaidThrough.Version.Created = fromUnix(paidThrough), fromUnix(paidCreated)
	s.Status, s.PeriodEnd = s.status(), s.periodEnd()
	return s, rv, nil
}

// saveSubscription inserts s (rowVersion 0) or updates it if its row is
// still at rowVersion; otherwise it returns errConflict.
func saveSubscription(ctx context.Context, tx *sqlstore.Tx, s Subscription, rowVersion int64, now time.Time) error {
	vals := []any{s.CompanyID, s.CustomerID, s.Status, s.ProviderStatus, s.LookupKey, s.Quantity, unix(s.SnapshotPeriodEnd),
		boolInt(s.Deleted), boolInt(s.CheckoutSeen), unix(s.SnapshotVersion.Created), s.SnapshotVersion.EventID,
		boolInt(s.Invoice.Paid), unix(s.Invoice.Version.Created), s.Invoice.Version.EventID,
		unix(s.PaidThrough.End), unix(s.PaidThrough.Version.Created), s.PaidThrough.Version.EventID}
	if rowVersion == 0 {
		_, err := tx.Exec(ctx, `INSERT INTO payment_subscriptions (`+subscriptionColumns+`, subscription_id, row_version, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`, append(vals, s.ID, now.Unix())...)
		if err != nil {
			return fmt.Errorf("inserting subscription %s: %w", s.ID, err)
		}
		return nil
	}
	res, err := tx.Exec(ctx, `UPDATE payment_subscriptions SET company_id = ?, customer_id = ?, status = ?,
		provider_status = ?, lookup_key = ?, quantity = ?, period_end = ?, deleted = ?, checkout_seen = ?,
		snapshot_created = ?, snapshot_event = ?, invoice_paid = ?, invoice_created = ?, invoice_event = ?,
		paid_through = ?, paid_created = ?, paid_event = ?, row_version = row_version + 1, updated_at = ?
		WHERE subscription_id = ? AND row_version = ?`, append(vals, now.Unix(), s.ID, rowVersion)...)
	if err != nil {
		return fmt.Errorf("updating subscription %s: %w", s.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("updating subscription %s: %w", s.ID, errConflict)
	}
	return nil
}

// companySubscriptions returns every subscription of company.
func companySubscriptions(ctx context.Context, tx *sqlstore.Tx, company string) ([]Subscription, error) {
	ids, err := sqlstore.Collect(ctx, tx, sqlstore.ScanString,
		`SELECT subscription_id FROM payment_subscriptions WHERE company_id = ? ORDER BY subscription_id`, company)
	if err != nil {
		return nil, fmt.Errorf("listing subscriptions of %s: %w", company, err)
	}
	subs := make([]Subscription, 0, len(ids))
	for _, id := range ids {
		s, _, err := loadSubscription(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		subs = append(subs, s)
	}
	return subs, nil
}
