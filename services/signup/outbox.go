package signup

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/licenseflow/licenseflow/events"
	"github.com/licenseflow/licenseflow/internal/sqlstore"
)

// The edge's outbox (migrations/002_outbox.sql, 003_outbox_order.sql). A
// write that a request event announces stores the event in the same
// transaction, so the write and its event commit together or not at all;
// the request is accepted once they committed. The event is then published
// and its row deleted. A row left behind (the bus refused it, or the
// process died first) is published by Flush, in the order the writes
// committed: at the edge's start and every FlushInterval (Run), or in a
// Lambda at its first invocation and then at most once per FlushInterval,
// before serving. An event can thus reach the bus twice (its publisher
// died before deleting the row, or a Flush ran beside the request's own
// publish); its ids are fixed, and the user-signup stage treats a detail
// describing what it already stored as a redelivery.

// outboxEvent is a request event in the outbox.
type outboxEvent struct {
	// seq is the row's place in the outbox (0 until stored): rows are
	// published by seq, which follows the order their writes committed.
	seq           int64
	id            string
	detail        events.Detail
	correlationID string
	at            time.Time
}

// outboxBatch is how many rows Flush reads at a time.
const outboxBatch = 100

// newEvent is d as the request in ctx stores it in the outbox.
func (h *Handler) newEvent(ctx context.Context, d events.Detail) outboxEvent {
	return outboxEvent{id: newID(prefixOutbox), detail: d, correlationID: events.CorrelationID(ctx), at: h.cfg.Now()}
}

// insertEvent stores ev in tx, after every row the outbox holds: its seq
// is one more than the largest left, so (tx being serializable) rows are
// numbered in commit order. A seq whose row was published and deleted may
// be given again; order among the rows left is all Flush needs.
func insertEvent(ctx context.Context, tx *sqlstore.Tx, ev outboxEvent) error {
	raw, err := json.Marshal(ev.detail)
	var seq int64
	if err == nil {
		err = tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM sgn_outbox`).Scan(&seq)
	}
	if err == nil {
		_, err = tx.Exec(ctx, `INSERT INTO sgn_outbox (seq, outbox_id, detail_type, detail, correlation_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			seq, ev.id, ev.detail.DetailType(), string(raw), ev.correlationID, ms(ev.at))
	}
	if err != nil {
		return fmt.Errorf("storing %s in the outbox: %w", ev.detail.DetailType(), err)
	}
	return nil
}

// outboxRow is a stored event as read back: ev, or why its detail could
// not be decoded (err).
type outboxRow struct {
	ev  outboxEvent
	err error
}

// scanOutbox reads a row as Flush publishes it (its at is not needed).
func scanOutbox(sc sqlstore.Scanner) (outboxRow, error) {
	var (
		r        outboxRow
		typ, raw string
	)
	if err := sc.Scan(&r.ev.seq, &r.ev.id, &typ, &raw, &r.ev.correlationID); err != nil {
		return r, err
	}
	r.ev.detail, r.err = events.UnmarshalDetail(typ, []byte(raw))
	return r, nil
}

// pendingEvents returns up to limit stored events after (seq, id), in the
// order they were written. (A row an edge older than the seq column wrote
// during an upgrade has seq 0, its id ordering it among such rows.)
func (s *store) pendingEvents(ctx context.Context, seq int64, id string, limit int) ([]outboxRow, error) {
	return sqlstore.List(ctx, s.db, scanOutbox, `SELECT seq, outbox_id, detail_type, detail, correlation_id FROM sgn_outbox
		WHERE seq > ? OR (seq = ? AND outbox_id > ?) ORDER BY seq, outbox_id LIMIT ?`, seq, seq, id, limit)
}

func (s *store) deleteEvent(ctx context.Context, id string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM sgn_outbox WHERE outbox_id = ?`, id)
	return err
}

// announce publishes ev, committed with its write, and deletes its row. It
// reports whether the bus accepted ev; a failure is logged and the row
// left for Flush (the request was accepted when ev committed).
func (h *Handler) announce(ctx context.Context, ev outboxEvent) bool {
	if ev.correlationID != "" {
		ctx = events.WithCorrelationID(ctx, ev.correlationID)
	}
	log := h.cfg.Logger.With("outbox_id", ev.id, "detail_type", ev.detail.DetailType(), "correlation_id", ev.correlationID)
	if err := h.cfg.Publisher.Publish(ctx, ev.detail); err != nil {
		log.Warn("signup edge: event stored, not published yet (the outbox keeps it)", "err", err)
		return false
	}
	if err := h.store.deleteEvent(ctx, ev.id); err != nil {
		log.Warn("signup edge: published event stays in the outbox (it will be published again)", "err", err)
	}
	return true
}

// Flush publishes every event left in the outbox in the order their
// writes committed, one at a time, and returns how many the bus accepted.
// An event the bus refuses (or that cannot be decoded) is logged and stays
// for the next Flush; the events after it are still published. It returns an error only when the
// outbox cannot be read, and stops when ctx ends. Calls run one at a time.
func (h *Handler) Flush(ctx context.Context) (int, error) {
	h.flushMu.Lock()
	defer h.flushMu.Unlock()
	var (
		n       int
		lastSeq int64 = -1
		lastID  string
	)
	for {
		rows, err := h.store.pendingEvents(ctx, lastSeq, lastID, outboxBatch)
		if err != nil {
			return n, fmt.Errorf("reading the signup outbox: %w", err)
		}
		for _, r := range rows {
			if ctx.Err() != nil {
				return n, nil
			}
			lastSeq, lastID = r.ev.seq, r.ev.id
			if r.err != nil {
				h.cfg.Logger.Warn("signup edge: undecodable event stays in the outbox", "outbox_id", r.ev.id, "err", r.err)
				continue
			}
			if h.announce(ctx, r.ev) {
				n++
			}
		}
		if len(rows) < outboxBatch {
			return n, nil
		}
	}
}

// Run flushes the outbox at once and then every FlushInterval until ctx
// ends, so an event whose publishing failed goes out even if no request
// follows. It returns ctx's error (a flush that ctx's end cut short is
// not logged).
func (h *Handler) Run(ctx context.Context) error {
	t := time.NewTicker(h.cfg.FlushInterval)
	defer t.Stop()
	for {
		if _, err := h.Flush(ctx); err != nil && ctx.Err() == nil {
			h.cfg.Logger.Error("signup edge: flushing the outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// lambdaFlushBudget bounds the flush a Lambda invocation runs before
// serving, so that a bus that is down delays the request, never fails it;
// what is left goes at a later invocation.
const lambdaFlushBudget = 3 * time.Second

// flushDue flushes the outbox if no flush started in the last
// FlushInterval (always on a process's first call): a Lambda's invocations
// call it before serving, so its cold start and then each invocation after
// FlushInterval publish what is left.
func (h *Handler) flushDue(ctx context.Context) {
	now, last := h.cfg.Now().UnixMilli(), h.lastFlush.Load()
	if last != 0 && now-last < h.cfg.FlushInterval.Milliseconds() || !h.lastFlush.CompareAndSwap(last, now) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, lambdaFlushBudget)
	defer cancel()
	if _, err := h.Flush(ctx); err != nil {
		h.cfg.Logger.Error("signup edge: flushing the outbox", "err", err)
	}
}
