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

-- `doc` is the RoleSetRecord; the columns are authoritative over its copies. At most one set has
-- `is_initial` = 1 (kept by the store in the transaction that sets it). A role that is a set's default
-- or creator role cannot be deleted (foreign keys).
CREATE TABLE role_sets (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    is_initial BIGINT NOT NULL,
    default_role_id TEXT REFERENCES roles (id),
    creator_role_id TEXT REFERENCES roles (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX role_sets_key_uq ON role_sets (key);
CREATE INDEX role_sets_created_at_idx ON role_sets (created_at, id);

CREATE TABLE role_set_roles (
    role_set_id TEXT NOT NULL REFERENCES role_sets (id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (role_set_id, role_id)
);
CREATE INDEX role_set_roles_role_idx ON role_set_roles (role_id);

-- The membership's role key (authoritative over the copy in `doc`; a role's key change rewrites it in
-- the same transaction) and the organization's role set key (kept equal to the copy in `doc`). Rows
-- written before this migration have NULL here; the server fills them in at start, after creating the
-- default roles and the initial role set (there is no portable SQL expression over JSON text).
ALTER TABLE memberships ADD COLUMN role TEXT;
CREATE INDEX memberships_org_role_idx ON memberships (organization_id, role);
CREATE INDEX memberships_role_idx ON memberships (role);
ALTER TABLE organizations ADD COLUMN role_set_key TEXT;
CREATE INDEX organizations_role_set_idx ON organizations (role_set_key);
