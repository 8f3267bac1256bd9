package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Dialect names the SQL backend behind a DB.
type Dialect int

const (
	// SQLite is modernc.org/sqlite on a local file.
	SQLite Dialect = iota + 1
	// Postgres is a PostgreSQL server reached through pgx/v5.
	Postgres
)

// String returns "sqlite" or "postgres".
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	default:
		return fmt.Sprintf("Dialect(%d)", int(d))
	}
}

// DB is a pool of connections to one store. The embedded *sql.DB stays
// available for what this package does not wrap; its *Context methods do not
// rebind placeholders, the Exec/Query/QueryRow methods of DB do.
// DB is safe for concurrent use.
type DB struct {
	*sql.DB
	Dialect Dialect
	// read is SQLite's pool of read-only connections (View); PostgreSQL
	// reads from DB.
	read *sql.DB
	// group commits SQLite's write transactions (Tx); nil on PostgreSQL.
	group *committer
	// SQLite's prepared statements, of the write and the read pool.
	stmts, readStmts *stmtCache
}

// Close stops the group commit after the group running and closes the
// pools.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	db.stmts.close()
	db.readStmts.close()
	var errs []error
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	return errors.Join(append(errs, db.DB.Close())...)
}

// sqlitePool bounds each SQLite pool (the writer's, the readers'): reads
// are short, and more connections than cores buy nothing but page caches.
const sqlitePool = 4

// The page cache of each connection (SQLite's default is 2000 KiB): each
// connection has its own, the OS caches the file for all of them, and the
// process stays small (the in-VPC poller is one).
const (
	sqliteWriterCacheKiB = 1024
	sqliteReaderCacheKiB = 256
)

// sqliteBusyTimeout is how long a SQLite statement waits for a lock before it
// fails with SQLITE_BUSY (after which Tx retries the transaction).
const sqliteBusyTimeout = 10 * time.Second

// ErrBadURL reports a store URL Open does not understand.
var ErrBadURL = errors.New("bad store url")

// Open opens the store named by url and checks that it answers:
//
//   - "sqlite:PATH" — a SQLite file at PATH (created if missing; its
//     directory must exist). PATH may be relative.
//   - "postgres://..." or "postgresql://..." — a PostgreSQL server, in the
//     URL form libpq and pgx accept.
//
// It also creates the store's own tables (schema_migrations and the
// FirstTime marks). The caller closes the DB.
func Open(ctx context.Context, url string) (*DB, error) {
	var (
		db  *DB
		err error
	)
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		db, err = openSQLite(strings.TrimPrefix(url, "sqlite:"))
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db, err = openPostgres(url)
	default:
		return nil, fmt.Errorf("%w %q: want sqlite:PATH or a postgres:// URL", ErrBadURL, redact(url))
	}
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to %s store %s: %w", db.Dialect, redact(url), err)
	}
	if err := db.bootstrap(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openSQLite(path string) (*DB, error) {
	path = strings.TrimPrefix(path, "//") // tolerate sqlite://PATH
	switch {
	case path == "":
		return nil, fmt.Errorf("%w: sqlite: needs a file path", ErrBadURL)
	case strings.ContainsAny(path, "?#"):
		return nil, fmt.Errorf("%w: sqlite path %q contains ? or #", ErrBadURL, path)
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return nil, fmt.Errorf("%w: sqlite:%s: only plain file paths are supported", ErrBadURL, path)
	}
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q.Set("_busy_timeout", fmt.Sprint(sqliteBusyTimeout.Milliseconds()))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "1")
	q.Set("_pragma", fmt.Sprintf("cache_size(-%d)", sqliteWriterCacheKiB))
	sqlDB, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening sqlite %s: %w", path, err)
	}
	// Idle connections keep their page cache. Writes go through the group
	// commit's one transaction at a time; a few more connections serve
	// preparing statements and what runs outside Tx (migrations). Each
	// connection has a page cache of its own, so the pools stay small.
	sqlDB.SetMaxIdleConns(sqlitePool)
	sqlDB.SetMaxOpenConns(sqlitePool)
	// Readers run beside the writer in WAL mode, in deferred transactions
	// on connections that refuse to write.
	q.Set("_txlock", "deferred")
	q.Del("_journal_mode") // the write pool set it; it stays with the file
	q.Set("_query_only", "1")
	// Readers share the OS's cache of the file; a small page cache each
	// keeps the B-trees' upper pages, and the process small.
	q.Set("_pragma", fmt.Sprintf("cache_size(-%d)", sqliteReaderCacheKiB))
	readDB, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("opening sqlite %s: %w", path, err)
	}
	readDB.SetMaxIdleConns(sqlitePool)
	readDB.SetMaxOpenConns(sqlitePool)
	db := &DB{DB: sqlDB, Dialect: SQLite, read: readDB, stmts: newStmtCache(sqlDB), readStmts: newStmtCache(readDB)}
	db.group = newCommitter(sqlDB, db.stmts)
	return db, nil
}

func openPostgres(u string) (*DB, error) {
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		// pgx's message can quote the URL, password included.
		return nil, fmt.Errorf("%w: parsing postgres url %s", ErrBadURL, redact(u))
	}
	sqlDB := stdlib.OpenDB(*cfg)
	sqlDB.SetMaxIdleConns(4)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{DB: sqlDB, Dialect: Postgres}, nil
}

// redact hides the password of a URL for error messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		if err != nil && strings.Contains(s, "@") {
			return "(unparsable url)"
		}
		return s
	}
	return u.Redacted()
}
