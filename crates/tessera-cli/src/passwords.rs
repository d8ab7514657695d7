//! `tessera users set-password | verify-password | remove-password`. A password (or a digest) is
//! read from standard input, never from the command line, where `ps` and shell history would show
//! it; it is sent to the server and nowhere else.

use std::io::{IsTerminal, Read};

use clap::Subcommand;
use tessera_client::Client;
use tessera_types::{RemoveUserPasswordRequestBody, UpdateUserRequestBody, VerifyPasswordRequestBody};

use crate::output::json;

#[derive(Subcommand)]
pub enum PasswordCmd {
    /// Set a user's password, read from standard input (without its final line ending). With
    /// --hasher, the input is a digest made by another system instead.
    #[command(name = "set-password")]
    Set {
        user_id: String,
        /// The input is a password digest of this hasher (bcrypt, argon2id, pbkdf2_sha256, phpass, …).
        #[arg(long)]
        hasher: Option<String>,
        /// Accept a password shorter than 8 characters.
        #[arg(long)]
        skip_password_checks: bool,
        /// Revoke every live session of the user too.
        #[arg(long)]
        sign_out: bool,
    },
    /// Check a password, read from standard input, against the user's: exit status 0 when it is
    /// theirs, 1 (with the reason) when not.
    #[command(name = "verify-password")]
    Verify { user_id: String },
    /// Remove the user's password.
    #[command(name = "remove-password")]
    Remove {
        user_id: String,
        /// Revoke every live session of the user too.
        #[arg(long)]
        sign_out: bool,
    },
}

/// Standard input without its final line ending; one line when it is a terminal (typed input is
/// echoed there: pipe the secret in to keep it off the screen).
pub(crate) fn read_secret(what: &str) -> Result<String, String> {
    let stdin = std::io::stdin();
    let mut text = String::new();
    if stdin.is_terminal() {
        eprint!("{what}: ");
        stdin.read_line(&mut text).map_err(|e| format!("reading the {what}: {e}"))?;
    } else {
        stdin.lock().read_to_string(&mut text).map_err(|e| format!("reading the {what} from standard input: {e}"))?;
    }
    let secret = text.strip_suffix('\n').map(|s| s.strip_suffix('\r').unwrap_or(s)).unwrap_or(&text);
    if secret.is_empty() {
        return Err(format!("no {what} on standard input"));
    }
    Ok(secret.to_owned())
}

pub async fn run(c: &Client, cmd: PasswordCmd, as_json: bool) -> Result<(), String> {
    match cmd {
        PasswordCmd::Set { user_id, hasher, skip_password_checks, sign_out } => {
            let mut body = UpdateUserRequestBody {
                skip_password_checks: skip_password_checks.then_some(true),
                sign_out_of_other_sessions: sign_out.then_some(true),
                ..Default::default()
            };
            match hasher {
                Some(h) => {
                    body.password_digest = Some(read_secret("password digest")?.into());
                    body.password_hasher = Some(h);
                }
                None => body.password = Some(read_secret("password")?.into()),
            }
            let u = c.users().update(&user_id, body).await.map_err(|e| e.to_string())?;
            if as_json { json(&u) } else { eprintln!("password set for {}", u.id) }
        }
        PasswordCmd::Verify { user_id } => {
            let body = VerifyPasswordRequestBody { password: read_secret("password")?.into() };
            let r = c.users().verify_password(&user_id, body).await.map_err(|e| e.to_string())?;
            if as_json { json(&r) } else { println!("verified") }
        }
        PasswordCmd::Remove { user_id, sign_out } => {
            let body = RemoveUserPasswordRequestBody { sign_out_of_other_sessions: sign_out.then_some(true) };
            let u = c.users().remove_password(&user_id, body).await.map_err(|e| e.to_string())?;
            if as_json { json(&u) } else { eprintln!("{} has no password", u.id) }
        }
    }
    Ok(())
}
