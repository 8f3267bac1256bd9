-- What the user application shows and bounds users by: a user's status
-- (an admin may disable one), each company's newest verified license, and
-- which license each application server holds for a company.
ALTER TABLE acc_users ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE acc_users ADD COLUMN disabled_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE acc_licenses (
    company_id TEXT PRIMARY KEY,
    serial     BIGINT NOT NULL,
    plan       TEXT NOT NULL,
    status     TEXT NOT NULL,
    seats      INTEGER NOT NULL,
    features   TEXT NOT NULL,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE acc_deliveries (
    company_id   TEXT NOT NULL,
    app_server   TEXT NOT NULL,
    serial       BIGINT NOT NULL,
    delivered_at BIGINT NOT NULL,
    PRIMARY KEY (company_id, app_server)
);
