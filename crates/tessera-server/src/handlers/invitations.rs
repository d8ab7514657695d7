//! Invitations and organization invitations (Clerk's paths and operation ids), and Tessera's own
//! acceptance of an organization invitation (`/v1/tessera/…`, tag `Tessera`).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use tessera_types::{
    ClerkErrors, InstanceOrganizationInvitationListQuery, Invitation, InvitationListQuery, ListPage,
    OrganizationInvitation, OrganizationInvitationListQuery, OrganizationMembership, Paginated,
    UserOrganizationInvitationListQuery,
};

use super::{St, listing};
use crate::body::{Body, BodyList, Query};
use crate::error::HttpResult;
use crate::openapi::InvitationList;

// ---- instance invitations ----------------------------------------------------------------------------

#[utoipa::path(post, path = "/v1/invitations", tag = "Invitations", operation_id = "CreateInvitation",
    request_body = tessera_types::CreateInvitationRequestBody,
    responses(
        (status = 200, description = "The new pending invitation (no email is sent). Creating a user with the address accepts it.", body = Invitation),
        (status = 400, description = "The address has a pending invitation (`duplicate_record`, unless `ignore_existing`), or a malformed request.", body = ClerkErrors),
        (status = 422, description = "A user has the address (`form_identifier_exists`, unless `ignore_existing`), or a parameter is unknown, missing or invalid.", body = ClerkErrors),
    ))]
pub async fn create(State(s): St, Body(b): Body) -> HttpResult<Json<Invitation>> {
    Ok(Json(s.app.create_invitation(b).await?))
}

#[utoipa::path(get, path = "/v1/invitations", tag = "Invitations", operation_id = "ListInvitations",
    params(InvitationListQuery),
    responses((status = 200, description = "Invitations, newest first unless `order_by` says otherwise; without `status`, all but the revoked ones. A bare array, or `{data, total_count}` with `paginated=true`.", body = InvitationList)))]
pub async fn list(State(s): St, Query(q): Query) -> HttpResult<Response> {
    Ok(listing(s.app.list_invitations(&q).await?))
}

#[utoipa::path(post, path = "/v1/invitations/bulk", tag = "Invitations", operation_id = "CreateBulkInvitations",
    request_body = tessera_types::CreateBulkInvitationsRequestBody,
    responses(
        (status = 200, description = "The new invitations, in the order given: all of them are created, or none.", body = Vec<Invitation>),
        (status = 400, description = "Not an array of 1 to 10 objects (`request_body_invalid`, `bulk_size_exceeded`), or an address is given twice or has a pending invitation (`duplicate_record`).", body = ClerkErrors),
        (status = 422, description = "A user has one of the addresses (`form_identifier_exists`; `ignore_existing` does not bypass it here), or an item's parameter is unknown, missing or invalid (`meta.index` names the item).", body = ClerkErrors),
    ))]
pub async fn bulk(State(s): St, BodyList(items): BodyList) -> HttpResult<Json<Vec<Invitation>>> {
    Ok(Json(s.app.create_invitations_bulk(items).await?))
}

#[utoipa::path(post, path = "/v1/invitations/{invitation_id}/revoke", tag = "Invitations",
    operation_id = "RevokeInvitation",
    responses(
        (status = 200, description = "The invitation, revoked (`revoked: true`).", body = Invitation),
        (status = 400, description = "The invitation was already revoked (`invitation_already_revoked`) or accepted (`invitation_already_accepted`).", body = ClerkErrors),
    ))]
pub async fn revoke(State(s): St, Path(id): Path<String>) -> HttpResult<Json<Invitation>> {
    Ok(Json(s.app.revoke_invitation(&id).await?))
}

// ---- organization invitations ------------------------------------------------------------------------

#[utoipa::path(post, path = "/v1/organizations/{org_id}/invitations", tag = "Organization Invitations",
    operation_id = "CreateOrganizationInvitation",
    request_body = tessera_types::CreateOrganizationInvitationRequestBody,
    responses(
        (status = 200, description = "The new pending invitation (no email is sent).", body = OrganizationInvitation),
        (status = 400, description = "The address has a pending invitation to the organization (`organization_invitation_not_unique`) or is a member's (`already_a_member_in_organization`), or a malformed request.", body = ClerkErrors),
        (status = 403, description = "`inviter_user_id` is not an administrator of the organization (`not_an_admin_in_organization`), or members and pending invitations would exceed `max_allowed_memberships` (`organization_membership_quota_exceeded`).", body = ClerkErrors),
        (status = 404, description = "No such organization, or no user `inviter_user_id`.", body = ClerkErrors),
        (status = 422, description = "The role does not exist or is not in the organization's role set (`form_param_value_invalid`, `role`), or another parameter is unknown, missing or invalid.", body = ClerkErrors),
    ))]
pub async fn create_org(
    State(s): St,
    Path(org): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<OrganizationInvitation>> {
    Ok(Json(s.app.create_organization_invitation(&org, b).await?))
}

#[utoipa::path(get, path = "/v1/organizations/{org_id}/invitations", tag = "Organization Invitations",
    operation_id = "ListOrganizationInvitations",
    params(OrganizationInvitationListQuery),
    responses((status = 200, description = "The organization's invitations, newest first unless `order_by` says otherwise.", body = Paginated<OrganizationInvitation>)))]
pub async fn list_org(
    State(s): St,
    Path(org): Path<String>,
    Query(q): Query,
) -> HttpResult<Json<Paginated<OrganizationInvitation>>> {
    Ok(Json(s.app.list_organization_invitations(&org, &q).await?))
}

#[utoipa::path(post, path = "/v1/organizations/{org_id}/invitations/bulk", tag = "Organization Invitations",
    operation_id = "CreateOrganizationInvitationBulk",
    request_body = tessera_types::CreateOrganizationInvitationBulkRequestBody,
    responses(
        (status = 200, description = "The new invitations, in the order given: all of them are created, or none.", body = Paginated<OrganizationInvitation>),
        (status = 400, description = "Not an array of 1 to 10 objects (`request_body_invalid`, `bulk_size_exceeded`), an address given twice or with a pending invitation (`organization_invitation_not_unique`), or a member's (`already_a_member_in_organization`).", body = ClerkErrors),
        (status = 403, description = "An inviter is not an administrator (`not_an_admin_in_organization`), or the invitations would exceed `max_allowed_memberships` (`organization_membership_quota_exceeded`).", body = ClerkErrors),
        (status = 404, description = "No such organization, or no such inviter.", body = ClerkErrors),
        (status = 422, description = "An item's role is not in the organization's role set, or its parameter is unknown, missing or invalid (`meta.index` names the item).", body = ClerkErrors),
    ))]
pub async fn bulk_org(
    State(s): St,
    Path(org): Path<String>,
    BodyList(items): BodyList,
) -> HttpResult<Json<Paginated<OrganizationInvitation>>> {
    Ok(Json(s.app.create_organization_invitations_bulk(&org, items).await?))
}

#[utoipa::path(get, path = "/v1/organizations/{org_id}/invitations/pending", tag = "Organization Invitations",
    operation_id = "ListPendingOrganizationInvitations",
    params(ListPage),
    responses((status = 200, description = "Deprecated by Clerk (use `status=pending`): the organization's pending invitations, newest first.", body = Paginated<OrganizationInvitation>)))]
pub async fn list_pending(
    State(s): St,
    Path(org): Path<String>,
    Query(q): Query,
) -> HttpResult<Json<Paginated<OrganizationInvitation>>> {
    Ok(Json(s.app.list_pending_organization_invitations(&org, &q).await?))
}

#[utoipa::path(get, path = "/v1/organizations/{org_id}/invitations/{invitation_id}", tag = "Organization Invitations",
    operation_id = "GetOrganizationInvitation",
    responses((status = 200, description = "The invitation, with its status as of now.", body = OrganizationInvitation)))]
pub async fn get_org(
    State(s): St,
    Path((org, id)): Path<(String, String)>,
) -> HttpResult<Json<OrganizationInvitation>> {
    Ok(Json(s.app.get_organization_invitation(&org, &id).await?))
}

#[utoipa::path(post, path = "/v1/organizations/{org_id}/invitations/{invitation_id}/revoke",
    tag = "Organization Invitations", operation_id = "RevokeOrganizationInvitation",
    request_body = tessera_types::RevokeOrganizationInvitationRequestBody,
    responses(
        (status = 200, description = "The invitation, revoked.", body = OrganizationInvitation),
        (status = 403, description = "`requesting_user_id` is not an administrator of the organization (`not_an_admin_in_organization`).", body = ClerkErrors),
        (status = 404, description = "No such organization or invitation, or the invitation is not pending (`organization_invitation_not_pending`).", body = ClerkErrors),
    ))]
pub async fn revoke_org(
    State(s): St,
    Path((org, id)): Path<(String, String)>,
    Body(b): Body,
) -> HttpResult<Json<OrganizationInvitation>> {
    Ok(Json(s.app.revoke_organization_invitation(&org, &id, b).await?))
}

#[utoipa::path(get, path = "/v1/organization_invitations", tag = "Organization Invitations",
    operation_id = "ListInstanceOrganizationInvitations",
    params(InstanceOrganizationInvitationListQuery),
    responses((status = 200, description = "Every organization invitation of the instance, with its organization's public data, newest first unless `order_by` says otherwise.", body = Paginated<OrganizationInvitation>)))]
pub async fn list_instance(State(s): St, Query(q): Query) -> HttpResult<Json<Paginated<OrganizationInvitation>>> {
    Ok(Json(s.app.list_instance_organization_invitations(&q).await?))
}

#[utoipa::path(get, path = "/v1/users/{user_id}/organization_invitations", tag = "Users",
    operation_id = "UsersGetOrganizationInvitations",
    params(UserOrganizationInvitationListQuery),
    responses((status = 200, description = "The organization invitations of the user's email addresses, with each organization's public data, newest first.", body = Paginated<OrganizationInvitation>)))]
pub async fn list_user(
    State(s): St,
    Path(user): Path<String>,
    Query(q): Query,
) -> HttpResult<Json<Paginated<OrganizationInvitation>>> {
    Ok(Json(s.app.list_user_organization_invitations(&user, &q).await?))
}

#[utoipa::path(post, path = "/v1/tessera/organizations/{org_id}/invitations/{invitation_id}/accept", tag = "Tessera",
    operation_id = "AcceptOrganizationInvitation",
    request_body = tessera_types::AcceptOrganizationInvitationRequestBody,
    responses(
        (status = 200, description = "The new membership: the invitee (the user with the invited email address, or `user_id`) holds the invited role and the invitation's metadata; the invitation is `accepted`. Both or neither are written.", body = OrganizationMembership),
        (status = 400, description = "The invitation was accepted (`organization_invitation_already_accepted`) or revoked (`organization_invitation_revoked_code`), no user has the invited address (`organization_invitation_identification_not_exist`), the user is a member already (`already_a_member_in_organization`), or a malformed request.", body = ClerkErrors),
        (status = 403, description = "The organization is full (`organization_membership_quota_exceeded`).", body = ClerkErrors),
        (status = 404, description = "No such organization, invitation or user, or the invitation expired (`organization_invitation_not_pending`).", body = ClerkErrors),
        (status = 422, description = "`user_id` does not have the invited address, or the invited role is no longer in the organization's role set (`form_param_value_invalid`).", body = ClerkErrors),
    ))]
pub async fn accept_org(
    State(s): St,
    Path((org, id)): Path<(String, String)>,
    Body(b): Body,
) -> HttpResult<Json<OrganizationMembership>> {
    Ok(Json(s.app.accept_organization_invitation(&org, &id, b).await?))
}
