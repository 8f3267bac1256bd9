package sqlstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
)

// migration is one NNN_name.sql file.
type migration struct {
	version  int64
	file     string
	sql      string
	checksum string
}

// migrateLockKey is the PostgreSQL advisory lock Migrate holds, so
// processes starting at once apply each file exactly once.
const migrateLockKey = 7_260_113_001

// MigrateDir is Migrate with the migrations in directory dir of fsys, as
// `//go:embed migrations/*.sql` lays them out.
func (db *DB) MigrateDir(ctx context.Context, component string, fsys fs.FS, dir string) error {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return fmt.Errorf("migrating %s: %w", component, err)
	}
	return db.Migrate(ctx, component, sub)
}

// Migrate applies component's migrations found in the root of fsys: files
// named NNN_name.sql (NNN a decimal version; other files are ignored),
// ascending by version. Each file runs in its own transaction together with
// its record in schema_migrations, so it is applied exactly once even when
// several processes migrate at the same time, and a failed file leaves
// nothing behind. Migrate fails if an applied file has changed since, if two
// files share a version, or if the database holds versions of component
// that fsys lacks (a newer program migrated it).
func (db *DB) Migrate(ctx context.Context, component string, fsys fs.FS) error {
	if component == "" {
		return errors.New("migrating: empty component name")
	}
	ms, err := readMigrations(fsys)
	if err != nil {
		return fmt.Errorf("migrating %s: %w", component, err)
	}
	unlock, err := db.lockMigrations(ctx)
	if err != nil {
		return fmt.Errorf("migrating %s: %w", component, err)
	}
	defer unlock()
	for _, m := range ms {
		if err := db.Tx(ctx, func(tx *Tx) error { return applyMigration(ctx, tx, component, m) }); err != nil {
			return fmt.Errorf("migrating %s: %s: %w", component, m.file, err)
		}
	}
	return db.checkNoUnknown(ctx, component, ms)
}

// lockMigrations keeps other processes from migrating until unlock is
// called. On PostgreSQL it holds a session advisory lock on a dedicated
// connection: a lock taken inside the migration's serializable transaction
// would come after its snapshot, which then could not see what the previous
// holder committed. SQLite needs nothing here: each migration transaction
// begins IMMEDIATE, holding the write lock from its first read.
func (db *DB) lockMigrations(ctx context.Context) (unlock func(), err error) {
	if db.Dialect != Postgres {
		return func() {}, nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("taking the migration lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLockKey)); err != nil {
		discard(conn)
		return nil, fmt.Errorf("taking the migration lock: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, int64(migrateLockKey)); err != nil {
			discard(conn) // closing the session releases its locks
			return
		}
		_ = conn.Close()
	}, nil
}

// discard closes conn's session instead of returning it to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

func readMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("listing migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		version, ok := migrationVersion(name)
		if !ok {
			return nil, fmt.Errorf("migration file %q: want NNN_name.sql", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("reading migration %s: %w", name, err)
		}
		sum := sha256.Sum256(body)
		ms = append(ms, migration{version: version, file: name, sql: string(body), checksum: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(ms, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", ms[i-1].file, ms[i].file, ms[i].version)
		}
	}
	return ms, nil
}

// migrationVersion parses the NNN of "NNN_name.sql".
func migrationVersion(file string) (int64, bool) {
	digits, rest, ok := strings.Cut(file, "_")
	if !ok || digits == "" || rest == ".sql" {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	return v, err == nil
}

func applyMigration(ctx context.Context, tx *Tx, component string, m migration) error {
	if err := createMigrationsTable(ctx, tx); err != nil {
		return err
	}
	var recorded string
	err := tx.QueryRow(ctx, `SELECT checksum FROM schema_migrations WHERE component = ? AND version = ?`,
		component, m.version).Scan(&recorded)
	switch {
	case err == nil && recorded == m.checksum:
		return nil
	case err == nil:
		return fmt.Errorf("changed after it was applied (sha256 %s recorded, %s now): add a new migration instead", recorded, m.checksum)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("reading schema_migrations: %w", err)
	}
	if strings.TrimSpace(m.sql) != "" {
		// Not rebound: migrations take no parameters, and a ? in them is SQL.
		if _, err := tx.tx.ExecContext(ctx, m.sql); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (component, version, name, checksum, applied_at)
		VALUES (?, ?, ?, ?, ?)`, component, m.version, m.file, m.checksum, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	return nil
}

// createMigrationsTable creates schema_migrations if it is missing.
func createMigrationsTable(ctx context.Context, tx *Tx) error {
	_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component  TEXT   NOT NULL,
		version    BIGINT NOT NULL,
		name       TEXT   NOT NULL,
		checksum   TEXT   NOT NULL,
		applied_at BIGINT NOT NULL,
		PRIMARY KEY (component, version)
	)`)
	if err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}
	return nil
}

func (db *DB) checkNoUnknown(ctx context.Context, component string, ms []migration) error {
	rows, err := db.Query(ctx, `SELECT version, name FROM schema_migrations WHERE component = ? ORDER BY version`, component)
	if err != nil {
		return fmt.Errorf("migrating %s: reading schema_migrations: %w", component, err)
	}
	defer rows.Close()
	var unknown []string
	for rows.Next() {
		var (
			v    int64
			name string
		)
		if err := rows.Scan(&v, &name); err != nil {
			return fmt.Errorf("migrating %s: reading schema_migrations: %w", component, err)
		}
		if !slices.ContainsFunc(ms, func(m migration) bool { return m.version == v }) {
			unknown = append(unknown, name)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrating %s: reading schema_migrations: %w", component, err)
	}
	if len(unknown) > 0 {
		return fmt.Errorf("migrating %s: the database has migrations this program lacks (%s): it was migrated by a newer version",
			component, strings.Join(unknown, ", "))
	}
	return nil
}
