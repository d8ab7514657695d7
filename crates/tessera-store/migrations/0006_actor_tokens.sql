-- Actor tokens (impersonation), same rules as 0001: BIGINT epoch ms, JSON as TEXT.
--
-- The token itself is never stored: `token_hash` is its SHA-256 (lowercase hex), compared in constant
-- time by the core. `actor` is the actor payload (a JSON object with at least `sub`). `session_id` is
-- the session the token was redeemed into (set when `status` becomes 'accepted'), so that revoking the
-- token revokes that session in the same transaction. No foreign keys: like sessions, tokens outlive
-- their user (redeeming one whose user is gone answers `actor_token_subject_not_found`).
CREATE TABLE actor_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    status TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    session_max_duration_seconds BIGINT NOT NULL,
    session_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
