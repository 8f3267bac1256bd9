package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// maxCachedStatements bounds a stmtCache: the stages' statements are a few
// dozen fixed texts; a program building texts on the fly stops being
// cached past the bound, not growing it.
const maxCachedStatements = 256

// stmtCache keeps one prepared statement per text for a SQLite pool, so
// that the statements a stage runs for every event are parsed once per
// connection instead of once per run (modernc.org/sqlite prepares every
// text it is given afresh; pgx caches on its own, so PostgreSQL needs
// none).
type stmtCache struct {
	pool *sql.DB
	mu   sync.Mutex
	m    map[string]*sql.Stmt
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}}
}

// get returns the prepared statement of query, or nil when it is not
// cached (yet).
func (c *stmtCache) get(query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// cacheable reports whether query may be cached: one statement, not
// several (a migration).
func cacheable(query string) bool {
	return !strings.Contains(strings.TrimRight(query, "; \t\n"), ";")
}

// prepare prepares and caches each text of misses not cached yet, while
// the cache has room; a text that fails to prepare is left uncached (its
// caller met the error already, running it as is). The caller must hold
// no connection of the pool: preparing takes one, and callers each
// holding one while they waited for another could, the pool being small,
// wait for each other for good.
func (c *stmtCache) prepare(ctx context.Context, misses []string) {
	if c == nil {
		return
	}
	for _, query := range misses {
		c.mu.Lock()
		_, done := c.m[query]
		full := len(c.m) >= maxCachedStatements
		c.mu.Unlock()
		if done || full {
			continue
		}
		st, err := c.pool.PrepareContext(ctx, query)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, done := c.m[query]; done || c.m == nil || len(c.m) >= maxCachedStatements {
			_ = st.Close() // prepared meanwhile, closed, or full
		} else {
			c.m[query] = st
		}
		c.mu.Unlock()
	}
}

// close closes every cached statement; prepare caches none afterwards.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		_ = st.Close()
	}
	c.m = nil
}
