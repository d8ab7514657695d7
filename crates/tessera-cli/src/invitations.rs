//! `tessera invitations …` (invitations to the instance) and `tessera org-invitations …` (to an
//! organization, including `accept`, Tessera's extension) over the SDK.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::{Map, Value};
use tessera_client::types::{
    AcceptOrganizationInvitationRequestBody, CreateInvitationRequestBody, CreateOrganizationInvitationRequestBody,
    InstanceOrganizationInvitationListQuery, Invitation, InvitationStatus, OrganizationInvitation,
    OrganizationInvitationListQuery, RevokeOrganizationInvitationRequestBody,
};
use tessera_client::{Client, ListInvitationsRequest, ListOrganizationInvitationsRequest};

use crate::output::{json, read_json_or_yaml, table, time_ms};

#[derive(Subcommand)]
pub enum InvitationsCmd {
    /// List invitations, newest first (without `--status`, all but the revoked ones).
    List {
        /// pending, accepted, revoked or expired (repeat for several).
        #[arg(long = "status", value_parser = parse_status)]
        statuses: Vec<InvitationStatus>,
        /// A part of the email address, or an exact id.
        #[arg(long)]
        query: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Invite one or more email addresses (several are created together, or none). Creating a user
    /// with an invited address accepts its invitation.
    Create {
        #[arg(required = true)]
        emails: Vec<String>,
        /// A JSON or YAML file with the public metadata the user gets on acceptance.
        #[arg(long)]
        public_metadata: Option<PathBuf>,
        /// Days the invitations are valid (1..365, default 30).
        #[arg(long)]
        expires_in_days: Option<i64>,
        /// Revoke a pending invitation of the address and create this one instead.
        #[arg(long)]
        ignore_existing: bool,
    },
    /// Revoke an invitation.
    Revoke { invitation_id: String },
}

#[derive(Subcommand)]
pub enum OrgInvitationsCmd {
    /// List an organization's invitations (or, without ORG, every organization's), newest first.
    List {
        /// Organization id or slug.
        org: Option<String>,
        /// pending, accepted, revoked or expired (repeat for several).
        #[arg(long = "status", value_parser = parse_status)]
        statuses: Vec<InvitationStatus>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Invite one or more email addresses to an organization with a role.
    Create {
        /// Organization id or slug.
        org: String,
        #[arg(required = true)]
        emails: Vec<String>,
        /// A role key of the organization's role set.
        #[arg(long, default_value = "org:member")]
        role: String,
        /// An administrator of the organization.
        #[arg(long)]
        inviter: Option<String>,
        /// A JSON or YAML file with the public metadata the membership gets on acceptance.
        #[arg(long)]
        public_metadata: Option<PathBuf>,
        /// Days the invitations are valid (1..365, default 30).
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// Show one invitation.
    Get { org: String, invitation_id: String },
    /// Revoke a pending invitation.
    Revoke {
        org: String,
        invitation_id: String,
        /// An administrator of the organization.
        #[arg(long)]
        requesting_user: Option<String>,
    },
    /// Accept an invitation (Tessera's extension): the user with the invited address (or `--user`,
    /// who must have it) becomes a member with the invited role.
    Accept {
        org: String,
        invitation_id: String,
        #[arg(long)]
        user: Option<String>,
    },
}

fn parse_status(s: &str) -> Result<InvitationStatus, String> {
    InvitationStatus::parse(s).ok_or_else(|| format!("{s}: one of pending, accepted, revoked, expired"))
}

fn err(e: tessera_client::Error) -> String {
    e.to_string()
}

fn metadata(path: Option<PathBuf>) -> Result<Option<Map<String, Value>>, String> {
    match path {
        None => Ok(None),
        Some(p) => match read_json_or_yaml(&p)? {
            Value::Object(m) => Ok(Some(m)),
            _ => Err(format!("{}: the metadata must be an object", p.display())),
        },
    }
}

fn show_invitations(list: &[Invitation], as_json: bool) {
    if as_json {
        return json(&list);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                i.email_address.clone(),
                i.status.as_str().to_owned(),
                i.expires_at.map(time_ms).unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    table(&["id", "email", "status", "expires"], &rows);
}

fn show_org_invitations(list: &[OrganizationInvitation], as_json: bool) {
    if as_json {
        return json(&list);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                i.organization_id.clone(),
                i.email_address.clone(),
                i.role.clone(),
                i.status.as_str().to_owned(),
                i.expires_at.map(time_ms).unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    table(&["id", "organization", "email", "role", "status", "expires"], &rows);
}

/// One object: as itself in JSON, as a one-row table otherwise.
fn one<T: serde::Serialize>(v: T, as_json: bool, show: fn(&[T], bool)) {
    if as_json { json(&v) } else { show(std::slice::from_ref(&v), false) }
}

pub async fn invitations(c: &Client, cmd: InvitationsCmd, as_json: bool) -> Result<(), String> {
    let api = c.invitations();
    match cmd {
        InvitationsCmd::List { statuses, query, limit, offset } => {
            let request = ListInvitationsRequest {
                status: statuses,
                query,
                limit: Some(limit),
                offset: Some(offset),
                ..Default::default()
            };
            show_invitations(&api.list(request).await.map_err(err)?.data, as_json);
        }
        InvitationsCmd::Create { emails, public_metadata, expires_in_days, ignore_existing } => {
            let public_metadata = metadata(public_metadata)?;
            let mut bodies: Vec<CreateInvitationRequestBody> = emails
                .into_iter()
                .map(|email_address| CreateInvitationRequestBody {
                    email_address,
                    public_metadata: public_metadata.clone(),
                    expires_in_days,
                    ignore_existing: ignore_existing.then_some(true),
                    ..Default::default()
                })
                .collect();
            if bodies.len() == 1 {
                let body = bodies.pop().unwrap_or_default();
                one(api.create(body).await.map_err(err)?, as_json, show_invitations);
            } else {
                show_invitations(&api.bulk_create(bodies).await.map_err(err)?, as_json);
            }
        }
        InvitationsCmd::Revoke { invitation_id } => {
            one(api.revoke(&invitation_id).await.map_err(err)?, as_json, show_invitations);
        }
    }
    Ok(())
}

pub async fn org_invitations(c: &Client, cmd: OrgInvitationsCmd, as_json: bool) -> Result<(), String> {
    let api = c.organization_invitations();
    match cmd {
        OrgInvitationsCmd::List { org, statuses, limit, offset } => {
            let page = match org {
                Some(organization_id) => {
                    let filter = OrganizationInvitationListQuery {
                        status: statuses,
                        limit: Some(limit),
                        offset: Some(offset),
                        ..Default::default()
                    };
                    api.list(ListOrganizationInvitationsRequest { organization_id, filter }).await
                }
                None => {
                    let request = InstanceOrganizationInvitationListQuery {
                        status: statuses,
                        limit: Some(limit),
                        offset: Some(offset),
                        ..Default::default()
                    };
                    api.get_all(request).await
                }
            };
            show_org_invitations(&page.map_err(err)?.data, as_json);
        }
        OrgInvitationsCmd::Create { org, emails, role, inviter, public_metadata, expires_in_days } => {
            let public_metadata = metadata(public_metadata)?;
            let mut bodies: Vec<CreateOrganizationInvitationRequestBody> = emails
                .into_iter()
                .map(|email_address| CreateOrganizationInvitationRequestBody {
                    email_address,
                    role: role.clone(),
                    inviter_user_id: inviter.clone(),
                    public_metadata: public_metadata.clone(),
                    expires_in_days,
                    ..Default::default()
                })
                .collect();
            if bodies.len() == 1 {
                let body = bodies.pop().unwrap_or_default();
                one(api.create(&org, body).await.map_err(err)?, as_json, show_org_invitations);
            } else {
                show_org_invitations(&api.bulk_create(&org, bodies).await.map_err(err)?.data, as_json);
            }
        }
        OrgInvitationsCmd::Get { org, invitation_id } => {
            one(api.get(&org, &invitation_id).await.map_err(err)?, as_json, show_org_invitations);
        }
        OrgInvitationsCmd::Revoke { org, invitation_id, requesting_user } => {
            let body = RevokeOrganizationInvitationRequestBody { requesting_user_id: requesting_user };
            one(api.revoke(&org, &invitation_id, body).await.map_err(err)?, as_json, show_org_invitations);
        }
        OrgInvitationsCmd::Accept { org, invitation_id, user } => {
            let body = AcceptOrganizationInvitationRequestBody { user_id: user };
            let m = c.tessera().organization_invitations().accept(&org, &invitation_id, body).await.map_err(err)?;
            if as_json {
                json(&m);
            } else {
                let user = m.public_user_data.as_ref().map_or("-", |u| u.user_id.as_str());
                println!("{user} is now {} of {} ({})", m.role, m.organization.slug, m.id);
            }
        }
    }
    Ok(())
}
