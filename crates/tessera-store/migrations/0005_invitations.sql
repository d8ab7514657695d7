-- Invitations to the instance and to organizations (same rules as 0001: BIGINT epoch ms, JSON as TEXT).
--
-- `doc` is the InvitationRecord / OrganizationInvitationRecord; `status`, `updated_at` (and `role`) are
-- authoritative over their copies in it. `status` is the stored status: a `pending` invitation past
-- `expires_at` reads as `expired` without being rewritten (computed at read time, also inside SQL
-- filters). At most one invitation per email address is stored `pending` (per organization and address
-- for organization invitations): the partial unique indexes below. Creating an invitation first marks
-- the address's pending invitations that have expired `expired`, in the same transaction, so an expired
-- invitation never blocks a new one.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    email_address TEXT NOT NULL,
    status TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX invitations_pending_email_uq ON invitations (email_address) WHERE status = 'pending';
CREATE INDEX invitations_email_idx ON invitations (email_address);
CREATE INDEX invitations_created_at_idx ON invitations (created_at, id);

-- An organization's invitations go with it (ON DELETE CASCADE, in the transaction that deletes it). The
-- role is held by key, like a membership's: a role's key change rewrites it in the same transaction.
CREATE TABLE organization_invitations (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email_address TEXT NOT NULL,
    role TEXT NOT NULL,
    inviter_id TEXT,
    status TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX organization_invitations_pending_email_uq
    ON organization_invitations (organization_id, email_address) WHERE status = 'pending';
CREATE INDEX organization_invitations_org_idx ON organization_invitations (organization_id, created_at, id);
CREATE INDEX organization_invitations_email_idx ON organization_invitations (email_address);
CREATE INDEX organization_invitations_role_idx ON organization_invitations (role);
CREATE INDEX organization_invitations_created_at_idx ON organization_invitations (created_at, id);
