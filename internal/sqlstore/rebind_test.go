package sqlstore_test

import (
	"context"
	"testing"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
)

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
