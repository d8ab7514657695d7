//! Email addresses and phone numbers (Clerk's Email Addresses and Phone Numbers tags, paths and
//! operation ids).

use axum::Json;
use axum::extract::{Path, State};
use tessera_types::{ClerkErrors, DeletedObject, EmailAddress, PhoneNumber};

use super::St;
use crate::body::Body;
use crate::error::HttpResult;

// ---- email addresses ---------------------------------------------------------------------------------

#[utoipa::path(post, path = "/v1/email_addresses", tag = "Email Addresses", operation_id = "CreateEmailAddress",
    request_body = tessera_types::CreateEmailAddressRequestBody,
    responses(
        (status = 200, description = "The new email address: verified by the admin with `verified: true`, unverified (`verification: null`) otherwise. The user's first email address becomes primary.", body = EmailAddress),
        (status = 404, description = "No user has id `user_id` (`resource_not_found`).", body = ClerkErrors),
        (status = 422, description = "A malformed or taken address (`form_param_format_invalid`, `form_identifier_exists`), or another bad parameter.", body = ClerkErrors),
    ))]
pub async fn create_email_address(State(s): St, Body(b): Body) -> HttpResult<Json<EmailAddress>> {
    Ok(Json(s.app.create_email_address(b).await?))
}

#[utoipa::path(get, path = "/v1/email_addresses/{email_address_id}", tag = "Email Addresses",
    operation_id = "GetEmailAddress",
    responses((status = 200, description = "The email address.", body = EmailAddress)))]
pub async fn get_email_address(State(s): St, Path(id): Path<String>) -> HttpResult<Json<EmailAddress>> {
    Ok(Json(s.app.get_email_address(&id).await?))
}

#[utoipa::path(patch, path = "/v1/email_addresses/{email_address_id}", tag = "Email Addresses",
    operation_id = "UpdateEmailAddress",
    request_body = tessera_types::UpdateEmailAddressRequestBody,
    responses(
        (status = 200, description = "The updated email address. `primary: true` makes it the user's primary address, verified or not.", body = EmailAddress),
    ))]
pub async fn update_email_address(
    State(s): St,
    Path(id): Path<String>,
    Body(b): Body,
) -> HttpResult<Json<EmailAddress>> {
    Ok(Json(s.app.update_email_address(&id, b).await?))
}

#[utoipa::path(delete, path = "/v1/email_addresses/{email_address_id}", tag = "Email Addresses",
    operation_id = "DeleteEmailAddress",
    responses(
        (status = 200, description = "The email address was deleted. When it was the primary one, the oldest remaining verified address (else the oldest remaining one, else none) became primary, in the same transaction.", body = DeletedObject),
        (status = 400, description = "It is the user's last identification (`identification_deletion_failed`).", body = ClerkErrors),
    ))]
pub async fn delete_email_address(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_email_address(&id).await?))
}

// ---- phone numbers -----------------------------------------------------------------------------------

#[utoipa::path(post, path = "/v1/phone_numbers", tag = "Phone Numbers", operation_id = "CreatePhoneNumber",
    request_body = tessera_types::CreatePhoneNumberRequestBody,
    responses(
        (status = 200, description = "The new phone number: verified by the admin with `verified: true`, unverified (`verification: null`) otherwise. The user's first phone number becomes primary.", body = PhoneNumber),
        (status = 400, description = "`reserved_for_second_factor` on an unverified number (`identification_create_second_factor_unverified`), or another malformed request.", body = ClerkErrors),
        (status = 404, description = "No user has id `user_id` (`resource_not_found`).", body = ClerkErrors),
        (status = 422, description = "A malformed or taken number (`form_param_format_invalid`, `form_identifier_exists`), or another bad parameter.", body = ClerkErrors),
    ))]
pub async fn create_phone_number(State(s): St, Body(b): Body) -> HttpResult<Json<PhoneNumber>> {
    Ok(Json(s.app.create_phone_number(b).await?))
}

#[utoipa::path(get, path = "/v1/phone_numbers/{phone_number_id}", tag = "Phone Numbers",
    operation_id = "GetPhoneNumber",
    responses((status = 200, description = "The phone number.", body = PhoneNumber)))]
pub async fn get_phone_number(State(s): St, Path(id): Path<String>) -> HttpResult<Json<PhoneNumber>> {
    Ok(Json(s.app.get_phone_number(&id).await?))
}

#[utoipa::path(patch, path = "/v1/phone_numbers/{phone_number_id}", tag = "Phone Numbers",
    operation_id = "UpdatePhoneNumber",
    request_body = tessera_types::UpdatePhoneNumberRequestBody,
    responses(
        (status = 200, description = "The updated phone number.", body = PhoneNumber),
        (status = 400, description = "A second factor must be verified (`identification_update_second_factor_unverified`) and may not be the user's last identification (`identification_update_failed`).", body = ClerkErrors),
    ))]
pub async fn update_phone_number(State(s): St, Path(id): Path<String>, Body(b): Body) -> HttpResult<Json<PhoneNumber>> {
    Ok(Json(s.app.update_phone_number(&id, b).await?))
}

#[utoipa::path(delete, path = "/v1/phone_numbers/{phone_number_id}", tag = "Phone Numbers",
    operation_id = "DeletePhoneNumber",
    responses(
        (status = 200, description = "The phone number was deleted. When it was the primary one, the oldest remaining verified number (else the oldest remaining one, else none) became primary, in the same transaction.", body = DeletedObject),
        (status = 400, description = "It is the user's last identification (`identification_deletion_failed`).", body = ClerkErrors),
    ))]
pub async fn delete_phone_number(State(s): St, Path(id): Path<String>) -> HttpResult<Json<DeletedObject>> {
    Ok(Json(s.app.delete_phone_number(&id).await?))
}
