package sqlstore

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SQLite primary result codes and PostgreSQL SQLSTATEs that mean "another
// transaction got in the way; running again may succeed".
const (
	sqliteBusy   = 5
	sqliteLocked = 6

	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// IsRetryable reports whether err (anywhere in its chain) is contention that
// a fresh attempt of the whole transaction may get past: SQLITE_BUSY or
// SQLITE_LOCKED (any extended code), a SQLite group commit that another
// member's failure rolled back, or PostgreSQL serialization_failure or
// deadlock_detected.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, errGroupAborted) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqliteBusy, sqliteLocked:
			return true
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgSerializationFailure, pgDeadlockDetected:
			return true
		}
	}
	return false
}

// IsUniqueViolation reports whether err is a unique or primary key
// constraint violation on either backend.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		// SQLITE_CONSTRAINT_PRIMARYKEY (1555) and SQLITE_CONSTRAINT_UNIQUE (2067).
		return se.Code() == 1555 || se.Code() == 2067
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
