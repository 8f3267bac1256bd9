package payment

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// Plans in force, and reissuing after a change.
//
// A stage adopts its configured catalogue when it starts: unless the
// store's newest generation already has the same digest, it stores a new
// generation (a primary-key collision makes one of several stages starting
// at once retry and find the other's row). Every license is issued from
// the newest generation, read in the issuing transaction, so a stage still
// running with an older file issues from the newer catalogue too and two
// catalogues never alternate.
//
// A new generation names the lookup keys whose plan changed (every key
// when the previous generation had not finished, or there was none).
// Reconcile walks the companies with a subscription to one of them, in
// company order, and reissues each one's license in its own transaction
// through the same path an event takes: a license only when the
// entitlement changed, the next serial, the outbox row in the same
// transaction. Stages reconciling side by side, or one killed halfway,
// only repeat work that finds nothing changed.

// plansState is a stage's view of the generations.
type plansState struct {
	// newest is the newest generation seen (never nil after New).
	newest atomic.Pointer[generation]
	// pending: the newest generation may still have companies to
	// reconsider.
	pending atomic.Bool
}

// adopt makes the configured catalogue the newest generation unless it
// already is.
func (s *Stage) adopt(ctx context.Context) error {
	own := generation{digest: s.cfg.Plans.Digest(), plans: s.cfg.Plans}
	var (
		g       generation
		adopted bool
		prev    int64
	)
	err := retryCollisions(func() error {
		return s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
			latest, ok, err := newestGeneration(ctx, tx, 0)
			if err == nil && ok {
				err = loadProgress(ctx, tx, &latest)
			}
			if err != nil {
				return err
			}
			if ok && latest.digest == own.digest {
				g, adopted = latest, false
				return nil
			}
			g, adopted, prev = own, true, latest.number
			g.number = latest.number + 1
			switch {
			case !ok:
				g.scope = scope{all: true}
			case latest.settled:
				g.scope = scope{keys: own.plans.Changed(latest.plans)}
			default:
				g.scope = latest.scope.widen(own.plans.Changed(latest.plans))
			}
			g.settled = !g.scope.all && len(g.scope.keys) == 0 // e.g. only the trial allowance changed
			return insertGeneration(ctx, tx, g, s.cfg.Now())
		})
	})
	if err != nil {
		return fmt.Errorf("adopting the plans: %w", err)
	}
	s.plans.newest.Store(&g)
	s.plans.pending.Store(!g.settled)
	if adopted {
		s.cfg.Logger.InfoContext(ctx, "plans adopted", "generation", g.number, "previous", prev,
			"digest", g.digest[:12], "changed_lookup_keys", describeScope(g.scope))
	}
	return nil
}

func describeScope(sc scope) any {
	if sc.all {
		return "all"
	}
	return sc.keys
}

// current returns the newest generation, read in tx; the catalogue is
// parsed again only when another stage adopted a newer one.
func (s *Stage) current(ctx context.Context, tx *sqlstore.Tx) (*generation, error) {
	known := s.plans.newest.Load()
	g, ok, err := newestGeneration(ctx, tx, known.number)
	if err != nil {
		return nil, err
	}
	if !ok || g.number == known.number {
		return known, nil
	}
	return &g, nil
}

// follow records a newer generation another stage adopted.
func (s *Stage) follow(ctx context.Context, g *generation) {
	known := s.plans.newest.Load()
	if g.number <= known.number || !s.plans.newest.CompareAndSwap(known, g) {
		return
	}
	s.plans.pending.Store(true)
	if g.digest != s.cfg.Plans.Digest() {
		s.cfg.Logger.WarnContext(ctx, "plans adopted by another payment stage differ from this stage's; issuing from the newest",
			"generation", g.number, "digest", g.digest[:12], "own_digest", s.cfg.Plans.Digest()[:12])
	}
}

// Reconcile reconsiders up to limit companies the newest plans generation
// may have changed, reissuing their licenses where their entitlement
// changed (into the outbox: Flush publishes them). It returns whether
// companies remain. Companies whose newest license no longer grants use
// (canceled, or expired) are left as they are.
func (s *Stage) Reconcile(ctx context.Context, limit int) (more bool, err error) {
	limit = max(limit, 1)
	var (
		g         generation
		companies []string
	)
	err = s.cfg.DB.View(ctx, func(tx *sqlstore.Tx) error {
		cur, err := s.current(ctx, tx)
		if err != nil {
			return err
		}
		g = *cur
		if err := loadProgress(ctx, tx, &g); err != nil {
			return err
		}
		if g.settled {
			return nil
		}
		companies, err = companiesToReconsider(ctx, tx, g.scope, g.cursor, limit)
		return err
	})
	if err != nil {
		return true, fmt.Errorf("reconciling plans: %w", err)
	}
	s.follow(ctx, &g)
	if g.settled {
		s.plans.pending.Store(false)
		return false, nil
	}
	ctx = events.WithCorrelationID(ctx, fmt.Sprintf("plans-g%d-%s", g.number, g.digest[:12]))
	cause := fmt.Sprintf("plans generation %d", g.number)
	for _, company := range companies {
		if err := s.reconsider(ctx, company, cause); err != nil {
			return true, err
		}
	}
	through, settled := g.cursor, len(companies) < limit
	if len(companies) > 0 {
		through = companies[len(companies)-1]
	}
	if err := s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
		return advanceReconcile(ctx, tx, g.number, through, settled)
	}); err != nil {
		return true, err
	}
	if settled {
		s.plans.pending.Store(false)
		s.cfg.Logger.InfoContext(ctx, "plans reconciled: every company on a changed plan reconsidered", "generation", g.number)
	}
	return !settled, nil
}

// reconsider reissues company's license from the plans in force if it
// still grants use and its entitlement changed.
func (s *Stage) reconsider(ctx context.Context, company, cause string) error {
	var issued *issue
	err := retryCollisions(func() error {
		return s.cfg.DB.Tx(ctx, func(tx *sqlstore.Tx) error {
			var err error
			issued, err = s.reissue(ctx, tx, company, cause, onlyIfGranting)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("reconsidering %s after a plans change: %w", company, err)
	}
	if issued != nil {
		s.cfg.Logger.InfoContext(ctx, "license reissued for changed plans", "company", company, "serial", issued.serial,
			"plan", issued.ent.Plan, "seats", issued.ent.Seats, "features", issued.ent.Features)
	}
	return nil
}

// retryCollisions runs fn again when two stages wrote the same key at once
// (the loser's transaction sees the winner's row on the next attempt).
func retryCollisions(fn func() error) error {
	var err error
	for range 5 {
		if err = fn(); !sqlstore.IsUniqueViolation(err) {
			return err
		}
	}
	return err
}

// catchUp reconsiders, in steps of limit, while companies remain, and
// then publishes the outbox. Failures are logged: they belong to no event,
// and the next call resumes where this one stopped.
func (s *Stage) catchUp(ctx context.Context, limit, steps int) {
	for i := 0; i < steps && s.plans.pending.Load(); i++ {
		more, err := s.Reconcile(ctx, limit)
		if err != nil {
			if ctx.Err() == nil {
				s.cfg.Logger.WarnContext(ctx, "reconciling plans failed; will resume", "err", err)
			}
			return
		}
		if !more {
			break
		}
	}
	if _, err := s.Flush(ctx); err != nil && ctx.Err() == nil {
		s.cfg.Logger.WarnContext(ctx, "license outbox flush failed", "err", err)
	}
}
