//! `tessera machines …`, `tessera m2m-tokens …` and `tessera api-keys …`: machine authentication over
//! the SDK. Secrets given to a command (a machine's secret key, a token or API key to verify) are read
//! from standard input, never from the command line, where other users of the host could see them.

use clap::Subcommand;
use tessera_client::Client;
use tessera_client::types::{
    ApiKey, ApiKeyListFilter, CreateApiKeyRequestBody, CreateM2MTokenRequestBody, CreateMachineRequestBody, ListPage,
    M2MToken, M2MTokenListFilter, Machine, MachineListFilter, UpdateMachineRequestBody,
};

use crate::output::{cell, json, table, time_ms};
use crate::passwords::read_secret;

#[derive(Subcommand)]
pub enum MachinesCmd {
    /// Create a machine; its secret key is printed once (and by `secret-key`).
    Create {
        name: String,
        /// Seconds its M2M tokens live by default (3600).
        #[arg(long)]
        default_token_ttl: Option<i64>,
        /// A machine it may call (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// List machines, newest first.
    List {
        #[arg(long)]
        query: Option<String>,
        #[arg(long)]
        limit: Option<i64>,
    },
    Get {
        machine_id: String,
    },
    Update {
        machine_id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        default_token_ttl: Option<i64>,
    },
    Delete {
        machine_id: String,
    },
    /// Print the machine's secret key.
    SecretKey {
        machine_id: String,
    },
    /// Make a new secret key; the old one works for `--previous-token-ttl` seconds more (default 0).
    RotateSecretKey {
        machine_id: String,
        #[arg(long, default_value_t = 0)]
        previous_token_ttl: i64,
    },
    /// Let MACHINE call OTHER.
    AddScope {
        machine_id: String,
        other_machine_id: String,
    },
    RemoveScope {
        machine_id: String,
        other_machine_id: String,
    },
}

#[derive(Subcommand)]
pub enum M2MTokensCmd {
    /// Make a token as the machine whose secret key is on standard input.
    Create {
        /// `opaque` (default) or `jwt`.
        #[arg(long)]
        format: Option<String>,
        #[arg(long)]
        expires_in: Option<i64>,
    },
    /// A machine's live tokens (with the instance key).
    List {
        machine_id: String,
        #[arg(long)]
        include_revoked: bool,
        #[arg(long)]
        include_expired: bool,
    },
    Revoke {
        m2m_token_id: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Verify the token on standard input (with the instance key).
    Verify,
}

#[derive(Subcommand)]
pub enum ApiKeysCmd {
    /// Create a key for a user, organization or machine; its secret is printed once (and by `secret`).
    Create {
        subject: String,
        name: String,
        #[arg(long = "scope")]
        scopes: Vec<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        expires_in: Option<i64>,
    },
    List {
        subject: String,
        #[arg(long)]
        include_invalid: bool,
    },
    Get {
        api_key_id: String,
    },
    /// Print the key's secret.
    Secret {
        api_key_id: String,
    },
    Revoke {
        api_key_id: String,
        #[arg(long)]
        reason: Option<String>,
    },
    Delete {
        api_key_id: String,
    },
    /// Verify the secret on standard input.
    Verify,
}

fn err(e: tessera_client::Error) -> String {
    e.to_string()
}

fn show_machines(ms: &[Machine], as_json: bool) {
    if as_json {
        return json(&ms);
    }
    let rows: Vec<Vec<String>> = ms
        .iter()
        .map(|m| {
            let scopes: Vec<&str> = m.scoped_machines.iter().map(|s| s.id.as_str()).collect();
            vec![m.id.clone(), m.name.clone(), m.default_token_ttl.to_string(), scopes.join(","), time_ms(m.created_at)]
        })
        .collect();
    table(&["id", "name", "ttl", "scopes", "created"], &rows);
}

fn show_tokens(ts: &[M2MToken], as_json: bool) {
    if as_json {
        return json(&ts);
    }
    let rows: Vec<Vec<String>> = ts
        .iter()
        .map(|t| {
            let status = if t.revoked {
                "revoked"
            } else if t.expired {
                "expired"
            } else {
                "live"
            };
            vec![
                t.id.clone(),
                t.subject.clone(),
                t.scopes.join(","),
                status.to_owned(),
                cell(t.expiration.map(time_ms).as_deref()),
            ]
        })
        .collect();
    table(&["id", "machine", "scopes", "status", "expires"], &rows);
}

fn show_keys(ks: &[ApiKey], as_json: bool) {
    if as_json {
        return json(&ks);
    }
    let rows: Vec<Vec<String>> = ks
        .iter()
        .map(|k| {
            let status = if k.revoked {
                "revoked"
            } else if k.expired {
                "expired"
            } else {
                "live"
            };
            vec![k.id.clone(), k.subject.clone(), k.name.clone(), k.scopes.join(","), status.to_owned()]
        })
        .collect();
    table(&["id", "subject", "name", "scopes", "status"], &rows);
}

/// Prints a secret answered once, after its object.
fn print_secret(label: &str, secret: Option<&str>, as_json: bool) {
    if !as_json {
        println!("{label}: {}", secret.unwrap_or("-"));
    }
}

pub async fn machines(c: &Client, cmd: MachinesCmd, as_json: bool) -> Result<(), String> {
    let m = c.machines();
    match cmd {
        MachinesCmd::Create { name, default_token_ttl, scopes } => {
            let body = CreateMachineRequestBody {
                name,
                default_token_ttl,
                scoped_machines: (!scopes.is_empty()).then_some(scopes),
            };
            let created = m.create(body).await.map_err(err)?;
            show_machines(std::slice::from_ref(&created), as_json);
            print_secret("secret key", created.secret_key.as_deref(), as_json);
        }
        MachinesCmd::List { query, limit } => {
            let page = ListPage { limit, offset: None };
            show_machines(&m.list(MachineListFilter { query, order_by: None }, page).await.map_err(err)?.data, as_json);
        }
        MachinesCmd::Get { machine_id } => show_machines(&[m.get(&machine_id).await.map_err(err)?], as_json),
        MachinesCmd::Update { machine_id, name, default_token_ttl } => {
            let body = UpdateMachineRequestBody { name, default_token_ttl };
            show_machines(&[m.update(&machine_id, body).await.map_err(err)?], as_json);
        }
        MachinesCmd::Delete { machine_id } => json(&m.delete(&machine_id).await.map_err(err)?),
        MachinesCmd::SecretKey { machine_id } => {
            let k = m.get_secret_key(&machine_id).await.map_err(err)?;
            if as_json { json(&k) } else { println!("{}", k.secret) }
        }
        MachinesCmd::RotateSecretKey { machine_id, previous_token_ttl } => {
            let k = m.rotate_secret_key(&machine_id, previous_token_ttl).await.map_err(err)?;
            if as_json { json(&k) } else { println!("{}", k.secret) }
        }
        MachinesCmd::AddScope { machine_id, other_machine_id } => {
            json(&m.create_scope(&machine_id, &other_machine_id).await.map_err(err)?)
        }
        MachinesCmd::RemoveScope { machine_id, other_machine_id } => {
            json(&m.delete_scope(&machine_id, &other_machine_id).await.map_err(err)?)
        }
    }
    Ok(())
}

pub async fn m2m_tokens(c: &Client, cmd: M2MTokensCmd, as_json: bool) -> Result<(), String> {
    let t = c.m2m_tokens();
    match cmd {
        M2MTokensCmd::Create { format, expires_in } => {
            let key = read_secret("machine secret key")?;
            let body = CreateM2MTokenRequestBody {
                token_format: format,
                seconds_until_expiration: expires_in,
                ..Default::default()
            };
            let made = t.create(&key, body).await.map_err(err)?;
            show_tokens(std::slice::from_ref(&made), as_json);
            print_secret("token", made.token.as_deref(), as_json);
        }
        M2MTokensCmd::List { machine_id, include_revoked, include_expired } => {
            let filter = M2MTokenListFilter {
                subject: machine_id,
                revoked: include_revoked.then_some(true),
                expired: include_expired.then_some(true),
            };
            show_tokens(&t.list(None, filter, ListPage::default()).await.map_err(err)?.m2m_tokens, as_json);
        }
        M2MTokensCmd::Revoke { m2m_token_id, reason } => {
            show_tokens(&[t.revoke(None, &m2m_token_id, reason).await.map_err(err)?], as_json);
        }
        M2MTokensCmd::Verify => {
            let token = read_secret("M2M token")?;
            show_tokens(&[t.verify(None, &token).await.map_err(err)?], as_json);
        }
    }
    Ok(())
}

pub async fn api_keys(c: &Client, cmd: ApiKeysCmd, as_json: bool) -> Result<(), String> {
    let k = c.api_keys();
    match cmd {
        ApiKeysCmd::Create { subject, name, scopes, description, expires_in } => {
            let body = CreateApiKeyRequestBody {
                name,
                subject,
                description,
                scopes: (!scopes.is_empty()).then_some(scopes),
                seconds_until_expiration: expires_in,
                ..Default::default()
            };
            let made = k.create(body).await.map_err(err)?;
            show_keys(std::slice::from_ref(&made), as_json);
            print_secret("secret", made.secret.as_deref(), as_json);
        }
        ApiKeysCmd::List { subject, include_invalid } => {
            let filter =
                ApiKeyListFilter { subject, include_invalid: include_invalid.then_some(true), ..Default::default() };
            show_keys(&k.list(filter, ListPage::default()).await.map_err(err)?.data, as_json);
        }
        ApiKeysCmd::Get { api_key_id } => show_keys(&[k.get(&api_key_id).await.map_err(err)?], as_json),
        ApiKeysCmd::Secret { api_key_id } => {
            let s = k.get_secret(&api_key_id).await.map_err(err)?;
            if as_json { json(&s) } else { println!("{}", s.secret) }
        }
        ApiKeysCmd::Revoke { api_key_id, reason } => {
            show_keys(&[k.revoke(&api_key_id, reason).await.map_err(err)?], as_json)
        }
        ApiKeysCmd::Delete { api_key_id } => json(&k.delete(&api_key_id).await.map_err(err)?),
        ApiKeysCmd::Verify => {
            let secret = read_secret("API key")?;
            show_keys(&[k.verify(&secret).await.map_err(err)?], as_json);
        }
    }
    Ok(())
}
