package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"testing"

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
