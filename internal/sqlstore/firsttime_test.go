package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
)

func firstTime(t *testing.T, db *sqlstore.DB, consumer, key string) bool {
	t.Helper()
	ctx := context.Background()
	var first bool
	err := db.Tx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		first, err = tx.FirstTime(ctx, consumer, key)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return first
}

func TestFirstTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if !firstTime(t, db, "payment", "evt_1") {
			t.Fatal("first mark reported as seen")
		}
		if firstTime(t, db, "payment", "evt_1") {
			t.Fatal("second mark reported as new")
		}
		if !firstTime(t, db, "accounts", "evt_1") {
			t.Fatal("another consumer's mark counted")
		}
		if !firstTime(t, db, "payment", "evt_2") {
			t.Fatal("another key counted")
		}

		// A mark rolled back with its transaction does not count.
		errLater := errors.New("effect failed")
		err := db.Tx(ctx, func(tx *sqlstore.Tx) error {
			first, err := tx.FirstTime(ctx, "payment", "evt_3")
			if err != nil || !first {
				t.Fatalf("FirstTime = %v, %v", first, err)
			}
			// Within the same transaction the key is now taken.
			again, err := tx.FirstTime(ctx, "payment", "evt_3")
			if err != nil || again {
				t.Fatalf("second FirstTime in the same tx = %v, %v", again, err)
			}
			return errLater
		})
		if !errors.Is(err, errLater) {
			t.Fatal(err)
		}
		if !firstTime(t, db, "payment", "evt_3") {
			t.Fatal("a rolled-back mark counted")
		}

		err = db.Tx(ctx, func(tx *sqlstore.Tx) error {
			if _, err := tx.FirstTime(ctx, "", "k"); err == nil {
				t.Error("empty consumer accepted")
			}
			if _, err := tx.FirstTime(ctx, "c", ""); err == nil {
				t.Error("empty key accepted")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestFirstTimeOneWinner: many transactions race to process the same event;
// exactly one applies its effect.
func TestFirstTimeOneWinner(t *testing.T) {
	eachCounter(t, func(t *testing.T, ctx context.Context, db *sqlstore.DB) {
		const workers = 12
		for _, key := range []string{"evt_a", "evt_b", "evt_c"} {
			var (
				wg    sync.WaitGroup
				mu    sync.Mutex
				wins  int
				start = make(chan struct{})
			)
			for w := range workers {
				wg.Go(func() {
					<-start
					var won bool
					err := db.Tx(ctx, func(tx *sqlstore.Tx) error {
						won = false // fn may run again after a conflict
						first, err := tx.FirstTime(ctx, "race", key)
						if err != nil || !first {
							return err
						}
						if _, err := tx.Exec(ctx, "INSERT INTO effects (key, worker) VALUES (?, ?)", key, w); err != nil {
							return err
						}
						won = true
						return nil
					})
					if err != nil {
						t.Error(err)
						return
					}
					if won {
						mu.Lock()
						wins++
						mu.Unlock()
					}
				})
			}
			close(start)
			wg.Wait()
			var effects int64
			if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM effects WHERE key = ?", key).Scan(&effects); err != nil {
				t.Fatal(err)
			}
			if wins != 1 || effects != 1 {
				t.Fatalf("%s: %d winners and %d effects, want exactly 1 each", key, wins, effects)
			}
		}
	})
}

func TestForgetProcessed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		firstTime(t, db, "old", "k1")
		firstTime(t, db, "old", "k2")
		firstTime(t, db, "kept", "k1")
		n, err := db.ForgetProcessed(ctx, "old", time.Now().Add(time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("ForgetProcessed = %d, %v; want 2", n, err)
		}
		if n, err := db.ForgetProcessed(ctx, "kept", time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("ForgetProcessed of recent marks = %d, %v; want 0", n, err)
		}
		if !firstTime(t, db, "old", "k1") {
			t.Fatal("a forgotten key still counted as seen")
		}
		if firstTime(t, db, "kept", "k1") {
			t.Fatal("another consumer's key was forgotten")
		}
	})
}
