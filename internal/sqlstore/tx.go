package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Tx is one attempt of a transaction run by DB.Tx. Its Exec, Query and
// QueryRow rebind ? placeholders. A Tx is not safe for concurrent use and is
// valid only inside the function passed to DB.Tx.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
	// detached: the transaction is a member of a group commit, whose
	// statements must not be interrupted by one member's context.
	detached bool
	// stmts holds the prepared statements of the transaction's pool
	// (SQLite only); misses are the texts it ran unprepared, to prepare
	// once the transaction has given its connection back.
	stmts  *stmtCache
	misses []string
}

// Dialect returns the backend the transaction runs on.
func (t *Tx) Dialect() Dialect { return t.dialect }

func (t *Tx) ctx(ctx context.Context) context.Context {
	if t.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// stmt returns query's cached prepared statement bound to the
// transaction, or nil: then the caller runs the text as is, and the text is
// noted for preparing after the transaction.
func (t *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.stmts == nil || !cacheable(query) {
		return nil
	}
	if st := t.stmts.get(query); st != nil {
		return t.tx.StmtContext(ctx, st)
	}
	t.misses = append(t.misses, query)
	return nil
}

// Exec runs a statement in the transaction.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, query = t.ctx(ctx), rebind(t.dialect, query)
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

// Query runs a query in the transaction. The caller closes the rows before
// the next statement.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, query = t.ctx(ctx), rebind(t.dialect, query)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

// QueryRow runs a query expected to return at most one row; errors are
// deferred to the row's Scan.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx, query = t.ctx(ctx), rebind(t.dialect, query)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// Retry bounds for DB.Tx. Contention is normal under load (one SQLite
// writer, PostgreSQL serializable conflicts), so the budget is generous; the
// context bounds it further.
const (
	maxAttempts  = 25
	firstBackoff = 2 * time.Millisecond
	maxBackoff   = 500 * time.Millisecond
)

// ErrRetriesExhausted wraps the last contention error when DB.Tx gives up.
var ErrRetriesExhausted = errors.New("transaction kept conflicting")

// Tx runs fn in a serializable transaction and commits it if fn returns nil;
// otherwise it rolls back and returns fn's error. When the backend reports
// contention (from fn's statements or from the commit), the transaction is
// rolled back and fn runs again after a jittered backoff, so fn must have no
// effect outside the transaction. A panic in fn rolls back and is re-raised.
//
// On SQLite, transactions from concurrent callers are committed in groups
// (see committer): fn runs on the store's writer goroutine, inside a
// savepoint of a transaction it shares with others, and a nil error means
// that transaction committed. fn must not call Tx itself.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	return retry(ctx, func() error {
		if db.group != nil {
			return db.group.do(ctx, fn)
		}
		return db.attempt(ctx, db.DB, nil, &sql.TxOptions{Isolation: sql.LevelSerializable}, fn)
	})
}

// View runs fn in a read-only transaction: fn sees one consistent snapshot
// and may not write. It runs beside writers (SQLite in WAL mode reads
// without the write lock) and is retried like Tx.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	return retry(ctx, func() error {
		if db.Dialect == SQLite {
			return db.attempt(ctx, db.read, db.readStmts, nil, fn)
		}
		return db.attempt(ctx, db.DB, nil, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, fn)
	})
}

// retry runs attempt until it succeeds, fails for good, or ctx ends,
// backing off between attempts that met contention.
func retry(ctx context.Context, try func() error) error {
	backoff := firstBackoff
	var last error // the last contention met
	for attempt := 1; ; attempt++ {
		err := try()
		if err != nil && last != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			// ctx ended as the attempt began (it may not have run): say
			// what the attempts before met, as the wait below does.
			return fmt.Errorf("retrying transaction: %w (last error: %w)", err, last)
		}
		if err == nil || !IsRetryable(err) {
			return err
		}
		last = err
		if attempt == maxAttempts {
			return fmt.Errorf("%w after %d attempts: %w", ErrRetriesExhausted, attempt, err)
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("retrying transaction: %w (last error: %w)", ctx.Err(), err)
		case <-t.C:
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// attempt runs fn once in a transaction of pool begun with opts.
func (db *DB) attempt(ctx context.Context, pool *sql.DB, stmts *stmtCache, opts *sql.TxOptions, fn func(tx *Tx) error) (err error) {
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	t := &Tx{tx: sqlTx, dialect: db.Dialect, stmts: stmts}
	// Runs last, once the connection is back in the pool.
	defer func() { stmts.prepare(ctx, t.misses) }()
	done := false
	defer func() {
		if !done {
			_ = sqlTx.Rollback() // fn panicked; the panic goes on
		}
	}()
	fnErr := fn(t)
	done = true
	if fnErr != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) && !IsRetryable(fnErr) {
			return errors.Join(fnErr, fmt.Errorf("rolling back: %w", rbErr))
		}
		return fnErr
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}
