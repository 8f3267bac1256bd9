package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// maxGroup bounds how many transactions one group commit carries, so the
// first of a long queue waits for a bounded amount of work.
const maxGroup = 64

// errClosed is returned by Tx after Close.
var errClosed = errors.New("sqlstore: database is closed")

// errGroupAborted is what the members of a group get when another member
// broke the group's SQLite transaction (an error SQLite answers by rolling
// back the whole transaction): their work is gone, and Tx runs them again.
var errGroupAborted = errors.New("the group transaction was rolled back")

// committer runs the write transactions of one SQLite database in groups
// (group commit). SQLite lets one writer in at a time, and a writer that
// finds the lock taken polls for it with sleeps of up to 100 ms; so instead
// of each transaction taking the lock, every transaction that queued while
// the previous group committed runs, one after another and each inside a
// savepoint, in one SQLite transaction that one COMMIT (one WAL sync) makes
// durable. A member whose function fails is rolled back to its savepoint
// alone; the others commit. Members run in order on one connection, so a
// group is a serial schedule of its members: the isolation each had alone.
type committer struct {
	db    *sql.DB
	stmts *stmtCache
	reqs  chan *member
	stop  chan struct{}
	done  chan struct{}
	// misses are the texts the running group ran unprepared.
	misses []string
}

// member is one transaction waiting for, or running in, a group.
type member struct {
	ctx  context.Context
	fn   func(*Tx) error
	err  error
	pan  any  // what fn panicked with
	pand bool // fn panicked
	done chan struct{}
}

func newCommitter(db *sql.DB, stmts *stmtCache) *committer {
	c := &committer{db: db, stmts: stmts, reqs: make(chan *member), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// close stops the committer once the group running, if any, is over.
// Transactions submitted afterwards fail with errClosed.
func (c *committer) close() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	<-c.done
}

// do runs fn in the next group and returns its outcome: fn's error, the
// group's commit error, or ctx's error if ctx ended before fn ran. Once fn
// has run, do waits for the commit whatever ctx does, so that a nil error
// always means committed and an error never hides a commit. A panic in fn
// is raised again here, after its savepoint was rolled back.
func (c *committer) do(ctx context.Context, fn func(*Tx) error) error {
	m := &member{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case c.reqs <- m:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stop:
		return errClosed
	}
	<-m.done
	if m.pand {
		panic(m.pan)
	}
	return m.err
}

func (c *committer) run() {
	defer close(c.done)
	for {
		var group []*member
		select {
		case m := <-c.reqs:
			group = append(group, m)
		case <-c.stop:
			return
		}
	fill:
		for len(group) < maxGroup {
			select {
			case m := <-c.reqs:
				group = append(group, m)
			default:
				break fill
			}
		}
		c.commit(group)
		for _, m := range group {
			close(m.done)
		}
		// The group's connection is back in the pool.
		c.stmts.prepare(context.Background(), c.misses)
		c.misses = c.misses[:0]
	}
}

// commit runs group in one transaction and sets each member's outcome.
func (c *committer) commit(group []*member) {
	// The group's transaction outlives any member's context: a member
	// whose context ends is skipped or finishes, never interrupts the
	// others (SQLite rolls a transaction back when a write in it is
	// interrupted).
	tx, err := c.db.BeginTx(context.Background(), nil)
	if err != nil {
		setAll(group, fmt.Errorf("beginning transaction: %w", err))
		return
	}
	// Alone, a member needs no savepoint: its failure rolls back the
	// transaction.
	savepoint := len(group) > 1
	var ok []*member // members whose work the COMMIT carries
	for i, m := range group {
		if err := m.ctx.Err(); err != nil {
			m.err = err
			continue
		}
		if err := c.runMember(tx, m, savepoint); err != nil {
			// The transaction is gone: nothing of this group commits.
			_ = tx.Rollback()
			setAll(ok, fmt.Errorf("%w: %w", errGroupAborted, err))
			setAll(group[i+1:], fmt.Errorf("%w: %w", errGroupAborted, err))
			if m.err == nil && !m.pand {
				m.err = err
			}
			return
		}
		if m.err == nil && !m.pand {
			ok = append(ok, m)
		}
	}
	if len(ok) == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		setAll(ok, fmt.Errorf("committing: %w", err))
	}
}

// runMember runs m's function in tx, recording its error or panic in m.
// With savepoint, it runs inside a savepoint that is rolled back if it
// failed; it returns an error only when the savepoint itself failed, which
// means SQLite rolled the whole transaction back.
func (c *committer) runMember(tx *sql.Tx, m *member, savepoint bool) error {
	ctx := context.WithoutCancel(m.ctx)
	if savepoint {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT member"); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				m.pan, m.pand = r, true
			}
		}()
		t := &Tx{tx: tx, dialect: SQLite, detached: true, stmts: c.stmts}
		defer func() { c.misses = append(c.misses, t.misses...) }()
		m.err = m.fn(t)
	}()
	if !savepoint {
		return nil
	}
	if m.err != nil || m.pand {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO member"); err != nil {
			return fmt.Errorf("rolling back: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "RELEASE member"); err != nil {
		return fmt.Errorf("releasing savepoint: %w", err)
	}
	return nil
}

func setAll(ms []*member, err error) {
	for _, m := range ms {
		if m.err == nil && !m.pand {
			m.err = err
		}
	}
}
