//! `tessera webhooks …`: webhook endpoints, their messages and the delivery log, over the SDK
//! (Tessera's `/v1/tessera/webhooks/…` routes through `tessera()`).

use clap::Subcommand;
use tessera_client::Client;
use tessera_client::types::{
    CreateWebhookEndpointRequestBody, RotateWebhookSecretRequestBody, UpdateWebhookEndpointRequestBody,
    WebhookEndpoint, WebhookMessage, WebhookMessageListQuery,
};

use crate::output::{cell, json, table, time_ms};

#[derive(Subcommand)]
pub enum WebhooksCmd {
    /// List the endpoints (never their secrets).
    List {
        #[arg(long)]
        limit: Option<i64>,
        #[arg(long)]
        offset: Option<i64>,
    },
    /// Create an endpoint; its signing secret (whsec_…) is printed once.
    Create {
        /// Where events are POSTed (http or https).
        #[arg(value_name = "ENDPOINT_URL")]
        endpoint_url: String,
        #[arg(long)]
        description: Option<String>,
        /// Only these event types (repeatable, e.g. --event user.created); default: every type.
        #[arg(long = "event")]
        events: Vec<String>,
        /// Create it disabled.
        #[arg(long)]
        disabled: bool,
    },
    /// Show one endpoint.
    Get { endpoint_id: String },
    /// Change an endpoint: URL, description, event types, enabled or disabled.
    Update {
        endpoint_id: String,
        /// The new URL.
        #[arg(long = "new-url", value_name = "ENDPOINT_URL")]
        new_url: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Replace the event types (repeatable).
        #[arg(long = "event")]
        events: Vec<String>,
        /// Receive every event type again.
        #[arg(long, conflicts_with = "events")]
        all_events: bool,
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        #[arg(long)]
        enable: bool,
    },
    /// Delete an endpoint with its messages.
    Delete { endpoint_id: String },
    /// Make a new signing secret (printed once); the old one keeps signing for the overlap.
    RotateSecret {
        endpoint_id: String,
        /// Seconds the old secret keeps signing (default 86400; 0 stops it now).
        #[arg(long)]
        overlap: Option<i64>,
    },
    /// List messages, newest event first.
    Messages {
        #[arg(long)]
        endpoint: Option<String>,
        /// pending, delivered or failed.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        limit: Option<i64>,
        #[arg(long)]
        offset: Option<i64>,
    },
    /// The delivery log of one message: every attempt with its status, response code, latency and error.
    Attempts { message_id: String },
    /// Send again: one message (`--message`), or every failed message of an endpoint.
    Replay {
        /// The endpoint whose failed messages are sent again.
        #[arg(required_unless_present = "message")]
        endpoint_id: Option<String>,
        #[arg(long, conflicts_with = "endpoint_id")]
        message: Option<String>,
    },
}

fn show_endpoints(list: &[WebhookEndpoint], as_json: bool) {
    if as_json {
        return json(&list);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|e| {
            vec![
                e.id.clone(),
                e.url.clone(),
                e.filter_types.as_ref().map(|t| t.join(",")).unwrap_or_else(|| "*".into()),
                if e.disabled { "disabled".into() } else { "enabled".into() },
                time_ms(e.created_at),
            ]
        })
        .collect();
    table(&["id", "url", "events", "state", "created"], &rows);
}

fn show_with_secret(e: &WebhookEndpoint, as_json: bool) {
    show_endpoints(std::slice::from_ref(e), as_json);
    if !as_json {
        println!("secret: {}", e.secret.as_deref().unwrap_or("-"));
        eprintln!("the secret is shown only now: give it to the receiver (CLERK_WEBHOOK_SIGNING_SECRET)");
    }
}

fn show_messages(list: &[WebhookMessage], as_json: bool) {
    if as_json {
        return json(&list);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|m| {
            vec![
                m.id.clone(),
                m.event_type.clone(),
                m.endpoint_id.clone(),
                m.status.clone(),
                m.attempts.to_string(),
                cell(m.last_status_code.map(|c| c.to_string()).as_deref()),
                m.next_attempt_at.map(time_ms).unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    table(&["id", "event", "endpoint", "status", "attempts", "last code", "next attempt"], &rows);
}

pub async fn webhooks(c: &Client, cmd: WebhooksCmd, as_json: bool) -> Result<(), String> {
    let w = c.tessera().webhooks();
    let err = |e: tessera_client::Error| e.to_string();
    match cmd {
        WebhooksCmd::List { limit, offset } => {
            show_endpoints(&w.list_endpoints(limit, offset).await.map_err(err)?.data, as_json)
        }
        WebhooksCmd::Create { endpoint_url, description, events, disabled } => {
            let body = CreateWebhookEndpointRequestBody {
                url: endpoint_url,
                description,
                filter_types: (!events.is_empty()).then_some(events),
                disabled: disabled.then_some(true),
            };
            show_with_secret(&w.create_endpoint(body).await.map_err(err)?, as_json);
        }
        WebhooksCmd::Get { endpoint_id } => {
            show_endpoints(&[w.get_endpoint(&endpoint_id).await.map_err(err)?], as_json)
        }
        WebhooksCmd::Update { endpoint_id, new_url, description, events, all_events, disable, enable } => {
            let mut body = UpdateWebhookEndpointRequestBody {
                url: new_url,
                description,
                filter_types: (!events.is_empty()).then_some(events),
                disabled: if disable {
                    Some(true)
                } else if enable {
                    Some(false)
                } else {
                    None
                },
            };
            if all_events {
                body.filter_types = Some(Vec::new());
            }
            show_endpoints(&[w.update_endpoint(&endpoint_id, body).await.map_err(err)?], as_json);
        }
        WebhooksCmd::Delete { endpoint_id } => {
            let d = w.delete_endpoint(&endpoint_id).await.map_err(err)?;
            if as_json {
                json(&d);
            } else {
                eprintln!("deleted {endpoint_id}");
            }
        }
        WebhooksCmd::RotateSecret { endpoint_id, overlap } => {
            let body = RotateWebhookSecretRequestBody { old_secret_overlap_seconds: overlap };
            let e = w.rotate_secret(&endpoint_id, body).await.map_err(err)?;
            show_with_secret(&e, as_json);
            if let (Some(until), false) = (e.old_secret_expires_at, as_json) {
                eprintln!("the previous secret also signs until {}", time_ms(until));
            }
        }
        WebhooksCmd::Messages { endpoint, status, limit, offset } => {
            let q = WebhookMessageListQuery { endpoint_id: endpoint, status, limit, offset };
            show_messages(&w.list_messages(&q).await.map_err(err)?.data, as_json);
        }
        WebhooksCmd::Attempts { message_id } => {
            let list = w.list_attempts(&message_id).await.map_err(err)?.data;
            if as_json {
                json(&list);
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|a| {
                        vec![
                            a.attempt.to_string(),
                            a.status.clone(),
                            cell(a.response_status_code.map(|c| c.to_string()).as_deref()),
                            format!("{} ms", a.latency_ms),
                            cell(a.error.as_deref()),
                            a.next_attempt_at.map(time_ms).unwrap_or_else(|| "-".into()),
                            time_ms(a.created_at),
                        ]
                    })
                    .collect();
                table(&["#", "status", "code", "latency", "error", "next attempt", "at"], &rows);
            }
        }
        WebhooksCmd::Replay { endpoint_id, message } => {
            let r = match (message, endpoint_id) {
                (Some(m), _) => w.replay_message(&m).await.map_err(err)?,
                (None, Some(e)) => w.replay_failed(&e).await.map_err(err)?,
                (None, None) => return Err("give an endpoint id or --message".into()),
            };
            if as_json {
                json(&r);
            } else {
                eprintln!("{} message(s) will be sent again", r.replayed);
            }
        }
    }
    Ok(())
}
