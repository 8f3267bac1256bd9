package sqlstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/internal/sqlstore/storetest"
)

// counterMigrations creates a table and inserts one row per applied file,
// so a file applied twice shows up as an extra row (or a key conflict).
func counterMigrations() fstest.MapFS {
	return fstest.MapFS{
		"001_create.sql": {Data: []byte(`-- a comment with a ? in it
CREATE TABLE applied (file TEXT NOT NULL PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO applied (file, n) VALUES ('001', 1);`)},
		"002_more.sql":  {Data: []byte(`INSERT INTO applied (file, n) VALUES ('002', 2);`)},
		"010_index.sql": {Data: []byte(`CREATE INDEX applied_n ON applied (n); INSERT INTO applied (file, n) VALUES ('010', 10);`)},
		"README.md":     {Data: []byte("not a migration")},
	}
}

func appliedFiles(t *testing.T, db *sqlstore.DB) string {
	return column(t, db, "SELECT file FROM applied ORDER BY n")
}

func recorded(t *testing.T, db *sqlstore.DB, component string) string {
	return column(t, db, "SELECT name FROM schema_migrations WHERE component = ? ORDER BY version", component)
}

// column returns the strings query selects, joined by commas.
func column(t *testing.T, db *sqlstore.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.Query(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(vs, ",")
}

func TestMigrateOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		for range 3 {
			if err := db.Migrate(ctx, "counter", counterMigrations()); err != nil {
				t.Fatal(err)
			}
		}
		if got := appliedFiles(t, db); got != "001,002,010" {
			t.Fatalf("applied %q, want 001,002,010 once each", got)
		}
		if got := recorded(t, db, "counter"); got != "001_create.sql,002_more.sql,010_index.sql" {
			t.Fatalf("schema_migrations holds %q", got)
		}
	})
}

// TestMigrateIncremental adds a file later, as a new release would.
func TestMigrateIncremental(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		first := counterMigrations()
		delete(first, "010_index.sql")
		if err := db.Migrate(ctx, "counter", first); err != nil {
			t.Fatal(err)
		}
		if got := appliedFiles(t, db); got != "001,002" {
			t.Fatalf("applied %q", got)
		}
		if err := db.Migrate(ctx, "counter", counterMigrations()); err != nil {
			t.Fatal(err)
		}
		if got := appliedFiles(t, db); got != "001,002,010" {
			t.Fatalf("applied %q", got)
		}
	})
}

// TestMigrateConcurrently migrates from separate pools at once, as several
// processes starting together would.
func TestMigrateConcurrently(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		const n = 4
		dbs := make([]*sqlstore.DB, n)
		for i := range dbs {
			dbs[i] = storetest.OpenURL(t, url)
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, db := range dbs {
			wg.Go(func() {
				<-start
				errs[i] = db.Migrate(ctx, "counter", counterMigrations())
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("migrator %d: %v", i, err)
			}
		}
		if got := appliedFiles(t, dbs[0]); got != "001,002,010" {
			t.Fatalf("applied %q, want each file once", got)
		}
	})
}

func TestMigrateComponentsIndependent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		a := fstest.MapFS{"001_a.sql": {Data: []byte("CREATE TABLE comp_a (x TEXT)")}}
		b := fstest.MapFS{"001_b.sql": {Data: []byte("CREATE TABLE comp_b (x TEXT)")}}
		if err := db.Migrate(ctx, "a", a); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx, "b", b); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, "INSERT INTO comp_b (x) VALUES (?)", "ok"); err != nil {
			t.Fatalf("component b's migration 001 did not run: %v", err)
		}
		if got := recorded(t, db, "a") + "|" + recorded(t, db, "b"); got != "001_a.sql|001_b.sql" {
			t.Fatalf("recorded %q", got)
		}
	})
}

// TestMigrateFailureRollsBack: a failing file leaves none of its statements
// and no record; the files before it stay applied; fixing it succeeds.
func TestMigrateFailureRollsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		fsys := counterMigrations()
		fsys["002_more.sql"] = &fstest.MapFile{Data: []byte(
			"INSERT INTO applied (file, n) VALUES ('002', 2); CREATE TABLE half (x TEXT); SELECT * FROM no_such_table;")}
		err := db.Migrate(ctx, "counter", fsys)
		if err == nil || !strings.Contains(err.Error(), "002_more.sql") {
			t.Fatalf("Migrate = %v, want an error naming 002_more.sql", err)
		}
		if got := appliedFiles(t, db); got != "001" {
			t.Fatalf("after the failure applied = %q, want 001", got)
		}
		if _, err := db.Exec(ctx, "SELECT * FROM half"); err == nil {
			t.Fatal("table half from the failed migration exists")
		}
		if err := db.Migrate(ctx, "counter", counterMigrations()); err != nil {
			t.Fatalf("after fixing the file: %v", err)
		}
		if got := appliedFiles(t, db); got != "001,002,010" {
			t.Fatalf("applied %q", got)
		}
	})
}

func TestMigrateRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if err := db.Migrate(ctx, "counter", counterMigrations()); err != nil {
			t.Fatal(err)
		}
		changed := counterMigrations()
		changed["002_more.sql"] = &fstest.MapFile{Data: []byte("INSERT INTO applied (file, n) VALUES ('002', 22);")}
		older := counterMigrations()
		delete(older, "010_index.sql")
		tests := []struct {
			name string
			fsys fstest.MapFS
			want string
		}{
			{"changed file", changed, "changed after it was applied"},
			{"database newer", older, "010_index.sql"},
			{"bad name", fstest.MapFS{"create.sql": {Data: []byte("SELECT 1")}}, "want NNN_name.sql"},
			{"no name", fstest.MapFS{"001_.sql": {Data: []byte("SELECT 1")}}, "want NNN_name.sql"},
			{"duplicate version", fstest.MapFS{"1_a.sql": {}, "001_b.sql": {}}, "share version 1"},
		}
		for _, tc := range tests {
			err := db.Migrate(ctx, "counter", tc.fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: Migrate = %v, want an error mentioning %q", tc.name, err, tc.want)
			}
		}
		if err := db.Migrate(ctx, "", counterMigrations()); err == nil {
			t.Error("empty component accepted")
		}
		if got := appliedFiles(t, db); got != "001,002,010" {
			t.Fatalf("refused migrations changed the data: %q", got)
		}
	})
}
