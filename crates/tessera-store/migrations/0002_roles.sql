-- Organization permissions, roles and role sets (same rules as 0001: BIGINT epoch ms, BIGINT 0/1, JSON
-- as TEXT). The system permissions, `org:admin`, `org:member` and the initial role set are created by
-- the server at start (tessera-core), not here, so their ids follow the usual id scheme.

-- `doc` is the Permission wire object; `key` is authoritative over its copy in `doc`.
CREATE TABLE permissions (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX permissions_key_uq ON permissions (key);
CREATE INDEX permissions_created_at_idx ON permissions (created_at, id);

-- `doc` is the RoleRecord (the role without its permissions). `permission_keys` is a JSON array of the
-- keys of the role's permissions, in `role_permissions.position` order: derived, rewritten in the same
-- transaction as every change to the role's permissions or to a permission's key, so that a membership
-- read (and a mint) gets a role's permission keys from one join.
CREATE TABLE roles (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    permission_keys TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX roles_key_uq ON roles (key);
CREATE INDEX roles_created_at_idx ON roles (created_at, id);

CREATE TABLE role_permissions (
    role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission_id TEXT NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (role_id, permission_id)
);
CREATE INDEX role_permissions_permission_idx ON role_permissions (permission_id);

-- `doc` is the RoleSetRecord (name, description, default and creator role keys). At most one set has
-- `is_initial` = 1 (enforced by the store in the transaction that changes it).
CREATE TABLE role_sets (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    is_initial BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX role_sets_key_uq ON role_sets (key);
CREATE INDEX role_sets_created_at_idx ON role_sets (created_at, id);

CREATE TABLE role_set_roles (
    role_set_id TEXT NOT NULL REFERENCES role_sets (id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (role_set_id, role_id)
);
CREATE INDEX role_set_roles_role_idx ON role_set_roles (role_id);

-- The membership's role key and the organization's role set key, authoritative over the copies in
-- `doc`. Rows written before this migration have NULL here; the store fills them in from `doc` when it
-- connects (a portable SQL expression over JSON text does not exist).
ALTER TABLE memberships ADD COLUMN role TEXT;
CREATE INDEX memberships_org_role_idx ON memberships (organization_id, role);
CREATE INDEX memberships_role_idx ON memberships (role);
ALTER TABLE organizations ADD COLUMN role_set_key TEXT;
CREATE INDEX organizations_role_set_idx ON organizations (role_set_key);
