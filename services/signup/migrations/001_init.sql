-- The signup edge's own state, the user application's: the companies and
-- users it admitted (with the seats they hold and how each signs in), web
-- sessions and API tokens, invitations, and failed sign-ins. The user-signup
-- stage (accounts) keeps its own record of companies, users and sessions
-- from the edge's events; neither writes the other's tables.
CREATE TABLE sgn_companies (
    company_id TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    -- seats_used counts the company's users that are not disabled.
    seats_used INTEGER NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sgn_logins (
    user_id       TEXT PRIMARY KEY,
    company_id    TEXT NOT NULL REFERENCES sgn_companies (company_id),
    name          TEXT NOT NULL,
    email         TEXT NOT NULL,
    -- email_key is the lowercased email: one account per email.
    email_key     TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    -- status: invited (no password yet), active, disabled.
    status        TEXT NOT NULL,
    -- password_hash is an argon2id PHC string; '' while invited.
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE INDEX sgn_logins_company ON sgn_logins (company_id, created_at);

-- A web session or an API token: the signed token a browser or client
-- holds names session_id; deleting the row ends it at once.
CREATE TABLE sgn_sessions (
    session_id TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES sgn_logins (user_id),
    kind       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX sgn_sessions_user ON sgn_sessions (user_id);

-- An invitation link: only the SHA-256 of its secret is kept; it is used
-- once and expires.
CREATE TABLE sgn_invitations (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES sgn_logins (user_id),
    expires_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL
);

-- Failed sign-ins per account and per client address in the current
-- window (login throttling shared by every instance of the edge).
CREATE TABLE sgn_failures (
    throttle_key TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start BIGINT NOT NULL
);
