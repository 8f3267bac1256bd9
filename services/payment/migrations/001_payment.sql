-- Payment stage: subscriptions as the provider reports them, and every
-- license issued. A license row with published = 0 is the outbox: it is
-- written in the same transaction as the state change that caused it and
-- published after commit.
CREATE TABLE payment_subscriptions (
    subscription_id TEXT NOT NULL PRIMARY KEY,
    company_id      TEXT NOT NULL,
    customer_id     TEXT NOT NULL,
    status          TEXT NOT NULL,
    provider_status TEXT NOT NULL,
    lookup_key      TEXT NOT NULL,
    quantity        BIGINT NOT NULL,
    period_end      BIGINT NOT NULL, -- the newest snapshot's
    deleted         INTEGER NOT NULL,
    checkout_seen    INTEGER NOT NULL,
    snapshot_created BIGINT NOT NULL,
    snapshot_event   TEXT NOT NULL,
    invoice_paid     INTEGER NOT NULL,
    invoice_created  BIGINT NOT NULL,
    invoice_event    TEXT NOT NULL,
    paid_through     BIGINT NOT NULL,
    paid_created     BIGINT NOT NULL,
    paid_event       TEXT NOT NULL,
    row_version     BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE INDEX payment_subscriptions_company ON payment_subscriptions (company_id);

CREATE TABLE payment_licenses (
    company_id     TEXT NOT NULL,
    serial         BIGINT NOT NULL,
    entitlement    TEXT NOT NULL,
    license        TEXT NOT NULL,
    issued_at      BIGINT NOT NULL,
    cause_event    TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    published      INTEGER NOT NULL,
    PRIMARY KEY (company_id, serial)
);

CREATE INDEX payment_licenses_unpublished ON payment_licenses (published);
