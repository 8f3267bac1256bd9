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

// get returns the prepared statement of query, or nil when query is not
// cached: it holds several statements (a migration), the cache is full, or
// preparing failed (the caller runs the text as is, and meets the error
// there).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if c == nil || strings.Contains(strings.TrimRight(query, "; \t\n"), ";") {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxCachedStatements {
		return nil
	}
	st, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.m[query] = st
	return st
}

// close closes every cached statement.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		_ = st.Close()
		delete(c.m, q)
	}
}
