//! `tessera actor-tokens create USER --actor USER | revoke ID | redeem ID TOKEN`: impersonation over
//! the SDK (Clerk's `/actor_tokens`, and Tessera's redeem route through `tessera()`).

use clap::Subcommand;
use serde_json::{Map, Value};
use tessera_client::Client;
use tessera_client::types::{ActorToken, CreateActorTokenRequestBody};

use crate::admin::show_sessions;
use crate::output::{json, table, time_ms};

#[derive(Subcommand)]
pub enum ActorTokensCmd {
    /// Create a token that lets its holder start a session as USER on behalf of the actor. The token
    /// is printed once; the server keeps only its hash.
    Create {
        /// The user to impersonate.
        user_id: String,
        /// The impersonating user's id (the actor's `sub`, and the `act.sub` of session tokens).
        #[arg(long)]
        actor: String,
        /// How long the token can be redeemed, in seconds (default 3600).
        #[arg(long)]
        expires_in: Option<i64>,
        /// The longest the session made from it lasts, in seconds (default 1800).
        #[arg(long)]
        session_max_duration: Option<i64>,
    },
    /// Revoke a token; an accepted token's session is revoked with it (the impersonation ends).
    Revoke { actor_token_id: String },
    /// Redeem a token: starts the impersonation session and prints it.
    Redeem { actor_token_id: String, token: String },
}

fn show(t: &ActorToken, as_json: bool) {
    if as_json {
        return json(t);
    }
    let actor = t.actor.get("sub").and_then(Value::as_str).unwrap_or("-").to_owned();
    let row = vec![t.id.clone(), t.user_id.clone(), actor, t.status.as_str().to_owned(), time_ms(t.updated_at)];
    table(&["id", "user", "actor", "status", "updated"], &[row]);
}

pub async fn actor_tokens(c: &Client, cmd: ActorTokensCmd, as_json: bool) -> Result<(), String> {
    match cmd {
        ActorTokensCmd::Create { user_id, actor, expires_in, session_max_duration } => {
            let mut a = Map::new();
            a.insert("sub".into(), Value::String(actor));
            let body = CreateActorTokenRequestBody {
                user_id,
                actor: a,
                expires_in_seconds: expires_in,
                session_max_duration_in_seconds: session_max_duration,
            };
            let t = c.actor_tokens().create(body).await.map_err(|e| e.to_string())?;
            show(&t, as_json);
            if !as_json {
                println!("token: {}", t.token.as_deref().unwrap_or("-"));
                eprintln!("the token is shown only now; redeem it with: tessera actor-tokens redeem {} TOKEN", t.id);
            }
        }
        ActorTokensCmd::Revoke { actor_token_id } => {
            show(&c.actor_tokens().revoke(&actor_token_id).await.map_err(|e| e.to_string())?, as_json);
        }
        ActorTokensCmd::Redeem { actor_token_id, token } => {
            let s = c.tessera().actor_tokens().redeem(&actor_token_id, &token).await.map_err(|e| e.to_string())?;
            if as_json {
                json(&s);
            } else {
                let actor =
                    s.actor.as_ref().and_then(|a| a.get("sub")).and_then(Value::as_str).unwrap_or("-").to_owned();
                show_sessions(&[s], false);
                eprintln!("impersonation session: actor {actor}");
            }
        }
    }
    Ok(())
}
