//! `tessera emails …` and `tessera phones …`: a user's email addresses and phone numbers over the
//! SDK (`/v1/email_addresses`, `/v1/phone_numbers`).

use clap::{ArgGroup, Subcommand};
use tessera_client::Client;
use tessera_types::{
    CreateEmailAddressRequestBody, CreatePhoneNumberRequestBody, EmailAddress, PhoneNumber,
    UpdateEmailAddressRequestBody, UpdatePhoneNumberRequestBody, User, Verification,
};

use crate::output::{json, table, time_ms};

#[derive(Subcommand)]
pub enum EmailsCmd {
    /// Add an email address to a user (unverified unless --verified; the first one is primary).
    Add {
        user_id: String,
        address: String,
        /// Make it the user's primary address (it must be verified, unless the user has none).
        #[arg(long)]
        primary: bool,
        /// Mark it verified.
        #[arg(long)]
        verified: bool,
    },
    /// List a user's email addresses (the primary one marked).
    List { user_id: String },
    /// Show one email address.
    Get { email_address_id: String },
    /// Mark an email address verified or not, or make it primary.
    #[command(group(ArgGroup::new("verification").args(["verified", "unverified"])))]
    Update {
        email_address_id: String,
        #[arg(long)]
        primary: bool,
        #[arg(long)]
        verified: bool,
        #[arg(long)]
        unverified: bool,
    },
    /// Delete an email address (another one becomes primary; the last identification stays).
    Delete { email_address_id: String },
}

#[derive(Subcommand)]
pub enum PhonesCmd {
    /// Add a phone number (E.164) to a user (unverified unless --verified; the first one is primary).
    Add {
        user_id: String,
        number: String,
        /// Make it the user's primary number (it must be verified, unless the user has none).
        #[arg(long)]
        primary: bool,
        /// Mark it verified.
        #[arg(long)]
        verified: bool,
        /// Reserve it for multi-factor authentication (needs --verified).
        #[arg(long)]
        second_factor: bool,
    },
    /// List a user's phone numbers (the primary one marked).
    List { user_id: String },
    /// Show one phone number.
    Get { phone_number_id: String },
    /// Mark a phone number verified or not, make it primary, reserve or release it as a second factor.
    #[command(group(ArgGroup::new("verification").args(["verified", "unverified"])))]
    #[command(group(ArgGroup::new("mfa").args(["second_factor", "no_second_factor"])))]
    Update {
        phone_number_id: String,
        #[arg(long)]
        primary: bool,
        #[arg(long)]
        verified: bool,
        #[arg(long)]
        unverified: bool,
        #[arg(long)]
        second_factor: bool,
        #[arg(long)]
        no_second_factor: bool,
    },
    /// Delete a phone number (another one becomes primary; the last identification stays).
    Delete { phone_number_id: String },
}

/// `Some(true)` / `Some(false)` for a pair of opposite flags, `None` when neither is given.
fn either(yes: bool, no: bool) -> Option<bool> {
    if yes {
        Some(true)
    } else if no {
        Some(false)
    } else {
        None
    }
}

fn status(v: &Option<Verification>, reserved: bool) -> String {
    match v {
        Some(v) => v.status.clone(),
        None if reserved => "reserved".into(),
        None => "unverified".into(),
    }
}

fn mark(primary: &Option<String>, id: &str) -> String {
    if primary.as_deref() == Some(id) { "primary".into() } else { "-".into() }
}

fn show_emails(emails: &[EmailAddress], primary: Option<&Option<String>>, as_json: bool) {
    if as_json {
        return json(&emails);
    }
    let rows: Vec<Vec<String>> = emails
        .iter()
        .map(|e| {
            let mut row = vec![e.id.clone(), e.email_address.clone(), status(&e.verification, e.reserved)];
            if let Some(p) = primary {
                row.push(mark(p, &e.id));
            }
            row.push(time_ms(e.created_at));
            row
        })
        .collect();
    if primary.is_some() {
        table(&["id", "email", "status", "primary", "created"], &rows);
    } else {
        table(&["id", "email", "status", "created"], &rows);
    }
}

fn show_phones(phones: &[PhoneNumber], primary: Option<&Option<String>>, as_json: bool) {
    if as_json {
        return json(&phones);
    }
    let rows: Vec<Vec<String>> = phones
        .iter()
        .map(|p| {
            let mfa = match (p.reserved_for_second_factor, p.default_second_factor) {
                (true, true) => "default",
                (true, false) => "yes",
                _ => "-",
            };
            let mut row =
                vec![p.id.clone(), p.phone_number.clone(), status(&p.verification, p.reserved), mfa.to_owned()];
            if let Some(primary) = primary {
                row.push(mark(primary, &p.id));
            }
            row.push(time_ms(p.created_at));
            row
        })
        .collect();
    if primary.is_some() {
        table(&["id", "phone", "status", "2fa", "primary", "created"], &rows);
    } else {
        table(&["id", "phone", "status", "2fa", "created"], &rows);
    }
}

async fn user(c: &Client, id: &str) -> Result<User, String> {
    c.users().get(id).await.map_err(|e| e.to_string())
}

pub async fn emails(c: &Client, cmd: EmailsCmd, as_json: bool) -> Result<(), String> {
    let api = c.email_addresses();
    let one = match cmd {
        EmailsCmd::Add { user_id, address, primary, verified } => {
            let body = CreateEmailAddressRequestBody {
                user_id,
                email_address: address,
                verified: Some(verified),
                primary: primary.then_some(true),
                ..Default::default()
            };
            api.create(body).await
        }
        EmailsCmd::List { user_id } => {
            let u = user(c, &user_id).await?;
            show_emails(&u.email_addresses, Some(&u.primary_email_address_id), as_json);
            return Ok(());
        }
        EmailsCmd::Get { email_address_id } => api.get(&email_address_id).await,
        EmailsCmd::Update { email_address_id, primary, verified, unverified } => {
            let body = UpdateEmailAddressRequestBody {
                verified: either(verified, unverified),
                primary: primary.then_some(true),
                ..Default::default()
            };
            api.update(&email_address_id, body).await
        }
        EmailsCmd::Delete { email_address_id } => {
            let d = api.delete(&email_address_id).await.map_err(|e| e.to_string())?;
            if as_json {
                json(&d)
            } else {
                println!("deleted {email_address_id}")
            }
            return Ok(());
        }
    };
    let one = one.map_err(|e| e.to_string())?;
    if as_json {
        json(&one)
    } else {
        show_emails(&[one], None, false)
    }
    Ok(())
}

pub async fn phones(c: &Client, cmd: PhonesCmd, as_json: bool) -> Result<(), String> {
    let api = c.phone_numbers();
    let one = match cmd {
        PhonesCmd::Add { user_id, number, primary, verified, second_factor } => {
            let body = CreatePhoneNumberRequestBody {
                user_id,
                phone_number: number,
                verified: Some(verified),
                primary: primary.then_some(true),
                reserved_for_second_factor: second_factor.then_some(true),
            };
            api.create(body).await
        }
        PhonesCmd::List { user_id } => {
            let u = user(c, &user_id).await?;
            show_phones(&u.phone_numbers, Some(&u.primary_phone_number_id), as_json);
            return Ok(());
        }
        PhonesCmd::Get { phone_number_id } => api.get(&phone_number_id).await,
        PhonesCmd::Update { phone_number_id, primary, verified, unverified, second_factor, no_second_factor } => {
            let body = UpdatePhoneNumberRequestBody {
                verified: either(verified, unverified),
                primary: primary.then_some(true),
                reserved_for_second_factor: either(second_factor, no_second_factor),
            };
            api.update(&phone_number_id, body).await
        }
        PhonesCmd::Delete { phone_number_id } => {
            let d = api.delete(&phone_number_id).await.map_err(|e| e.to_string())?;
            if as_json {
                json(&d)
            } else {
                println!("deleted {phone_number_id}")
            }
            return Ok(());
        }
    };
    let one = one.map_err(|e| e.to_string())?;
    if as_json {
        json(&one)
    } else {
        show_phones(&[one], None, false)
    }
    Ok(())
}
