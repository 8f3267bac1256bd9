package sqlstore

import (
	"context"
	"database/sql"
)

// Exec runs a statement outside any explicit transaction, rebinding its
// placeholders. Prefer Tx for anything that changes state.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.ExecContext(ctx, db.Rebind(query), args...)
}

// Query runs a query outside any explicit transaction, rebinding its
// placeholders. The caller closes the rows.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.QueryContext(ctx, db.Rebind(query), args...)
}

// QueryRow runs a query expected to return at most one row, rebinding its
// placeholders. Errors are deferred to the row's Scan.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.QueryRowContext(ctx, db.Rebind(query), args...)
}
