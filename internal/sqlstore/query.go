package sqlstore

import (
	"context"
	"database/sql"
)

// Exec runs one statement as a transaction of its own, rebinding its
// placeholders. On SQLite it runs on the store's writer like any Tx (see
// committer), never on a connection of its own: such a connection would
// wait for the write lock the writer's open transaction holds, polled for
// by SQLite's busy handler, and take one of the pool's few connections
// while it waited. Prefer Tx for anything that changes more than one row.
// Exec must not be called inside a function passed to Tx (it would wait
// for the writer that runs that function).
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if db.group == nil {
		return db.ExecContext(ctx, db.Rebind(query), args...)
	}
	var res sql.Result
	err := db.Tx(ctx, func(tx *Tx) error {
		var err error
		res, err = tx.Exec(ctx, query, args...)
		return err
	})
	return res, err
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
