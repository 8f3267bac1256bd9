package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing/fstest"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// A consumer applies each event once: the FirstTime mark and the effect
// commit together, so a redelivered event changes nothing.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "sqlstore-example")
	defer os.RemoveAll(dir)

	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "store.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	// Usually an embed.FS: //go:embed migrations/*.sql, then fs.Sub.
	migrations := fstest.MapFS{"001_seats.sql": {Data: []byte(
		`CREATE TABLE seats (company_id TEXT NOT NULL PRIMARY KEY, seats BIGINT NOT NULL, updated_at BIGINT NOT NULL)`)}}
	if err := db.Migrate(ctx, "example", migrations); err != nil {
		fmt.Println(err)
		return
	}

	handle := func(eventID, company string, add int64) error {
		return db.Tx(ctx, func(tx *sqlstore.Tx) error {
			first, err := tx.FirstTime(ctx, "example", eventID)
			if err != nil || !first {
				return err // a redelivery: nothing to do
			}
			_, err = tx.Exec(ctx, `INSERT INTO seats (company_id, seats, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (company_id) DO UPDATE SET seats = seats.seats + excluded.seats, updated_at = excluded.updated_at`,
				company, add, int64(1_700_000_000_000))
			return err
		})
	}
	for _, id := range []string{"evt_1", "evt_2", "evt_1"} { // evt_1 arrives twice
		if err := handle(id, "co_1", 5); err != nil {
			fmt.Println(err)
			return
		}
	}
	var seats int64
	if err := db.QueryRow(ctx, "SELECT seats FROM seats WHERE company_id = ?", "co_1").Scan(&seats); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("seats:", seats)
	// Output: seats: 10
}
