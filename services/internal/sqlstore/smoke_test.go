package sqlstore_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/licenseflow/licenseflow/services/internal/sqlstore"
	"github.com/licenseflow/licenseflow/services/internal/sqlstore/storetest"
)

func TestSmoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		fsys := fstest.MapFS{"001_a.sql": {Data: []byte("CREATE TABLE a (id TEXT PRIMARY KEY, n BIGINT NOT NULL);\nCREATE INDEX a_n ON a (n);")}}
		if err := db.Migrate(ctx, "c", fsys); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx, "c", fsys); err != nil {
			t.Fatal(err)
		}
		err := db.Tx(ctx, func(tx *sqlstore.Tx) error {
			first, err := tx.FirstTime(ctx, "c", "k")
			if err != nil || !first {
				t.Fatalf("first %v %v", first, err)
			}
			_, err = tx.Exec(ctx, "INSERT INTO a (id, n) VALUES (?, ?)", "x", 5)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := db.QueryRow(ctx, "SELECT n FROM a WHERE id = ?", "x").Scan(&n); err != nil || n != 5 {
			t.Fatal(n, err)
		}
	})
}
