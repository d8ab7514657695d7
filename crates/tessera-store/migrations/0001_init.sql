-- Tessera schema, portable between SQLite and PostgreSQL (run through sqlx::Any).
-- Rules: timestamps are BIGINT epoch milliseconds; booleans are BIGINT 0/1; JSON is TEXT; no BLOB/BYTEA.
-- Each object keeps its whole wire form in `doc`; the other columns exist to filter, sort or enforce
-- uniqueness, and are written from the object on every write.

-- The single instance this database serves. `singleton` is always 1, which makes creation race-safe
-- (INSERT ... ON CONFLICT (singleton) DO NOTHING).
CREATE TABLE instance (
    singleton BIGINT PRIMARY KEY,
    id TEXT NOT NULL,
    issuer TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL,
    private_key_sealed TEXT NOT NULL,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE secret_keys (
    id TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX secret_keys_key_hash_uq ON secret_keys (key_hash);

-- `username` is stored lowercased; the sort_* columns are lowercased copies of the names and of the
-- primary email address / phone number; `search_text` is the lowercased haystack of `query`.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT,
    external_id TEXT,
    banned BIGINT NOT NULL,
    sort_first_name TEXT,
    sort_last_name TEXT,
    sort_email TEXT,
    sort_phone TEXT,
    search_text TEXT NOT NULL,
    last_sign_in_at BIGINT,
    last_active_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username_uq ON users (username);
CREATE UNIQUE INDEX users_external_id_uq ON users (external_id);
CREATE INDEX users_created_at_idx ON users (created_at, id);

-- Email addresses (kind 'email', value lowercased) and phone numbers (kind 'phone') of users.
CREATE TABLE user_identifiers (
    identifier_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX user_identifiers_kind_value_uq ON user_identifiers (kind, value);
CREATE INDEX user_identifiers_user_idx ON user_identifiers (user_id);

-- `status`, `updated_at` and `last_active_organization_id` are authoritative over the copies in `doc`.
-- Sessions outlive their user (a deleted user's sessions are kept, marked `removed`): no foreign key.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    status TEXT NOT NULL,
    last_active_organization_id TEXT,
    expire_at BIGINT NOT NULL,
    abandon_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX sessions_created_at_idx ON sessions (created_at, id);
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at);
CREATE INDEX sessions_client_idx ON sessions (client_id, created_at);
CREATE INDEX sessions_org_idx ON sessions (last_active_organization_id);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX organizations_slug_uq ON organizations (slug);
CREATE INDEX organizations_created_at_idx ON organizations (created_at, id);

-- `doc` is the serialized MembershipRecord; `id`, `organization_id` and `user_id` are authoritative.
CREATE TABLE memberships (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX memberships_org_user_uq ON memberships (organization_id, user_id);
CREATE INDEX memberships_org_created_idx ON memberships (organization_id, created_at);
CREATE INDEX memberships_user_created_idx ON memberships (user_id, created_at);

CREATE TABLE jwt_templates (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    signing_key_sealed TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX jwt_templates_name_uq ON jwt_templates (name);
CREATE INDEX jwt_templates_created_at_idx ON jwt_templates (created_at, id);
