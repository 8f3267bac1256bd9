package sqlstore_test

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
)

// TestTimestampRoundTrip stores times the portable way (BIGINT Unix
// milliseconds, UTC) and checks value, precision and ordering on both
// backends.
func TestTimestampRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		fsys := fstest.MapFS{"001_times.sql": {Data: []byte(
			"CREATE TABLE times (id BIGINT NOT NULL PRIMARY KEY, at BIGINT NOT NULL, flag INTEGER NOT NULL)")}}
		if err := db.Migrate(ctx, "timetest", fsys); err != nil {
			t.Fatal(err)
		}
		berlin := time.FixedZone("CET", 3600)
		times := []time.Time{
			time.Date(1969, 12, 31, 23, 59, 59, 999_000_000, time.UTC), // negative
			time.Unix(0, 0),
			time.Date(2026, 11, 23, 20, 1, 2, 345_678_901, berlin), // sub-ms digits and a zone
			time.Date(2038, 1, 19, 3, 14, 8, 0, time.UTC),          // past int32 seconds
			time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC),
		}
		err := db.Tx(ctx, func(tx *sqlstore.Tx) error {
			for i, at := range times {
				if _, err := tx.Exec(ctx, "INSERT INTO times (id, at, flag) VALUES (?, ?, ?)", i, at.UnixMilli(), i%2); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(ctx, "SELECT id, at, flag FROM times WHERE at >= ? ORDER BY at", times[0].UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		i := 0
		for ; rows.Next(); i++ {
			var id, ms, flag int64
			if err := rows.Scan(&id, &ms, &flag); err != nil {
				t.Fatal(err)
			}
			got := time.UnixMilli(ms).UTC()
			want := times[i].Truncate(time.Millisecond).UTC()
			if id != int64(i) || !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("row %d: id %d at %v, want id %d at %v (UTC)", i, id, got, i, want)
			}
			if flag != int64(i%2) {
				t.Errorf("row %d: flag %d, want %d", i, flag, i%2)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if i != len(times) {
			t.Fatalf("read %d rows, want %d", i, len(times))
		}
	})
}
