-- The user-signup stage's state: companies, their users and roles, user
-- sessions on application servers, and requests it refused for good.
CREATE TABLE acc_companies (
    company_id    TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    admin_user_id TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE acc_users (
    user_id    TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES acc_companies (company_id),
    email      TEXT NOT NULL,
    -- email_key is the lowercased email: unique per company.
    email_key  TEXT NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (company_id, email_key)
);

CREATE TABLE acc_sessions (
    session_id TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES acc_companies (company_id),
    user_id    TEXT NOT NULL REFERENCES acc_users (user_id),
    app_server TEXT NOT NULL,
    started_at BIGINT NOT NULL
);

CREATE INDEX acc_sessions_company ON acc_sessions (company_id, app_server);

-- A refused user or session id: later requests that depend on it fail for
-- good instead of waiting for it.
CREATE TABLE acc_rejections (
    entity_id   TEXT PRIMARY KEY,
    reason      TEXT NOT NULL,
    rejected_at BIGINT NOT NULL
);
