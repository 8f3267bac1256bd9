package payment

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/licenseflow/licenseflow/internal/sqlstore"
	"github.com/licenseflow/licenseflow/plans"
)

// generation is one row of payment_plans: a catalogue in force from its
// adoption on, and how far reconsidering the companies it changed got.
type generation struct {
	number  int64
	digest  string
	plans   plans.Catalogue
	scope   scope
	cursor  string // last company reconsidered
	settled bool   // every company in scope reconsidered
}

// scope is which companies a new generation may have changed: every one,
// or those with a subscription to one of keys.
type scope struct {
	all  bool
	keys []string
}

// widen is the scope of a generation adopted while s was not settled yet:
// what s still had to reconsider and what the new catalogue changed.
func (s scope) widen(changed []string) scope {
	if s.all {
		return s
	}
	keys := slices.Concat(s.keys, changed)
	slices.Sort(keys)
	return scope{keys: slices.Compact(keys)}
}

// newestGeneration returns the newest row of payment_plans (without its
// progress), its catalogue parsed only when it is not known (number !=
// known).
func newestGeneration(ctx context.Context, tx *sqlstore.Tx, known int64) (generation, bool, error) {
	var (
		g         generation
		raw, keys string
		all       int
	)
	err := tx.QueryRow(ctx, `SELECT generation, digest, all_keys, changed_keys FROM payment_plans
		ORDER BY generation DESC LIMIT 1`).Scan(&g.number, &g.digest, &all, &keys)
	if errors.Is(err, sql.ErrNoRows) {
		return g, false, nil
	}
	if err != nil {
		return g, false, fmt.Errorf("loading the plans in force: %w", err)
	}
	g.scope.all = all != 0
	if err := json.Unmarshal([]byte(keys), &g.scope.keys); err != nil {
		return g, false, fmt.Errorf("decoding plans generation %d: %w", g.number, err)
	}
	if g.number == known {
		return g, true, nil
	}
	if err := tx.QueryRow(ctx, `SELECT catalogue FROM payment_plans WHERE generation = ?`, g.number).Scan(&raw); err != nil {
		return g, false, fmt.Errorf("loading plans generation %d: %w", g.number, err)
	}
	if g.plans, err = plans.Parse([]byte(raw)); err != nil {
		return g, false, fmt.Errorf("plans generation %d in the store: %w", g.number, err)
	}
	return g, true, nil
}

// loadProgress fills g's cursor and settled from the store.
func loadProgress(ctx context.Context, tx *sqlstore.Tx, g *generation) error {
	var settled int
	err := tx.QueryRow(ctx, `SELECT reconciled_through, reconciled FROM payment_plans_progress WHERE generation = ?`,
		g.number).Scan(&g.cursor, &settled)
	if err != nil {
		return fmt.Errorf("loading the progress of plans generation %d: %w", g.number, err)
	}
	g.settled = settled != 0
	return nil
}

// insertGeneration stores g as the newest generation, with its progress.
// Two stages adopting at once collide on the primary key; one of them
// retries.
func insertGeneration(ctx context.Context, tx *sqlstore.Tx, g generation, now time.Time) error {
	keys := []byte("[]")
	if len(g.scope.keys) > 0 {
		var err error
		if keys, err = json.Marshal(g.scope.keys); err != nil {
			return fmt.Errorf("encoding changed lookup keys: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO payment_plans (generation, digest, catalogue, all_keys, changed_keys, adopted_at)
		VALUES (?, ?, ?, ?, ?, ?)`, g.number, g.digest, string(g.plans.JSON()), boolInt(g.scope.all), string(keys), now.Unix()); err != nil {
		return fmt.Errorf("storing plans generation %d: %w", g.number, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO payment_plans_progress (generation, reconciled_through, reconciled)
		VALUES (?, '', ?)`, g.number, boolInt(g.settled)); err != nil {
		return fmt.Errorf("storing plans generation %d: %w", g.number, err)
	}
	return nil
}

// companiesToReconsider returns up to limit companies after cursor, in
// company order, with a subscription in scope.
func companiesToReconsider(ctx context.Context, tx *sqlstore.Tx, sc scope, cursor string, limit int) ([]string, error) {
	q := `SELECT DISTINCT company_id FROM payment_subscriptions WHERE company_id > ?`
	args := []any{cursor}
	if !sc.all {
		if len(sc.keys) == 0 {
			return nil, nil
		}
		q += ` AND lookup_key IN (?` + strings.Repeat(", ?", len(sc.keys)-1) + `)`
		for _, k := range sc.keys {
			args = append(args, k)
		}
	}
	ids, err := sqlstore.Collect(ctx, tx, sqlstore.ScanString, q+` ORDER BY company_id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("listing companies on changed plans: %w", err)
	}
	return ids, nil
}

// advanceReconcile records that generation n reconsidered every company up
// to through (settled: all of them). It never moves the cursor back, so
// stages reconciling side by side may each record what they did.
func advanceReconcile(ctx context.Context, tx *sqlstore.Tx, n int64, through string, settled bool) error {
	_, err := tx.Exec(ctx, `UPDATE payment_plans_progress SET reconciled_through = ?, reconciled = ?
		WHERE generation = ? AND reconciled = 0 AND reconciled_through <= ?`, through, boolInt(settled), n, through)
	if err != nil {
		return fmt.Errorf("recording reconciled plans: %w", err)
	}
	return nil
}
