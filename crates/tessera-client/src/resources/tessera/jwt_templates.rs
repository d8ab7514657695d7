use tessera_types::{
    JwtTemplateKey, JwtTemplatePreview, PreviewJwtTemplateRequestBody, RotateJwtTemplateKeyRequestBody,
};

use crate::client::{Client, Request};
use crate::error::Result;

/// `/v1/tessera/jwt_templates/…`: the template playground and custom key rotation. Get it from
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

    /// `POST /tessera/jwt_templates/{template_id}/rotate_key`: a new custom key for the template,
    /// signing its next token, while the replaced asymmetric key stays in the JWKS until the tokens it
    /// signed have expired. `key` is a PEM private key (or the HMAC secret); `None` lets the server
    /// generate one for the template's algorithm (a generated HMAC secret is in
    /// [`JwtTemplateKey::signing_key`], this once). [`rotate_key_with`](Self::rotate_key_with) also
    /// changes the algorithm.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let key = client.tessera().jwt_templates().rotate_key("jtmp_123", None).await?;
    /// println!("{:?} signs; {:?} leaves the JWKS at {:?}", key.kid, key.previous_kid, key.previous_unpublish_at);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn rotate_key(&self, template_id: &str, key: Option<String>) -> Result<JwtTemplateKey> {
        self.rotate_key_with(template_id, RotateJwtTemplateKeyRequestBody { signing_key: key, signing_algorithm: None })
            .await
    }

    /// [`rotate_key`](Self::rotate_key) with the whole body (`signing_algorithm` too).
    pub async fn rotate_key_with(
        &self,
        template_id: &str,
        body: RotateJwtTemplateKeyRequestBody,
    ) -> Result<JwtTemplateKey> {
        self.client.call(Request::post(&["tessera", "jwt_templates", template_id, "rotate_key"]).json(&body)?).await
    }
}
