package sqlstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
)

// BenchmarkConsume measures the cost of one idempotent event: Tx with a
// FirstTime mark and one insert, beside the baseline of the same insert in
// a bare database/sql transaction (no mark, no retry loop); one event at a
// time, and (the -concurrent pair) from 16 goroutines at once, as a stage
// handles a queue: there SQLite's transactions commit in groups, while
// bare transactions queue for the write lock one by one.
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
			insert := db.Rebind("INSERT INTO effects (key, n) VALUES (?, ?)")
			bare := func(b *testing.B, key string, i int64) {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.ExecContext(ctx, insert, key, i); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			consume := func(b *testing.B, key string, i int64) {
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
			var seq atomic.Int64
			for _, c := range []struct {
				name string
				fn   func(*testing.B, string, int64)
			}{{"baseline-sql-tx", bare}, {"tx-firsttime", consume}} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						i := seq.Add(1)
						c.fn(b, fmt.Sprintf("%s-%d", c.name, i), i)
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
				})
				b.Run(c.name+"-concurrent", func(b *testing.B) {
					b.SetParallelism(8) // 16 goroutines on 2 cores
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							i := seq.Add(1)
							c.fn(b, fmt.Sprintf("%s-%d", c.name, i), i)
						}
					})
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
				})
			}
		})
	}
}
