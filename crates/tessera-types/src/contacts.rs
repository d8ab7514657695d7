//! Request bodies of Clerk's Email Addresses and Phone Numbers tags (`/email_addresses`,
//! `/phone_numbers`). The objects themselves are [`EmailAddress`](crate::EmailAddress) and
//! [`PhoneNumber`](crate::PhoneNumber), as embedded in the [`User`](crate::User).

use serde::{Deserialize, Serialize};

/// `POST /email_addresses`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateEmailAddressRequestBody {
    /// The user the address is added to.
    pub user_id: String,
    pub email_address: String,
    /// Created verified (by the admin) when `true`; unverified (`verification: null`) otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Make it the user's primary email address (the first address always is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Accepted for compatibility; Tessera sends no notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_primary_email_address_changed: Option<bool>,
}

/// `PATCH /email_addresses/{email_address_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateEmailAddressRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// `true` makes it the user's primary email address; `false` has no effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Accepted for compatibility; Tessera sends no notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_primary_email_address_changed: Option<bool>,
}

/// `POST /phone_numbers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatePhoneNumberRequestBody {
    /// The user the number is added to.
    pub user_id: String,
    /// E.164 (`+` and 7 to 15 digits; spaces, `-`, `(` and `)` are dropped).
    pub phone_number: String,
    /// Created verified (by the admin) when `true`; unverified (`verification: null`) otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Make it the user's primary phone number (the first number always is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Reserve it for multi-factor authentication (it must be verified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_for_second_factor: Option<bool>,
}

/// `PATCH /phone_numbers/{phone_number_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdatePhoneNumberRequestBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// `true` makes it the user's primary phone number; `false` has no effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_for_second_factor: Option<bool>,
}
