//! `tessera templates preview [TEMPLATE] (--user ID | --session ID)`: renders a template (or unsaved
//! claims from a file) without signing, through `/v1/tessera/jwt_templates/preview`, and prints the
//! header, the claims, the token's size and the lint findings. Exits 1 when a finding is an error, so
//! a script can check a template before it ships.

use std::path::PathBuf;

use clap::Args;
use tessera_client::Client;
use tessera_client::types::{JwtTemplatePreview, PreviewJwtTemplateRequestBody};

use crate::output::{json, read_json_or_yaml};

#[derive(Args)]
pub struct PreviewArgs {
    /// The id or name of a stored template (or give --claims).
    pub template: Option<String>,
    /// JSON or YAML file with unsaved claims to preview instead of a stored template.
    #[arg(long)]
    pub claims: Option<PathBuf>,
    /// Render for this user.
    #[arg(long)]
    pub user: Option<String>,
    /// Render for this session (its user and active organization).
    #[arg(long)]
    pub session: Option<String>,
    /// Render with this organization of the user active (id or slug).
    #[arg(long)]
    pub organization: Option<String>,
    /// Also check this consumer's requirements: hasura, supabase or convex.
    #[arg(long)]
    pub consumer: Option<String>,
    /// With --claims: token lifetime in seconds.
    #[arg(long)]
    pub lifetime: Option<i64>,
    /// With --claims: allowed clock skew in seconds.
    #[arg(long)]
    pub clock_skew: Option<i64>,
    /// With --claims: the algorithm of a custom signing key.
    #[arg(long)]
    pub algorithm: Option<String>,
}

/// Runs the preview; `Ok(false)` when a finding is an error.
pub async fn preview(c: &Client, a: PreviewArgs, as_json: bool) -> Result<bool, String> {
    let claims = match &a.claims {
        None => None,
        Some(p) => match read_json_or_yaml(p)? {
            serde_json::Value::Object(m) => Some(m),
            _ => return Err(format!("{}: the claims must be an object", p.display())),
        },
    };
    let body = PreviewJwtTemplateRequestBody {
        template: a.template,
        claims,
        lifetime: a.lifetime,
        allowed_clock_skew: a.clock_skew,
        signing_algorithm: a.algorithm,
        user_id: a.user,
        session_id: a.session,
        organization_id: a.organization,
        consumer: a.consumer,
    };
    let p = c.tessera().jwt_templates().preview(body).await.map_err(|e| e.to_string())?;
    if as_json {
        json(&p);
    } else {
        show(&p);
    }
    Ok(!p.lints.iter().any(|l| l.severity == "error"))
}

fn show(p: &JwtTemplatePreview) {
    let pretty = |m: &serde_json::Map<String, serde_json::Value>| serde_json::to_string_pretty(m).unwrap_or_default();
    println!("header: {}", pretty(&p.header));
    println!("claims: {}", pretty(&p.claims));
    println!("size: {} bytes signed ({} bytes of template claims)", p.size_bytes, p.custom_claims_bytes);
    if !p.consumers.is_empty() {
        println!("checked for: {}", p.consumers.join(", "));
    }
    if p.lints.is_empty() {
        println!("no findings");
    }
    for l in &p.lints {
        let at = l.claim_path.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default();
        println!("{} {}{at}: {}", l.severity, l.code, l.message);
    }
}
