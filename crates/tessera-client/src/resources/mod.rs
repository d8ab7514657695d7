//! The resource groups of the API, one type per group, each borrowed from a [`Client`](crate::Client)
//! (`client.users()`, `client.sessions()`, ...). Method names follow Clerk's SDKs.

mod actor_tokens;
mod contacts;
mod invitations;
mod jwks;
mod jwt_templates;
mod machines;
mod memberships;
mod organizations;
mod roles;
mod sessions;
mod tessera;
mod users;

pub use actor_tokens::ActorTokens;
pub use contacts::{EmailAddresses, PhoneNumbers};
pub use invitations::{Invitations, OrganizationInvitations};
pub use jwks::Jwks;
pub use jwt_templates::JwtTemplates;
pub use machines::{ApiKeys, M2MTokens, Machines};
pub use memberships::OrganizationMemberships;
pub use organizations::Organizations;
pub use roles::{OrganizationPermissions, OrganizationRoles, RoleSets};
pub use sessions::Sessions;
pub use tessera::{
    CustomSessionClaims, InstanceKeys, Tessera, TesseraActorTokens, TesseraJwtTemplates,
    TesseraOrganizationInvitations, Webhooks,
};
pub use users::Users;
