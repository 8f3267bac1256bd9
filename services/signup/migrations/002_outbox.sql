-- The edge's outbox: each request event (Company Signup Requested, User Add
-- Requested, User Disable Requested) is stored in the same transaction as
-- the write it announces, published after commit and then deleted. A row
-- left behind (the bus refused it, or the process died before publishing)
-- is published by the edge's Flush, oldest first; the event's ids are
-- fixed, so publishing it twice is a redelivery the user-signup stage
-- ignores.
CREATE TABLE sgn_outbox (
    outbox_id      TEXT PRIMARY KEY,
    detail_type    TEXT NOT NULL,
    -- detail is the event's detail JSON, without its correlation id.
    detail         TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE INDEX sgn_outbox_created ON sgn_outbox (created_at, outbox_id);
