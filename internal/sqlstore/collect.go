package sqlstore

import "context"

// Scanner reads the columns of one row: *sql.Row and *sql.Rows are
// Scanners.
type Scanner interface {
	Scan(dest ...any) error
}

// Read runs fn in a read-only transaction of db, as DB.View does (retried
// on contention), and returns the value of its successful attempt.
func Read[T any](ctx context.Context, db *DB, fn func(tx *Tx) (T, error)) (T, error) {
	var out T
	err := db.View(ctx, func(tx *Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// Collect runs query in tx and returns every row as scan reads it, in the
// query's order. It closes the rows.
func Collect[T any](ctx context.Context, tx *Tx, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// List runs query in a read-only transaction of its own and returns every
// row as scan reads it: Read of Collect.
func List[T any](ctx context.Context, db *DB, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	return Read(ctx, db, func(tx *Tx) ([]T, error) { return Collect(ctx, tx, scan, query, args...) })
}

// ScanString reads a row of one text column, for Collect.
func ScanString(sc Scanner) (string, error) {
	var s string
	err := sc.Scan(&s)
	return s, err
}
