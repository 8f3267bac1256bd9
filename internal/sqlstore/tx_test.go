package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
)

func migrateCounter(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	fsys := fstest.MapFS{"001_counter.sql": {Data: []byte(`
CREATE TABLE counter (name TEXT NOT NULL PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO counter (name, n) VALUES ('c', 0);
CREATE TABLE effects (key TEXT NOT NULL, worker BIGINT NOT NULL);`)}}
	if err := db.Migrate(context.Background(), "txtest", fsys); err != nil {
		t.Fatal(err)
	}
}

// eachCounter runs fn on each backend (storetest.Each) with the counter
// tables migrated.
func eachCounter(t *testing.T, fn func(t *testing.T, ctx context.Context, db *sqlstore.DB)) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		migrateCounter(t, db)
		fn(t, context.Background(), db)
	})
}

func counterValue(t *testing.T, db *sqlstore.DB) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(context.Background(), "SELECT n FROM counter WHERE name = ?", "c").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func increment(ctx context.Context, tx *sqlstore.Tx) error {
	var n int64
	if err := tx.QueryRow(ctx, "SELECT n FROM counter WHERE name = ?", "c").Scan(&n); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE counter SET n = ? WHERE name = ?", n+1, "c")
	return err
}

// TestTxCommitAndRollback, and View: it sees committed state and refuses
// writes, on both backends.
func TestTxCommitAndRollback(t *testing.T) {
	eachCounter(t, func(t *testing.T, ctx context.Context, db *sqlstore.DB) {
		if err := db.Tx(ctx, func(tx *sqlstore.Tx) error { return increment(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		if got := counterValue(t, db); got != 1 {
			t.Fatalf("after commit n = %d, want 1", got)
		}
		// View sees what committed and refuses to write.
		var n int64
		if err := db.View(ctx, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, "SELECT n FROM counter WHERE name = ?", "c").Scan(&n)
		}); err != nil || n != 1 {
			t.Fatalf("View read n = %d, %v; want 1", n, err)
		}
		if err := db.View(ctx, func(tx *sqlstore.Tx) error { return increment(ctx, tx) }); err == nil {
			t.Fatal("View let a write through")
		}

		errBoom := errors.New("boom")
		calls := 0
		err := db.Tx(ctx, func(tx *sqlstore.Tx) error {
			calls++
			if err := increment(ctx, tx); err != nil {
				return err
			}
			return fmt.Errorf("deciding: %w", errBoom)
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("Tx = %v, want fn's error", err)
		}
		if calls != 1 {
			t.Fatalf("a non-retryable error ran fn %d times", calls)
		}
		if got := counterValue(t, db); got != 1 {
			t.Fatalf("after rollback n = %d, want 1", got)
		}

		func() {
			defer func() {
				if r := recover(); r != "panic in fn" {
					t.Fatalf("recovered %v, want the panic re-raised", r)
				}
			}()
			_ = db.Tx(ctx, func(tx *sqlstore.Tx) error {
				if err := increment(ctx, tx); err != nil {
					return err
				}
				panic("panic in fn")
			})
		}()
		if got := counterValue(t, db); got != 1 {
			t.Fatalf("after panic n = %d, want 1", got)
		}
		// The pool still works: the panicking transaction released its connection.
		if err := db.Tx(ctx, func(tx *sqlstore.Tx) error { return increment(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		if got := counterValue(t, db); got != 2 {
			t.Fatalf("n = %d, want 2", got)
		}
	})
}

// TestTxRetriesRetryable: a retryable error rolls back the attempt and runs
// fn again; its writes from the failed attempt are gone.
func TestTxRetriesRetryable(t *testing.T) {
	eachCounter(t, func(t *testing.T, ctx context.Context, db *sqlstore.DB) {
		calls := 0
		err := db.Tx(ctx, func(tx *sqlstore.Tx) error {
			calls++
			if err := increment(ctx, tx); err != nil {
				return err
			}
			if calls < 3 {
				return fmt.Errorf("reading: %w", &pgconn.PgError{Code: "40001", Message: "could not serialize access"})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != 3 {
			t.Fatalf("fn ran %d times, want 3", calls)
		}
		if got := counterValue(t, db); got != 1 {
			t.Fatalf("n = %d, want 1 (only the committed attempt counts)", got)
		}
	})
}

func TestTxRetryStopsWithContext(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	conflict := &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}
	err := db.Tx(ctx, func(tx *sqlstore.Tx) error { return conflict })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Tx = %v, want the context's error", err)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("Tx = %v, want the last conflict wrapped too", err)
	}
}

// TestTxConcurrentIncrements: read-modify-write from many goroutines loses
// no update. On PostgreSQL this exercises real serialization failures and
// their retries; on SQLite, writers queue on the lock.
func TestTxConcurrentIncrements(t *testing.T) {
	eachCounter(t, func(t *testing.T, ctx context.Context, db *sqlstore.DB) {
		const workers, each = 8, 10
		var attempts atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for range workers {
			wg.Go(func() {
				for range each {
					errs <- db.Tx(ctx, func(tx *sqlstore.Tx) error {
						attempts.Add(1)
						return increment(ctx, tx)
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := counterValue(t, db); got != workers*each {
			t.Fatalf("n = %d, want %d", got, workers*each)
		}
		t.Logf("%d transactions took %d attempts", workers*each, attempts.Load())
	})
}

// TestExecBesideTx: statements run with DB.Exec beside concurrent Tx
// transactions all succeed. On SQLite, Exec once ran on a connection of its
// own and waited for the write lock the group commit's transaction held,
// while that transaction waited for a free connection to prepare a
// statement it had not run before (each Tx here runs a new text): with
// more Exec callers than the pool has connections, both waited out the
// busy timeout and Exec failed.
func TestExecBesideTx(t *testing.T) {
	eachCounter(t, func(t *testing.T, ctx context.Context, db *sqlstore.DB) {
		const workers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, 2*workers*each)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					_, err := db.Exec(ctx, "INSERT INTO effects (key, worker) VALUES (?, ?)", fmt.Sprintf("exec-%d-%d", w, i), w)
					errs <- err
				}
			})
			wg.Go(func() {
				for i := range each {
					errs <- db.Tx(ctx, func(tx *sqlstore.Tx) error {
						_, err := tx.Exec(ctx, fmt.Sprintf("INSERT INTO effects (key, worker) VALUES (?, ?) /* %d-%d */", w, i),
							fmt.Sprintf("tx-%d-%d", w, i), w)
						return err
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var n int64
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM effects").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2*workers*each {
			t.Fatalf("%d rows, want %d", n, 2*workers*each)
		}
	})
}

func TestIsRetryable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("plain"), false},
		{&pgconn.PgError{Code: "40001"}, true},
		{fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "40P01"}), true},
		{&pgconn.PgError{Code: "23505"}, false},
		{context.Canceled, false},
	}
	for _, tc := range tests {
		if got := sqlstore.IsRetryable(tc.err); got != tc.want {
			t.Errorf("IsRetryable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestSQLiteBusyIsRetryable gets a real SQLITE_BUSY: a second pool with a
// short busy timeout writes while the first holds the write lock.
func TestSQLiteBusyIsRetryable(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	ctx := context.Background()
	migrateCounter(t, db)
	holding := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.Tx(ctx, func(tx *sqlstore.Tx) error {
			if err := increment(ctx, tx); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 1"); err != nil {
		t.Fatal(err)
	}
	_, err = conn.ExecContext(ctx, "UPDATE counter SET n = 100 WHERE name = 'c'")
	close(release)
	if err == nil {
		t.Fatal("a second writer got in while the first held the lock")
	}
	if !sqlstore.IsRetryable(err) {
		t.Fatalf("IsRetryable(%v) = false, want true", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := counterValue(t, db); got != 1 {
		t.Fatalf("n = %d, want 1", got)
	}
}

func TestIsUniqueViolation(t *testing.T) {
	eachCounter(t, func(t *testing.T, ctx context.Context, db *sqlstore.DB) {
		_, err := db.Exec(ctx, "INSERT INTO counter (name, n) VALUES (?, ?)", "c", 5)
		if !sqlstore.IsUniqueViolation(err) {
			t.Fatalf("IsUniqueViolation(%v) = false", err)
		}
		if sqlstore.IsRetryable(err) {
			t.Fatalf("IsRetryable(%v) = true", err)
		}
	})
}

func TestReadAndCollect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if _, err := db.Exec(ctx, "CREATE TABLE names (n TEXT NOT NULL, k BIGINT NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		for i, n := range []string{"c", "a", "b"} {
			if _, err := db.Exec(ctx, "INSERT INTO names (n, k) VALUES (?, ?)", n, i); err != nil {
				t.Fatal(err)
			}
		}
		got, err := sqlstore.Read(ctx, db, func(tx *sqlstore.Tx) ([]string, error) {
			return sqlstore.Collect(ctx, tx, sqlstore.ScanString, "SELECT n FROM names WHERE k >= ? ORDER BY n", 1)
		})
		if err != nil || len(got) != 2 || got[0] != "a" || got[1] != "b" {
			t.Fatalf("Read(Collect) = %q, %v", got, err)
		}
		none, err := sqlstore.List(ctx, db, sqlstore.ScanString, "SELECT n FROM names WHERE k > ?", 9)
		if err != nil || len(none) != 0 {
			t.Fatalf("no rows: %q, %v", none, err)
		}
		errScan := errors.New("scan refused")
		_, err = sqlstore.Read(ctx, db, func(tx *sqlstore.Tx) ([]string, error) {
			return sqlstore.Collect(ctx, tx, func(sqlstore.Scanner) (string, error) { return "", errScan }, "SELECT n FROM names")
		})
		if !errors.Is(err, errScan) {
			t.Fatalf("a failing scan: %v", err)
		}
		if _, err := sqlstore.Read(ctx, db, func(tx *sqlstore.Tx) ([]string, error) {
			return sqlstore.Collect(ctx, tx, sqlstore.ScanString, "SELECT n FROM no_such_table")
		}); err == nil {
			t.Fatal("a failing query succeeded")
		}
	})
}

// holdWriter starts a transaction that holds SQLite's writer until the
// function it returns is called, which lets it run fn and returns its
// outcome.
func holdWriter(db *sqlstore.DB, fn func(tx *sqlstore.Tx) error) (release func() error) {
	holding, rel := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.Tx(context.Background(), func(tx *sqlstore.Tx) error {
			close(holding)
			<-rel
			return fn(tx)
		})
	}()
	<-holding
	return func() error {
		close(rel)
		return <-first
	}
}

// TestGroupCommitMembersStandAlone: on SQLite the transactions that queue
// while one runs commit together, yet each keeps its own outcome: a failing
// or panicking member is rolled back alone, a member whose context ended
// before its turn never runs, and the others commit.
func TestGroupCommitMembersStandAlone(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	ctx := context.Background()
	migrateCounter(t, db)
	insert := func(key string) func(tx *sqlstore.Tx) error {
		return func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO effects (key, worker) VALUES (?, 0)", key)
			return err
		}
	}
	// The first transaction holds the writer until every other is queued.
	release := holdWriter(db, insert("first"))
	errBoom := errors.New("boom")
	canceled, cancel := context.WithCancel(ctx)
	ran := atomic.Bool{}
	members := []struct {
		name string
		ctx  context.Context
		fn   func(tx *sqlstore.Tx) error
		want error
	}{
		{"ok-a", ctx, insert("ok-a"), nil},
		{"fails", ctx, func(tx *sqlstore.Tx) error {
			if err := insert("fails")(tx); err != nil {
				return err
			}
			return errBoom
		}, errBoom},
		{"canceled", canceled, func(tx *sqlstore.Tx) error { ran.Store(true); return insert("canceled")(tx) }, context.Canceled},
		{"ok-b", ctx, insert("ok-b"), nil},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(members))
	for i, m := range members {
		wg.Go(func() { errs[i] = db.Tx(m.ctx, m.fn) })
	}
	panicked := make(chan any, 1)
	wg.Go(func() {
		defer func() { panicked <- recover() }()
		_ = db.Tx(ctx, func(tx *sqlstore.Tx) error {
			if err := insert("panics")(tx); err != nil {
				return err
			}
			panic("panic in a member")
		})
	})
	// Let every member queue behind the first, then end one's context.
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := release(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, m := range members {
		if !errors.Is(errs[i], m.want) || (m.want == nil && errs[i] != nil) {
			t.Errorf("%s: Tx = %v, want %v", m.name, errs[i], m.want)
		}
	}
	if r := <-panicked; r != "panic in a member" {
		t.Errorf("recovered %v, want the member's panic re-raised", r)
	}
	if ran.Load() {
		t.Error("a member whose context ended before its turn ran")
	}
	got, err := sqlstore.List(ctx, db, sqlstore.ScanString, "SELECT key FROM effects ORDER BY key")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"first", "ok-a", "ok-b"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("committed %q, want %q", got, want)
	}
}

// TestGroupCommitSurvivesABrokenGroup: a member that ends the shared
// transaction itself fails, and the members it took down with it run again
// and commit.
func TestGroupCommitSurvivesABrokenGroup(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	ctx := context.Background()
	migrateCounter(t, db)
	release := holdWriter(db, func(tx *sqlstore.Tx) error { return increment(ctx, tx) })
	var wg sync.WaitGroup
	var incErrs [4]error
	for i := range incErrs {
		wg.Go(func() { incErrs[i] = db.Tx(ctx, func(tx *sqlstore.Tx) error { return increment(ctx, tx) }) })
	}
	var breakErr error
	wg.Go(func() {
		breakErr = db.Tx(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, "ROLLBACK")
			return err
		})
	})
	time.Sleep(50 * time.Millisecond)
	if err := release(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if breakErr == nil {
		t.Error("a member that rolled the shared transaction back succeeded")
	}
	for _, err := range incErrs {
		if err != nil {
			t.Errorf("a member of the broken group: %v", err)
		}
	}
	if got := counterValue(t, db); got != 5 {
		t.Fatalf("n = %d, want 5", got)
	}
}

func TestRebind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, postgres string
	}{
		{"none", "SELECT 1", "SELECT 1"},
		{"several", "SELECT a FROM t WHERE b = ? AND c IN (?, ?)", "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"},
		{"ten and more", "VALUES (?,?,?,?,?,?,?,?,?,?,?)", "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"},
		{"string literal", "SELECT 'what?' , ?", "SELECT 'what?' , $1"},
		{"escaped quote", "SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"},
		{"quoted identifier", `SELECT "odd?col" FROM t WHERE x = ?`, `SELECT "odd?col" FROM t WHERE x = $1`},
		{"line comment", "SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{"line comment at end", "SELECT ? -- why?", "SELECT $1 -- why?"},
		{"block comment", "SELECT /* a ? b */ ?", "SELECT /* a ? b */ $1"},
		{"unterminated literal", "SELECT ? 'abc?", "SELECT $1 'abc?"},
		{"unterminated comment", "SELECT ? /* ?", "SELECT $1 /* ?"},
		{"minus is not a comment", "SELECT 1-? , ?", "SELECT 1-$1 , $2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pg := &sqlstore.DB{Dialect: sqlstore.Postgres}
			if got := pg.Rebind(tc.in); got != tc.postgres {
				t.Errorf("postgres Rebind(%q) = %q, want %q", tc.in, got, tc.postgres)
			}
			lite := &sqlstore.DB{Dialect: sqlstore.SQLite}
			if got := lite.Rebind(tc.in); got != tc.in {
				t.Errorf("sqlite Rebind(%q) = %q, want it unchanged", tc.in, got)
			}
		})
	}
}

// TestRebindRuns sends rebound queries with ? in literals and comments to
// both servers.
func TestRebindRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		var got string
		err := db.QueryRow(ctx, "SELECT 'a?' || CAST(? AS TEXT) /* b? */ || CAST(? AS TEXT) -- c?\n", "x", "y").Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got != "a?xy" {
			t.Fatalf("got %q, want %q", got, "a?xy")
		}
		err = db.Tx(ctx, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, "SELECT CAST(? AS TEXT) || '?'", "z").Scan(&got)
		})
		if err != nil || got != "z?" {
			t.Fatalf("in Tx: got %q, %v; want %q", got, err, "z?")
		}
	})
}
