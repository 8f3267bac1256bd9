package sqlstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"
)

//go:embed migrations/*.sql
var ownMigrations embed.FS

// ownComponent is the component name of the store's own tables.
const ownComponent = "sqlstore"

// bootstrap creates the store's own tables.
func (db *DB) bootstrap(ctx context.Context) error {
	return db.MigrateDir(ctx, ownComponent, ownMigrations, "migrations")
}

// FirstTime records that consumer has processed key, in tx, and reports
// whether this is the first time: true means the caller should apply the
// effect now (in the same tx); false means an earlier committed transaction
// already did, and the caller should change nothing. Because the mark commits
// or rolls back with the effect, exactly one of several concurrent
// transactions marking the same key commits with true. Consumers use event
// ids or provider event ids as keys; each consumer has its own key space.
func (tx *Tx) FirstTime(ctx context.Context, consumer, key string) (bool, error) {
	if consumer == "" || key == "" {
		return false, errors.New("first time: empty consumer or key")
	}
	res, err := tx.Exec(ctx, `INSERT INTO sqlstore_processed (consumer, idem_key, processed_at)
		VALUES (?, ?, ?) ON CONFLICT (consumer, idem_key) DO NOTHING`, consumer, key, time.Now().UnixMilli())
	if err != nil {
		return false, fmt.Errorf("marking %s/%s processed: %w", consumer, key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("marking %s/%s processed: %w", consumer, key, err)
	}
	return n == 1, nil
}

// ForgetProcessed deletes consumer's marks recorded before cutoff and
// returns how many it deleted. Only forget keys whose events can no longer
// be delivered (older than the queue's retention), or a late redelivery
// would be applied again.
func (db *DB) ForgetProcessed(ctx context.Context, consumer string, cutoff time.Time) (int64, error) {
	res, err := db.Exec(ctx, `DELETE FROM sqlstore_processed WHERE consumer = ? AND processed_at < ?`,
		consumer, cutoff.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("forgetting processed keys of %s: %w", consumer, err)
	}
	return res.RowsAffected()
}
