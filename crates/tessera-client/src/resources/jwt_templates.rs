use tessera_types::{CreateJwtTemplateRequestBody, DeletedObject, JwtTemplate, Paginated};

use crate::client::{Client, Request};
use crate::error::Result;
use crate::models::{ListJwtTemplatesRequest, ToQuery, UpdateJwtTemplateRequestBody, paginated};

/// `/v1/jwt_templates`. Get it from [`Client::jwt_templates`].
#[derive(Debug, Clone, Copy)]
pub struct JwtTemplates<'a> {
    client: &'a Client,
}

impl<'a> JwtTemplates<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        JwtTemplates { client }
    }

    /// `POST /jwt_templates`. Claims may use shortcodes such as `{{user.id}}`.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreateJwtTemplateRequestBody;
    ///
    /// let claims = serde_json::json!({"aud": "authenticated", "email": "{{user.primary_email_address}}"});
    /// let template = client
    ///     .jwt_templates()
    ///     .create(CreateJwtTemplateRequestBody {
    ///         name: "supabase".into(),
    ///         claims: claims.as_object().cloned().unwrap_or_default(),
    ///         lifetime: Some(3600),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # let _ = template;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, body: CreateJwtTemplateRequestBody) -> Result<JwtTemplate> {
        self.client.call(Request::post(&["jwt_templates"]).json(&body)?).await
    }

    /// `GET /jwt_templates?paginated=true`: a page of templates.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let page = client.jwt_templates().list(Default::default()).await?;
    /// for t in page.data {
    ///     println!("{} ({})", t.name, t.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, request: ListJwtTemplatesRequest) -> Result<Paginated<JwtTemplate>> {
        self.client.call(Request::get(&["jwt_templates"]).query(paginated(request.to_query()))).await
    }

    /// `GET /jwt_templates/{template_id}`.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let template = client.jwt_templates().get("jtmp_2x…").await?;
    /// # let _ = template;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, template_id: &str) -> Result<JwtTemplate> {
        self.client.call(Request::get(&["jwt_templates", template_id])).await
    }

    /// `PATCH /jwt_templates/{template_id}`: `name` and `claims` are required, as on create.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::UpdateJwtTemplateRequestBody;
    ///
    /// let template = client
    ///     .jwt_templates()
    ///     .update("jtmp_2x…", UpdateJwtTemplateRequestBody {
    ///         name: "supabase".into(),
    ///         claims: serde_json::json!({"aud": "authenticated"}).as_object().cloned().unwrap_or_default(),
    ///         lifetime: Some(600),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// # let _ = template;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, template_id: &str, body: UpdateJwtTemplateRequestBody) -> Result<JwtTemplate> {
        self.client.call(Request::patch(&["jwt_templates", template_id]).json(&body)?).await
    }

    /// `DELETE /jwt_templates/{template_id}`.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let deleted = client.jwt_templates().delete("jtmp_2x…").await?;
    /// assert!(deleted.deleted);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, template_id: &str) -> Result<DeletedObject> {
        self.client.call(Request::delete(&["jwt_templates", template_id])).await
    }
}
