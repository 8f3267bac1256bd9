package sqlstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
)

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name   string
		url    string
		badURL bool   // errors.Is(err, ErrBadURL)
		want   string // substring of the message
	}{
		{"empty", "", true, "want sqlite:PATH"},
		{"unknown scheme", "mysql://u@127.0.0.1/db", true, "want sqlite:PATH"},
		{"bare path", filepath.Join(dir, "x.db"), true, "want sqlite:PATH"},
		{"sqlite without path", "sqlite:", true, "needs a file path"},
		{"sqlite with query", "sqlite:" + filepath.Join(dir, "x.db") + "?_pragma=x", true, "contains ? or #"},
		{"sqlite memory", "sqlite::memory:", true, "only plain file paths"},
		{"sqlite file uri", "sqlite:file:x.db", true, "only plain file paths"},
		{"sqlite missing directory", "sqlite:" + filepath.Join(dir, "no", "such", "x.db"), false, "connecting to sqlite store"},
		{"sqlite directory", "sqlite:" + dir, false, "connecting to sqlite store"},
		{"postgres bad port", "postgres://u@127.0.0.1:notaport/db", true, "parsing postgres url"},
		{"postgres bad option", "postgres://u@127.0.0.1/db?sslmode=sometimes", true, "parsing postgres url"},
		{"postgres refused", "postgresql://u:s3cret@127.0.0.1:1/db?sslmode=disable&connect_timeout=10", false, "connecting to postgres store"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			db, err := sqlstore.Open(ctx, tc.url)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded", tc.url)
			}
			if errors.Is(err, sqlstore.ErrBadURL) != tc.badURL {
				t.Errorf("errors.Is(err, ErrBadURL) = %v, want %v (err: %v)", !tc.badURL, tc.badURL, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks the password: %q", err)
			}
		})
	}
}

func TestOpenDialectAndReopen(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := storetest.OpenURL(t, url)
		want := sqlstore.SQLite
		if strings.HasPrefix(url, "postgres") {
			want = sqlstore.Postgres
		}
		if db.Dialect != want {
			t.Fatalf("Dialect = %v, want %v", db.Dialect, want)
		}
		if _, err := db.Exec(ctx, "CREATE TABLE kept (v TEXT NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, "INSERT INTO kept (v) VALUES (?)", "still here"); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		again := storetest.OpenURL(t, url)
		var v string
		if err := again.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != "still here" {
			t.Fatalf("after reopening: %q, %v", v, err)
		}
	})
}

// TestSQLiteSettings checks the durability settings on several pooled
// connections, since SQLite pragmas are per connection.
func TestSQLiteSettings(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	ctx := context.Background()
	conns := make([]interface{ Close() error }, 0, 3)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range 3 {
		c, err := db.Conn(ctx) // held open, so each iteration gets a new connection
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var (
			journal             string
			sync, fk, busy, one int64
		)
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct {
			pragma string
			v      *int64
		}{{"synchronous", &sync}, {"foreign_keys", &fk}, {"busy_timeout", &busy}} {
			if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(p.v); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			t.Fatal(err)
		}
		if journal != "wal" || sync != 2 || fk != 1 || busy < 1000 {
			t.Errorf("connection %d: journal_mode=%s synchronous=%d foreign_keys=%d busy_timeout=%d; want wal, 2 (FULL), 1, >=1000",
				i, journal, sync, fk, busy)
		}
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if _, err := db.Exec(ctx, `CREATE TABLE parent (id TEXT NOT NULL PRIMARY KEY);
			CREATE TABLE child (id TEXT NOT NULL PRIMARY KEY, parent_id TEXT NOT NULL REFERENCES parent (id))`); err != nil {
			t.Fatal(err)
		}
		err := db.Tx(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO child (id, parent_id) VALUES (?, ?)", "c", "missing")
			return err
		})
		if err == nil {
			t.Fatal("inserting a child of a missing parent succeeded")
		}
	})
}
