//! The Rust SDK for Tessera, and for Clerk's Backend API itself (the wire shapes are the same).
//!
//! It owns two things:
//! - [`Client`]: a typed async client for every endpoint of the server (users, sessions and
//!   token minting, organizations and memberships, JWT templates, JWKS, and Tessera's own
//!   extensions under [`Client::tessera`]), with Clerk's SDK naming,
//!   timeouts, bounded retries and typed [`Error`]s carrying Clerk's error envelope;
//! - [`Verifier`]: networkless verification of session and template tokens with keys from a
//!   cached JWKS URL, a JWKS document, a PEM public key or an HMAC secret; failures are a
//!   [`VerifyError`] a caller can match on.
//!
//! It does not own the wire types (they are [`tessera_types`], re-exported as [`types`]) nor any
//! cryptography ([`tessera_jwt`] checks signatures), and it never reads configuration from the
//! environment on its own.
//!
//! # Quick start: mint and verify
//!
//! ```no_run
//! # async fn example() -> Result<(), tessera_client::Error> {
//! use tessera_client::{Client, CreateSessionTokenFromTemplateRequest, VerifyOptions};
//!
//! let client = Client::new("http://localhost:8080", "sk_test_xxx")?; // or https://api.clerk.com
//!
//! let token = client
//!     .sessions()
//!     .create_token_from_template(CreateSessionTokenFromTemplateRequest {
//!         session_id: "sess_2x…".into(),
//!         template_name: "supabase".into(),
//!         body: None,
//!     })
//!     .await?;
//!
//! // Keys come from GET /v1/jwks once, then from the cache.
//! let verified = client.verify_token(&token.jwt, &VerifyOptions::default()).await?;
//! println!("token for {} expires at {}", verified.claims.sub, verified.claims.exp);
//! # Ok(())
//! # }
//! ```
//!
//! # Verifying without a client
//!
//! A service that only checks tokens needs a [`Verifier`] and no secret key when it has the
//! instance's public key:
//!
//! ```no_run
//! # async fn example(jwt: &str, pem: String) -> Result<(), tessera_client::VerifyError> {
//! use tessera_client::{KeySource, Verifier, VerifyError, VerifyOptions};
//!
//! let verifier = Verifier::new(KeySource::PublicKeyPem(pem))?;
//! match verifier.verify_token(jwt, &VerifyOptions::default()).await {
//!     Ok(token) => println!("session {:?} of {}", token.claims.sid, token.claims.sub),
//!     Err(VerifyError::Expired { .. }) => println!("refresh the token"),
//!     Err(e) => println!("rejected: {e}"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//!
//! - `tls` (default): HTTPS through rustls with the aws-lc-rs provider and the webpki roots, so
//!   the client works unchanged against `https://api.clerk.com`.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

mod client;
mod error;
mod http;
mod models;
pub mod resources;
mod verify;

pub use client::{Client, ClientBuilder, DEFAULT_API_VERSION, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT};
pub use error::{Error, Result};
pub use http::{Sleeper, install_default_tls_provider};
pub use models::{
    CreateSessionTokenFromTemplateRequest, CreateSessionTokenFromTemplateRequestBody, CreateSessionTokenRequest,
    GetSessionListRequest, GetUserListRequest, GetUsersCountRequest, ListInstanceOrganizationInvitationsRequest,
    ListInvitationsRequest, ListJwtTemplatesRequest, ListOrganizationInvitationsRequest,
    ListOrganizationMembershipsRequest, ListOrganizationsRequest, ListPendingOrganizationInvitationsRequest,
    ListRolesRequest, SessionStatus, UpdateJwtTemplateRequestBody, UpdateOrganizationMembershipMetadataRequestBody,
    UpdateOrganizationMetadataRequestBody, UsersGetOrganizationInvitationsRequest,
    UsersGetOrganizationMembershipsRequest,
};
pub use verify::{
    AcceptM2M, CAT_M2M_TOKEN, Claims, Clock, DEFAULT_CLOCK_SKEW, DEFAULT_JWKS_CACHE_TTL, DEFAULT_MIN_REFETCH_INTERVAL,
    KeySource, OrgClaim, VerifiedToken, Verifier, VerifierBuilder, VerifyError, VerifyOptions, verify_token,
};

/// The wire types (`User`, `Session`, `Token`, `CreateUserRequestBody`, ...), from
/// [`tessera_types`].
pub use tessera_types as types;

/// The JOSE algorithms, from [`tessera_jwt`] (needed for [`KeySource::HmacSecret`] and
/// [`VerifyOptions::algorithms`]).
pub use tessera_jwt::Algorithm;

pub use tessera_types::{
    ActorToken, ApiKey, DeletedObject, EmailAddress, Invitation, JwtTemplate, M2MToken, Machine, Organization,
    OrganizationInvitation, OrganizationMembership, Paginated, Permission, PhoneNumber, Role, RoleSet, Session, Token,
    TotalCount, User,
};
