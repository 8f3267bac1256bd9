-- The outbox's order: seq numbers its rows in the order their transactions
-- committed (each insert takes one more than the largest seq left; the
-- transactions are serializable, so a later commit always gets a larger
-- seq), and Flush publishes by seq. created_at, a millisecond, cannot
-- order two events written in the same millisecond (a company and its
-- first user). Rows written before this migration keep the order Flush
-- gave them: by created_at, then outbox_id. seq is not unique: a row an
-- edge older than this column writes during an upgrade gets 0 and goes out
-- first, in outbox_id order.
ALTER TABLE sgn_outbox ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;

UPDATE sgn_outbox SET seq = (SELECT COUNT(*) FROM sgn_outbox o
    WHERE o.created_at < sgn_outbox.created_at
       OR (o.created_at = sgn_outbox.created_at AND o.outbox_id <= sgn_outbox.outbox_id));

DROP INDEX sgn_outbox_created;

CREATE INDEX sgn_outbox_seq ON sgn_outbox (seq, outbox_id);
