// Package storetest runs tests against every sqlstore backend: a fresh
// SQLite file and a fresh PostgreSQL database.
//
// PostgreSQL comes from the server at LICENSEFLOW_TEST_POSTGRES_URL (an
// admin URL; each test gets its own database, created and dropped here).
// .ci/with-postgres.sh starts a throwaway server and sets the variable;
// make test runs the tests through it. Without the variable the PostgreSQL
// subtests are skipped, except when CI=true, where they fail.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// EnvPostgresURL names the variable holding the admin URL of the test
// PostgreSQL server.
const EnvPostgresURL = "LICENSEFLOW_TEST_POSTGRES_URL"

// setupTimeout bounds creating or dropping a test database; generous, the
// machine may be busy.
const setupTimeout = 2 * time.Minute

// Each runs fn as the parallel subtests "sqlite" and "postgres" of t, each
// with a freshly opened, empty store (no component migrations applied) that
// is closed and removed when the subtest ends. It marks t parallel too: it
// is a test's whole body, so call it once per test and not after
// t.Parallel or t.Setenv.
func Each(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	eachBackend(t, func(t *testing.T, url string) { fn(t, OpenURL(t, url)) })
}

// SQLite opens a store on a new file in t.TempDir().
func SQLite(t testing.TB) *sqlstore.DB {
	t.Helper()
	return OpenURL(t, sqliteURL(t))
}

// Postgres creates a uniquely named database on the test server, opens a
// store on it and drops the database when the test ends. It skips the test
// when EnvPostgresURL is unset, or fails it if CI=true.
func Postgres(t testing.TB) *sqlstore.DB {
	t.Helper()
	return OpenURL(t, PostgresURL(t))
}

// PostgresURL creates a uniquely named, empty database on the test server
// and returns its URL; the database is dropped when the test ends (after
// the test's other cleanups, so close connections to it in t.Cleanup).
// It skips or fails like Postgres.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvPostgresURL)
	if admin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is unset and CI=true: PostgreSQL tests must run in CI (run through .ci/with-postgres.sh)", EnvPostgresURL)
		}
		t.Skipf("PostgreSQL tests skipped: %s is unset (make test, or bash .ci/with-postgres.sh go test ..., starts a throwaway server)", EnvPostgresURL)
	}
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		t.Fatalf("parsing %s: %v", EnvPostgresURL, err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "lf_test_" + hex.EncodeToString(b[:])

	adminDB := stdlib.OpenDB(*cfg)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if _, err := adminDB.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		adminDB.Close()
		t.Fatalf("creating test database %s: %v", name, err)
	}
	t.Cleanup(func() { dropDatabase(t, adminDB, name) })

	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s must be a postgres:// URL: %v", EnvPostgresURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

func dropDatabase(t testing.TB, adminDB *sql.DB, name string) {
	defer adminDB.Close()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	// WITH (FORCE) ends connections a test leaked (PostgreSQL 13+).
	if _, err := adminDB.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		t.Errorf("dropping test database %s: %v", name, err)
	}
}

// OpenURL opens the store at url and closes it when the test ends.
func OpenURL(t testing.TB, url string) *sqlstore.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	db, err := sqlstore.Open(ctx, url)
	if err != nil {
		t.Fatalf("opening test store: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing test store: %v", err)
		}
	})
	return db
}

// EachURL is Each with the URL of a fresh, empty store for fn to open (and
// reopen) itself. The SQLite file lives in t.TempDir(); the PostgreSQL
// database is dropped at the end, so fn must close what it opens (t.Cleanup
// does).
func EachURL(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	eachBackend(t, fn)
}

func eachBackend(t *testing.T, fn func(t *testing.T, url string)) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, sqliteURL(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, PostgresURL(t))
	})
}

// sqliteURL names a new database file in t.TempDir().
func sqliteURL(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "store.db") }
