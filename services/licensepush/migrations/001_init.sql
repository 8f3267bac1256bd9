-- The license-push stage's state: each company's latest license, the app
-- servers that have sessions of it, and the serial each server was given.
CREATE TABLE lp_licenses (
    company_id TEXT PRIMARY KEY,
    serial     BIGINT NOT NULL,
    file       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE lp_servers (
    company_id TEXT NOT NULL,
    app_server TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    PRIMARY KEY (company_id, app_server)
);

CREATE TABLE lp_deliveries (
    app_server   TEXT NOT NULL,
    company_id   TEXT NOT NULL,
    serial       BIGINT NOT NULL,
    delivered_at BIGINT NOT NULL,
    PRIMARY KEY (app_server, company_id)
);
