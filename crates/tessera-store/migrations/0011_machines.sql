-- Machine authentication (same rules as 0001: BIGINT epoch ms, booleans as BIGINT 0/1, JSON as TEXT).
--
-- Secrets are stored as their SHA-256 (lowercase hex), looked up by it and compared in constant time by
-- the core. Where Clerk answers a secret again (a machine's `GET /machines/{id}/secret_key`, an API
-- key's `GET /api_keys/{id}/secret`) a copy is also stored sealed with the master key (AES-256-GCM,
-- the row id as associated data), as private keys are. A rotated machine key keeps working until
-- `previous_secret_expires_at`. M2M tokens in JWT format are not stored (they are stateless).
CREATE TABLE machines (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    default_token_ttl BIGINT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    secret_sealed TEXT NOT NULL,
    previous_secret_hash TEXT,
    previous_secret_expires_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX machines_previous_secret ON machines (previous_secret_hash);

-- `from_machine_id` may call `to_machine_id`. Both go with their machine.
CREATE TABLE machine_scopes (
    from_machine_id TEXT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    to_machine_id TEXT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (from_machine_id, to_machine_id)
);
CREATE INDEX machine_scopes_to ON machine_scopes (to_machine_id);

-- Opaque M2M tokens. `scopes` is a JSON array of machine ids, `claims` JSON or NULL.
CREATE TABLE m2m_tokens (
    id TEXT PRIMARY KEY,
    machine_id TEXT NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    claims TEXT,
    scopes TEXT NOT NULL,
    revoked BIGINT NOT NULL,
    revocation_reason TEXT,
    expiration BIGINT,
    last_used_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX m2m_tokens_machine ON m2m_tokens (machine_id, created_at);

-- API keys of users, organizations and machines. `subject` has no foreign key (as sessions, keys do
-- not hold their subject's row); `scopes` is a JSON array of strings, `claims` JSON or NULL.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    key_type TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    subject TEXT NOT NULL,
    claims TEXT,
    scopes TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    secret_sealed TEXT NOT NULL,
    revoked BIGINT NOT NULL,
    revocation_reason TEXT,
    expiration BIGINT,
    created_by TEXT,
    last_used_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX api_keys_subject ON api_keys (subject, created_at);
