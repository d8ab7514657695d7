-- The instance's custom session-token claims (Clerk's "Customize session token"), same rules as 0001:
-- BIGINT epoch ms, JSON as TEXT. At most one row: `singleton` is always 1, as in `instance`, so every
-- mint reads it with a `LEFT JOIN … ON singleton = 1` by primary key. `claims` is the claims template
-- (a JSON object with `{{shortcodes}}`), validated by the core before it is written.
CREATE TABLE session_claims (
    singleton BIGINT PRIMARY KEY,
    claims TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
