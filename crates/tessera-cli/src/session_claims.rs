//! `tessera session-claims get | set --claims FILE | clear`: the instance's custom session-token
//! claims (`/v1/tessera/session_claims`), through the SDK's `tessera()` namespace.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::Value;
use tessera_client::Client;
use tessera_client::types::{SessionClaims, UpdateSessionClaimsRequestBody};

use crate::output::{json, read_json_or_yaml, time_ms};

#[derive(Subcommand)]
pub enum SessionClaimsCmd {
    /// Print the claims (`{}` when none are set) as JSON, so they can be edited and set again.
    Get,
    /// Replace the claims with the object in FILE (JSON or YAML, `{{shortcodes}}` allowed).
    Set {
        #[arg(long)]
        claims: PathBuf,
    },
    /// Remove the claims: session tokens carry only the default claims again.
    Clear,
}

/// The claims on stdout; their size, age and any warning on stderr (so stdout can be redirected
/// into a file and set again). With `--json`, the whole object on stdout and warnings on stderr.
fn show(c: &SessionClaims, as_json: bool) {
    if as_json {
        json(c);
    } else {
        json(&c.claims);
        match c.updated_at {
            Some(at) => eprintln!("{} bytes of JSON, updated {}", c.size_bytes, time_ms(at)),
            None => eprintln!("no custom session claims are set"),
        }
    }
    for w in &c.warnings {
        eprintln!("warning: {} ({})", w.message, w.code);
    }
}

pub async fn session_claims(c: &Client, cmd: SessionClaimsCmd, as_json: bool) -> Result<(), String> {
    let api = c.tessera().session_claims();
    match cmd {
        SessionClaimsCmd::Get => show(&api.get().await.map_err(|e| e.to_string())?, as_json),
        SessionClaimsCmd::Set { claims } => {
            let claims = match read_json_or_yaml(&claims)? {
                Value::Object(m) => m,
                _ => return Err(format!("{}: the claims must be an object", claims.display())),
            };
            let stored = api.update(UpdateSessionClaimsRequestBody { claims }).await.map_err(|e| e.to_string())?;
            show(&stored, as_json);
        }
        SessionClaimsCmd::Clear => {
            let d = api.delete().await.map_err(|e| e.to_string())?;
            if as_json { json(&d) } else { eprintln!("cleared: session tokens carry only the default claims") }
        }
    }
    Ok(())
}
