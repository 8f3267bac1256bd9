package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
)

// BenchmarkConsume measures the cost of one idempotent event: Tx with a
// FirstTime mark and one insert, beside the baseline of the same insert in
// a bare database/sql transaction (no mark, no retry loop).
func BenchmarkConsume(b *testing.B) {
	backends := []struct {
		name string
		open func(testing.TB) *sqlstore.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db := be.open(b)
			ctx := context.Background()
			if _, err := db.Exec(ctx, "CREATE TABLE effects (key TEXT NOT NULL PRIMARY KEY, n BIGINT NOT NULL)"); err != nil {
				b.Fatal(err)
			}
			b.Run("baseline-sql-tx", func(b *testing.B) {
				insert := db.Rebind("INSERT INTO effects (key, n) VALUES (?, ?)")
				for i := 0; b.Loop(); i++ {
					tx, err := db.BeginTx(ctx, nil)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := tx.ExecContext(ctx, insert, fmt.Sprintf("base-%d", i), i); err != nil {
						b.Fatal(err)
					}
					if err := tx.Commit(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
			b.Run("tx-firsttime", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					key := fmt.Sprintf("evt-%d", i)
					err := db.Tx(ctx, func(tx *sqlstore.Tx) error {
						first, err := tx.FirstTime(ctx, "bench", key)
						if err != nil || !first {
							return err
						}
						_, err = tx.Exec(ctx, "INSERT INTO effects (key, n) VALUES (?, ?)", key, i)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		})
	}
}
