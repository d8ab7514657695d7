//! [`Error`]: everything a call through the [`Client`](crate::Client) can fail with.

use std::fmt;

use tessera_types::ClerkError;

use crate::verify::VerifyError;

/// The result of every [`Client`](crate::Client) call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a call failed.
///
/// The server's own answer is [`Error::Api`], which carries Clerk's error envelope and the HTTP
/// status; the helpers [`Error::code`], [`Error::status`] and [`Error::param_name`] read it without
/// a `match`.
///
/// ```
/// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
/// match client.users().get("user_missing").await {
///     Ok(user) => println!("found {}", user.id),
///     Err(e) if e.code() == Some("resource_not_found") => println!("no such user"),
///     Err(e) => return Err(e),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status and Clerk's error envelope
    /// (`{"errors":[{"message","long_message","code","meta"}],"clerk_trace_id"}`).
    #[error("{}", api_message(*status, errors, clerk_trace_id.as_deref()))]
    Api {
        /// The HTTP status (4xx or 5xx).
        status: u16,
        /// The errors of the envelope, most relevant first.
        errors: Vec<ClerkError>,
        /// The trace id from the body or the `Clerk-Trace-Id` header, to quote in bug reports.
        clerk_trace_id: Option<String>,
    },
    /// The server answered with an error status but not with Clerk's envelope (a proxy's HTML
    /// page, for example). `body` is the start of what it sent.
    #[error("HTTP {status}: the response is not a Clerk error envelope: {body}")]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// Up to 1 KiB of the body, lossily decoded as UTF-8.
        body: String,
    },
    /// The request did not complete: DNS, connection, TLS, timeout, or a broken response stream.
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// A successful response whose body is not the JSON this call expects.
    #[error("could not decode the HTTP {status} response: {source}")]
    Decode {
        /// The HTTP status of the response.
        status: u16,
        /// What serde did not like.
        #[source]
        source: serde_json::Error,
    },
    /// A token did not verify (from [`Client::verify_token`](crate::Client::verify_token), or any
    /// [`VerifyError`] converted with `?`).
    #[error("token verification failed: {0}")]
    Verify(#[from] VerifyError),
    /// The client was configured with something unusable (a base URL that is not a URL, a secret
    /// key that cannot be an HTTP header, ...).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

fn api_message(status: u16, errors: &[ClerkError], trace: Option<&str>) -> String {
    let mut s = format!("HTTP {status}");
    match errors.first() {
        Some(e) => {
            s.push_str(&format!(" {}: {}", e.code, e.long_message));
            if errors.len() > 1 {
                s.push_str(&format!(" (and {} more)", errors.len() - 1));
            }
        }
        None => s.push_str(": no error details"),
    }
    if let Some(t) = trace {
        s.push_str(&format!(" [trace {t}]"));
    }
    s
}

impl Error {
    /// The first error of the envelope, if this is an [`Error::Api`].
    pub fn first(&self) -> Option<&ClerkError> {
        match self {
            Error::Api { errors, .. } => errors.first(),
            _ => None,
        }
    }

    /// All errors of the envelope (empty unless this is an [`Error::Api`]).
    pub fn errors(&self) -> &[ClerkError] {
        match self {
            Error::Api { errors, .. } => errors,
            _ => &[],
        }
    }

    /// The `code` of the first error, e.g. `"resource_not_found"` or `"form_identifier_exists"`.
    ///
    /// ```
    /// # fn f(e: tessera_client::Error) {
    /// if e.code() == Some("form_identifier_exists") { /* ... */ }
    /// # }
    /// ```
    pub fn code(&self) -> Option<&str> {
        self.first().map(|e| e.code.as_str())
    }

    /// The HTTP status, for [`Error::Api`] and [`Error::UnexpectedResponse`] (and a decode failure
    /// of a successful response).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::UnexpectedResponse { status, .. } | Error::Decode { status, .. } => {
                Some(*status)
            }
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            _ => None,
        }
    }

    /// `meta.param_name` of the first error: the request parameter the server complains about.
    pub fn param_name(&self) -> Option<&str> {
        self.first().and_then(|e| e.meta.get("param_name")).and_then(serde_json::Value::as_str)
    }

    /// The short `message` of the first error.
    pub fn message(&self) -> Option<&str> {
        self.first().map(|e| e.message.as_str())
    }

    /// The `long_message` of the first error: a sentence fit to show a person.
    pub fn long_message(&self) -> Option<&str> {
        self.first().map(|e| e.long_message.as_str())
    }

    /// The `clerk_trace_id` of an [`Error::Api`].
    pub fn clerk_trace_id(&self) -> Option<&str> {
        match self {
            Error::Api { clerk_trace_id, .. } => clerk_trace_id.as_deref(),
            _ => None,
        }
    }

    /// True for a 404 answer (`resource_not_found`).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

/// A short, printable excerpt of an unexpected body.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    const MAX: usize = 1024;
    let cut = &bytes[..bytes.len().min(MAX)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if bytes.len() > MAX {
        s.push('…');
    }
    s
}

/// Redacts a secret for `Debug`: keeps a recognisable prefix (`sk_test_`), hides the rest.
pub(crate) struct Redacted<'a>(pub &'a str);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = ["sk_test_", "sk_live_"].into_iter().find(|p| self.0.starts_with(p)).unwrap_or("");
        write!(f, "\"{prefix}<redacted>\"")
    }
}
