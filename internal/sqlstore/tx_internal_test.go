package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestRetryEndedDuringAnAttempt: a context that ends after a contention,
// just as the next attempt begins (not while backing off), still yields
// the context's error with that contention wrapped, as one ending during
// the backoff does.
func TestRetryEndedDuringAnAttempt(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conflict := &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}
	calls := 0
	err := retry(ctx, func() error {
		calls++
		if calls == 1 {
			return conflict
		}
		cancel()
		return fmt.Errorf("beginning transaction: %w", ctx.Err())
	})
	var pe *pgconn.PgError
	if calls != 2 || !errors.Is(err, context.Canceled) || !errors.As(err, &pe) {
		t.Fatalf("after %d attempts: %v, want the context's error and the conflict", calls, err)
	}
	calls = 0
	err = retry(context.Background(), func() error { calls++; return errors.New("not contention") })
	if calls != 1 || err == nil || err.Error() != "not contention" {
		t.Fatalf("a plain error after %d attempts: %v, want it returned as is", calls, err)
	}
}

// TestViewsPrepareWithoutDeadlock: as many read-only transactions as the
// readers' pool has connections, each holding one, meet a statement not
// prepared yet. Preparing it once took a connection of its own while the
// transaction held one, under a lock the others waited on while holding
// theirs, so every one waited for a connection none would release (until
// its context ended).
func TestViewsPrepareWithoutDeadlock(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "views.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var inside sync.WaitGroup
	inside.Add(sqlitePool)
	errs := make(chan error, sqlitePool)
	for i := range sqlitePool {
		go func() {
			errs <- db.View(ctx, func(tx *Tx) error {
				inside.Done()
				inside.Wait() // every connection of the pool is held
				var n int
				return tx.QueryRow(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&n)
			})
		}()
	}
	for range sqlitePool {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i := range sqlitePool {
		if err := db.View(ctx, func(tx *Tx) error {
			if tx.stmts.get(fmt.Sprintf("SELECT %d", i)) == nil {
				return fmt.Errorf("SELECT %d was not prepared once its transaction ended", i)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
}
