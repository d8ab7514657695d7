use tessera_types::{JwtTemplatePreview, PreviewJwtTemplateRequestBody};

use crate::client::{Client, Request};
use crate::error::Result;

/// `/v1/tessera/jwt_templates/…`: the template playground. Get it from
/// [`Tessera::jwt_templates`](super::Tessera::jwt_templates).
#[derive(Debug, Clone, Copy)]
pub struct TesseraJwtTemplates<'a> {
    client: &'a Client,
}

impl<'a> TesseraJwtTemplates<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        TesseraJwtTemplates { client }
    }

    /// `POST /tessera/jwt_templates/preview`: the header and claims a stored template (or unsaved
    /// claims) would give a user or a session, the size of the signed token and lint findings
    /// (size, claims rendering to `null`, Hasura, Supabase and Convex requirements). Nothing is
    /// signed.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::PreviewJwtTemplateRequestBody;
    ///
    /// let preview = client
    ///     .tessera()
    ///     .jwt_templates()
    ///     .preview(PreviewJwtTemplateRequestBody {
    ///         template: Some("hasura".into()),
    ///         user_id: Some("user_123".into()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// println!("{} bytes", preview.size_bytes);
    /// for l in &preview.lints {
    ///     eprintln!("{} {}: {}", l.severity, l.code, l.message);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn preview(&self, body: PreviewJwtTemplateRequestBody) -> Result<JwtTemplatePreview> {
        self.client.call(Request::post(&["tessera", "jwt_templates", "preview"]).json(&body)?).await
    }
}
