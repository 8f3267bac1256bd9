package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
)

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
