//! Admin commands over the SDK: they talk to a running Tessera (or Clerk) at `--url`.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::{Map, Value};
use tessera_client::{
    Client, CreateSessionTokenFromTemplateRequest, CreateSessionTokenFromTemplateRequestBody,
    CreateSessionTokenRequest, GetSessionListRequest, GetUserListRequest, ListJwtTemplatesRequest,
    ListOrganizationsRequest,
};
use tessera_types::{
    CreateJwtTemplateRequestBody, CreateOrganizationMembershipRequestBody, CreateOrganizationRequestBody,
    CreateSessionRequestBody, CreateSessionTokenRequestBody, CreateUserRequestBody, JwtTemplate, JwtTemplateKey,
    Organization, RotateJwtTemplateKeyRequestBody, Session, SessionStatus, User,
};

use crate::output::{cell, json, read_json_or_yaml, table, time_ms};

#[derive(Subcommand)]
pub enum UsersCmd {
    /// Create a user.
    Create {
        /// Email address (repeat for several; the first is primary).
        #[arg(long = "email")]
        email: Vec<String>,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        #[arg(long)]
        username: Option<String>,
        #[arg(long)]
        external_id: Option<String>,
        /// Public metadata as a JSON object.
        #[arg(long)]
        public_metadata: Option<String>,
    },
    /// List users, newest first.
    List {
        #[arg(long)]
        query: Option<String>,
        #[arg(long = "email")]
        email: Vec<String>,
        #[arg(long, default_value_t = 10)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Show one user.
    Get { user_id: String },
    /// Delete a user (their memberships go too; live sessions end).
    Delete { user_id: String },
    /// Lock a user: no new session until unlocked (running sessions keep working).
    Lock { user_id: String },
    /// Unlock a user.
    Unlock { user_id: String },
    #[command(flatten)]
    Password(crate::passwords::PasswordCmd),
}

#[derive(Subcommand)]
pub enum OrgsCmd {
    /// Create an organization.
    Create {
        name: String,
        #[arg(long)]
        slug: Option<String>,
        /// User who becomes its first admin.
        #[arg(long)]
        created_by: Option<String>,
    },
    /// List organizations.
    List {
        #[arg(long)]
        query: Option<String>,
        #[arg(long, default_value_t = 10)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Add a user to an organization.
    AddMember {
        organization: String,
        user_id: String,
        #[arg(long, default_value = "org:member")]
        role: String,
    },
}

#[derive(Subcommand)]
pub enum SessionsCmd {
    /// Create an active session for a user.
    Create {
        user_id: String,
        /// Active organization (id), which the user must belong to.
        #[arg(long)]
        org: Option<String>,
    },
    /// List sessions of a user or a client, newest first.
    List {
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        client: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 10)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Revoke a session.
    Revoke { session_id: String },
}

#[derive(Subcommand)]
pub enum TemplatesCmd {
    /// Create a JWT template.
    Create {
        name: String,
        /// JSON or YAML file with the claims object.
        #[arg(long)]
        claims: PathBuf,
        #[arg(long)]
        lifetime: Option<i64>,
        #[arg(long)]
        clock_skew: Option<i64>,
        /// Custom signing algorithm (HS256, RS256, ES256, EdDSA, …); needs --signing-key.
        #[arg(long)]
        algorithm: Option<String>,
        /// File with the custom signing key (PEM private key, or the HMAC secret).
        #[arg(long)]
        signing_key: Option<PathBuf>,
    },
    /// List templates.
    List {
        #[arg(long, default_value_t = 10)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Show one template.
    Get { template_id: String },
    /// Update a template; name and claims are kept unless given.
    Update {
        template_id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        claims: Option<PathBuf>,
        #[arg(long)]
        lifetime: Option<i64>,
        #[arg(long)]
        clock_skew: Option<i64>,
    },
    /// Delete a template.
    Delete { template_id: String },
    /// Rotate a template's custom signing key: the new key signs the next token, and the replaced
    /// asymmetric key stays in the JWKS until the tokens it signed have expired. Without --key-file
    /// or --stdin the server generates the key (a generated HMAC secret is printed, this once).
    #[command(name = "rotate-key")]
    RotateKey {
        template_id: String,
        /// File with the new key (PEM private key, or the HMAC secret).
        #[arg(long, conflicts_with = "stdin")]
        key_file: Option<PathBuf>,
        /// Read the new key from standard input (never from the command line).
        #[arg(long)]
        stdin: bool,
        /// The new key's algorithm (HS256, RS256, ES256, EdDSA, …); default: the template's.
        #[arg(long)]
        algorithm: Option<String>,
    },
    /// Render a template (or unsaved claims) for a user or session without signing: header, claims,
    /// size and lint findings (exit code 1 when a finding is an error).
    Preview(crate::preview::PreviewArgs),
}

fn metadata(arg: Option<String>) -> Result<Option<Map<String, Value>>, String> {
    match arg {
        None => Ok(None),
        Some(s) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            _ => Err("--public-metadata must be a JSON object".into()),
        },
    }
}

fn user_rows(users: &[User]) -> Vec<Vec<String>> {
    users
        .iter()
        .map(|u| {
            let email = u
                .email_addresses
                .iter()
                .find(|e| Some(&e.id) == u.primary_email_address_id.as_ref())
                .map(|e| e.email_address.as_str());
            let name =
                [u.first_name.as_deref(), u.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
            vec![
                u.id.clone(),
                cell(email),
                cell(Some(&name)),
                cell(u.username.as_deref()),
                match (u.banned, u.locked) {
                    (true, true) => "banned, locked".into(),
                    (true, false) => "banned".into(),
                    (false, true) => "locked".into(),
                    (false, false) => "-".into(),
                },
                time_ms(u.created_at),
            ]
        })
        .collect()
}

fn show_users(users: &[User], as_json: bool) {
    if as_json {
        json(&users);
    } else {
        table(&["id", "email", "name", "username", "state", "created"], &user_rows(users));
    }
}

fn show_orgs(orgs: &[Organization], total: Option<i64>, as_json: bool) {
    if as_json {
        return json(&orgs);
    }
    let rows: Vec<Vec<String>> = orgs
        .iter()
        .map(|o| {
            vec![
                o.id.clone(),
                o.name.clone(),
                o.slug.clone(),
                o.members_count.map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
                time_ms(o.created_at),
            ]
        })
        .collect();
    table(&["id", "name", "slug", "members", "created"], &rows);
    if let Some(t) = total {
        println!("{} of {t}", orgs.len());
    }
}

pub(crate) fn show_sessions(sessions: &[Session], as_json: bool) {
    if as_json {
        return json(&sessions);
    }
    let rows: Vec<Vec<String>> = sessions
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                s.user_id.clone(),
                s.status.as_str().to_owned(),
                cell(s.last_active_organization_id.as_deref()),
                time_ms(s.expire_at),
            ]
        })
        .collect();
    table(&["id", "user", "status", "active org", "expires"], &rows);
}

fn show_templates(ts: &[JwtTemplate], as_json: bool) {
    if as_json {
        return json(&ts);
    }
    let rows: Vec<Vec<String>> = ts
        .iter()
        .map(|t| {
            vec![
                t.id.clone(),
                t.name.clone(),
                t.lifetime.to_string(),
                t.allowed_clock_skew.to_string(),
                if t.custom_signing_key { format!("custom {}", t.signing_algorithm) } else { "instance RS256".into() },
            ]
        })
        .collect();
    table(&["id", "name", "lifetime", "skew", "signing"], &rows);
}

fn read_claims(path: &std::path::Path) -> Result<Map<String, Value>, String> {
    match read_json_or_yaml(path)? {
        Value::Object(m) => Ok(m),
        _ => Err(format!("{}: the claims must be an object", path.display())),
    }
}

pub async fn users(c: &Client, cmd: UsersCmd, as_json: bool) -> Result<(), String> {
    match cmd {
        UsersCmd::Create { email, first_name, last_name, username, external_id, public_metadata } => {
            let body = CreateUserRequestBody {
                email_address: (!email.is_empty()).then_some(email),
                first_name,
                last_name,
                username,
                external_id,
                public_metadata: metadata(public_metadata)?,
                ..Default::default()
            };
            let u = c.users().create(body).await.map_err(|e| e.to_string())?;
            if as_json { json(&u) } else { show_users(&[u], false) }
        }
        UsersCmd::List { query, email, limit, offset } => {
            let req = GetUserListRequest {
                query,
                email_address: email,
                limit: Some(limit),
                offset: Some(offset),
                ..Default::default()
            };
            show_users(&c.users().list(req).await.map_err(|e| e.to_string())?, as_json);
        }
        UsersCmd::Get { user_id } => {
            let u = c.users().get(&user_id).await.map_err(|e| e.to_string())?;
            if as_json { json(&u) } else { show_users(&[u], false) }
        }
        UsersCmd::Delete { user_id } => {
            let d = c.users().delete(&user_id).await.map_err(|e| e.to_string())?;
            if as_json { json(&d) } else { println!("deleted {user_id}") }
        }
        UsersCmd::Lock { user_id } => {
            let u = c.users().lock(&user_id).await.map_err(|e| e.to_string())?;
            if as_json { json(&u) } else { show_users(&[u], false) }
        }
        UsersCmd::Unlock { user_id } => {
            let u = c.users().unlock(&user_id).await.map_err(|e| e.to_string())?;
            if as_json { json(&u) } else { show_users(&[u], false) }
        }
        UsersCmd::Password(cmd) => return crate::passwords::run(c, cmd, as_json).await,
    }
    Ok(())
}

pub async fn orgs(c: &Client, cmd: OrgsCmd, as_json: bool) -> Result<(), String> {
    match cmd {
        OrgsCmd::Create { name, slug, created_by } => {
            let body = CreateOrganizationRequestBody { name, slug, created_by, ..Default::default() };
            let o = c.organizations().create(body).await.map_err(|e| e.to_string())?;
            if as_json { json(&o) } else { show_orgs(&[o], None, false) }
        }
        OrgsCmd::List { query, limit, offset } => {
            let req =
                ListOrganizationsRequest { query, limit: Some(limit), offset: Some(offset), ..Default::default() };
            let page = c.organizations().list(req).await.map_err(|e| e.to_string())?;
            if as_json { json(&page) } else { show_orgs(&page.data, Some(page.total_count), false) }
        }
        OrgsCmd::AddMember { organization, user_id, role } => {
            let body = CreateOrganizationMembershipRequestBody { user_id, role, ..Default::default() };
            let m = c.organization_memberships().create(&organization, body).await.map_err(|e| e.to_string())?;
            if as_json {
                json(&m)
            } else {
                let user = m.public_user_data.as_ref().map(|p| p.user_id.clone()).unwrap_or_default();
                table(&["membership", "organization", "user", "role"], &[vec![m.id, m.organization.id, user, m.role]]);
            }
        }
    }
    Ok(())
}

pub async fn sessions(c: &Client, cmd: SessionsCmd, as_json: bool) -> Result<(), String> {
    match cmd {
        SessionsCmd::Create { user_id, org } => {
            let body = CreateSessionRequestBody { user_id, active_organization_id: org };
            let s = c.sessions().create(body).await.map_err(|e| e.to_string())?;
            if as_json { json(&s) } else { show_sessions(&[s], false) }
        }
        SessionsCmd::List { user, client, status, limit, offset } => {
            if user.is_none() && client.is_none() {
                return Err("give --user or --client".into());
            }
            let status = match status {
                None => None,
                Some(s) => Some(SessionStatus::parse(&s).ok_or_else(|| format!("unknown status {s}"))?),
            };
            let req = GetSessionListRequest {
                user_id: user,
                client_id: client,
                status,
                limit: Some(limit),
                offset: Some(offset),
            };
            let page = c.sessions().list(req).await.map_err(|e| e.to_string())?;
            if as_json { json(&page) } else { show_sessions(&page.data, false) }
        }
        SessionsCmd::Revoke { session_id } => {
            let s = c.sessions().revoke(&session_id).await.map_err(|e| e.to_string())?;
            if as_json { json(&s) } else { show_sessions(&[s], false) }
        }
    }
    Ok(())
}

pub async fn templates(c: &Client, cmd: TemplatesCmd, as_json: bool) -> Result<(), String> {
    match cmd {
        TemplatesCmd::Create { name, claims, lifetime, clock_skew, algorithm, signing_key } => {
            let key = match &signing_key {
                None => None,
                Some(p) => Some(std::fs::read_to_string(p).map_err(|e| format!("reading {}: {e}", p.display()))?),
            };
            let custom = algorithm.is_some() || key.is_some();
            let body = CreateJwtTemplateRequestBody {
                name,
                claims: read_claims(&claims)?,
                lifetime,
                allowed_clock_skew: clock_skew,
                custom_signing_key: custom.then_some(true),
                signing_algorithm: algorithm,
                signing_key: key.map(key_text),
            };
            let t = c.jwt_templates().create(body).await.map_err(|e| e.to_string())?;
            if as_json { json(&t) } else { show_templates(&[t], false) }
        }
        TemplatesCmd::List { limit, offset } => {
            let page = c
                .jwt_templates()
                .list(ListJwtTemplatesRequest { limit: Some(limit), offset: Some(offset) })
                .await
                .map_err(|e| e.to_string())?;
            if as_json { json(&page) } else { show_templates(&page.data, false) }
        }
        TemplatesCmd::Get { template_id } => {
            let t = c.jwt_templates().get(&template_id).await.map_err(|e| e.to_string())?;
            if as_json { json(&t) } else { show_templates(&[t], false) }
        }
        TemplatesCmd::Update { template_id, name, claims, lifetime, clock_skew } => {
            let current = c.jwt_templates().get(&template_id).await.map_err(|e| e.to_string())?;
            let body = CreateJwtTemplateRequestBody {
                name: name.unwrap_or(current.name),
                claims: match &claims {
                    Some(p) => read_claims(p)?,
                    None => current.claims,
                },
                lifetime,
                allowed_clock_skew: clock_skew,
                ..Default::default()
            };
            let t = c.jwt_templates().update(&template_id, body).await.map_err(|e| e.to_string())?;
            if as_json { json(&t) } else { show_templates(&[t], false) }
        }
        TemplatesCmd::Delete { template_id } => {
            let d = c.jwt_templates().delete(&template_id).await.map_err(|e| e.to_string())?;
            if as_json { json(&d) } else { println!("deleted {template_id}") }
        }
        TemplatesCmd::RotateKey { template_id, key_file, stdin, algorithm } => {
            let key = match (&key_file, stdin) {
                (Some(p), _) => {
                    Some(key_text(std::fs::read_to_string(p).map_err(|e| format!("reading {}: {e}", p.display()))?))
                }
                (None, true) => Some(key_text(crate::passwords::read_secret("signing key")?)),
                (None, false) => None,
            };
            let body = RotateJwtTemplateKeyRequestBody { signing_key: key, signing_algorithm: algorithm };
            let k = c.tessera().jwt_templates().rotate_key_with(&template_id, body).await.map_err(|e| e.to_string())?;
            if as_json { json(&k) } else { show_rotated_key(&k) }
        }
        TemplatesCmd::Preview(args) => {
            if !crate::preview::preview(c, args, as_json).await? {
                return Err("the preview has error findings".into());
            }
        }
    }
    Ok(())
}

/// A key file's text as the API takes it: a PEM as it is, a secret without its final line ending.
fn key_text(k: String) -> String {
    if k.contains("-----BEGIN") { k } else { k.trim_end_matches(['\n', '\r']).to_owned() }
}

fn show_rotated_key(k: &JwtTemplateKey) {
    let new = k.kid.as_deref().unwrap_or("(HMAC, not published)");
    eprintln!("{}: the {} key {new} signs from now on", k.template_id, k.signing_algorithm);
    if let Some(prev) = &k.previous_kid {
        let until = k.previous_unpublish_at.map(time_ms).unwrap_or_default();
        eprintln!("the previous key {prev} stays in the JWKS until {until} UTC");
    }
    if let Some(secret) = &k.signing_key {
        eprintln!("generated secret (shown this once, store it now):");
        println!("{secret}");
    }
}

/// `tessera token SESSION [TEMPLATE] [--expires-in N]`: prints the JWT.
pub async fn token(
    c: &Client,
    session_id: String,
    template: Option<String>,
    expires_in: Option<i64>,
    as_json: bool,
) -> Result<(), String> {
    let t = match template {
        Some(template_name) => c
            .sessions()
            .create_token_from_template(CreateSessionTokenFromTemplateRequest {
                session_id,
                template_name,
                body: expires_in.map(|n| CreateSessionTokenFromTemplateRequestBody { expires_in_seconds: Some(n) }),
            })
            .await
            .map_err(|e| e.to_string())?,
        None => c
            .sessions()
            .create_session_token(CreateSessionTokenRequest {
                session_id,
                body: expires_in.map(|n| CreateSessionTokenRequestBody { expires_in_seconds: Some(n) }),
            })
            .await
            .map_err(|e| e.to_string())?,
    };
    if as_json {
        json(&t)
    } else {
        println!("{}", t.jwt)
    }
    Ok(())
}

pub async fn jwks(c: &Client) -> Result<(), String> {
    json(&c.jwks().get().await.map_err(|e| e.to_string())?);
    Ok(())
}
