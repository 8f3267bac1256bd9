-- The plan catalogues payment stages started with, one generation per
-- change, newest last; a row never changes once written. Every license is
-- issued from the newest generation's catalogue, so instances started with
-- different plans files never issue from two catalogues at once.
CREATE TABLE payment_plans (
    generation   BIGINT NOT NULL PRIMARY KEY,
    digest       TEXT NOT NULL,
    catalogue    TEXT NOT NULL,    -- plans.Catalogue.JSON
    all_keys     INTEGER NOT NULL, -- 1: the change may concern every company
    changed_keys TEXT NOT NULL,    -- else: JSON array of the lookup keys it changed
    adopted_at   BIGINT NOT NULL
);

-- After a change, the companies with a subscription to a changed lookup key
-- are reconsidered in company order (each license reissued through the
-- normal path when the entitlement changed); reconciled_through is the last
-- company reconsidered. Kept apart from payment_plans, which every issuing
-- transaction reads, so recording progress does not conflict with them.
CREATE TABLE payment_plans_progress (
    generation         BIGINT NOT NULL PRIMARY KEY,
    reconciled_through TEXT NOT NULL,
    reconciled         INTEGER NOT NULL
);
