use tessera_types::{CreateSessionRequestBody, Paginated, Session, Token};

use crate::client::{Client, Request};
use crate::error::Result;
use crate::models::{
    CreateSessionTokenFromTemplateRequest, CreateSessionTokenRequest, GetSessionListRequest, ToQuery, paginated,
};

/// `/v1/sessions`, including token minting. Get it from [`Client::sessions`].
#[derive(Debug, Clone, Copy)]
pub struct Sessions<'a> {
    client: &'a Client,
}

impl<'a> Sessions<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Sessions { client }
    }

    /// `POST /sessions`: an active session for a user, in a new client, optionally with an active
    /// organization the user is a member of.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreateSessionRequestBody;
    ///
    /// let session = client
    ///     .sessions()
    ///     .create(CreateSessionRequestBody {
    ///         user_id: "user_2x…".into(),
    ///         active_organization_id: None,
    ///     })
    ///     .await?;
    /// # let _ = session;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, body: CreateSessionRequestBody) -> Result<Session> {
        self.client.call(Request::post(&["sessions"]).json(&body)?).await
    }

    /// `GET /sessions?paginated=true`: a page of sessions of a user or a client, newest first.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::GetSessionListRequest;
    ///
    /// let page = client
    ///     .sessions()
    ///     .list(GetSessionListRequest {
    ///         user_id: Some("user_2x…".into()),
    ///         ..Default::default()
    ///     })
    ///     .await?;
    /// println!("{} of {}", page.data.len(), page.total_count);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list(&self, request: GetSessionListRequest) -> Result<Paginated<Session>> {
        self.client.call(Request::get(&["sessions"]).query(paginated(request.to_query()))).await
    }

    /// `GET /sessions/{session_id}`.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let session = client.sessions().get("sess_2x…").await?;
    /// # let _ = session;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, session_id: &str) -> Result<Session> {
        self.client.call(Request::get(&["sessions", session_id])).await
    }

    /// `POST /sessions/{session_id}/revoke`: no more tokens can be minted for it.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// let session = client.sessions().revoke("sess_2x…").await?;
    /// assert_eq!(session.status, tessera_client::SessionStatus::Revoked);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn revoke(&self, session_id: &str) -> Result<Session> {
        self.client.call(Request::post(&["sessions", session_id, "revoke"])).await
    }

    /// `POST /sessions/{session_id}/tokens`: the default session token (`sid`, `sub`, `v`, `o`, ...).
    /// `body: None` sends no body.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::CreateSessionTokenRequest;
    /// use tessera_client::types::CreateSessionTokenRequestBody;
    ///
    /// let token = client
    ///     .sessions()
    ///     .create_session_token(CreateSessionTokenRequest {
    ///         session_id: "sess_2x…".into(),
    ///         body: Some(CreateSessionTokenRequestBody { expires_in_seconds: Some(3600) }),
    ///     })
    ///     .await?;
    /// println!("{}", token.jwt);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_session_token(&self, request: CreateSessionTokenRequest) -> Result<Token> {
        self.client
            .call(Request::post(&["sessions", &request.session_id, "tokens"]).json_opt(request.body.as_ref())?)
            .await
    }

    /// `POST /sessions/{session_id}/tokens/{template_name}`: a token rendered from a JWT template.
    /// `body: None` sends no body.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::{
    ///     CreateSessionTokenFromTemplateRequest, CreateSessionTokenFromTemplateRequestBody,
    /// };
    ///
    /// let token = client
    ///     .sessions()
    ///     .create_token_from_template(CreateSessionTokenFromTemplateRequest {
    ///         session_id: "sess_2x…".into(),
    ///         template_name: "supabase".into(),
    ///         body: Some(CreateSessionTokenFromTemplateRequestBody {
    ///             expires_in_seconds: Some(300),
    ///         }),
    ///     })
    ///     .await?;
    /// assert_eq!(token.object, "token");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create_token_from_template(&self, request: CreateSessionTokenFromTemplateRequest) -> Result<Token> {
        self.client
            .call(
                Request::post(&["sessions", &request.session_id, "tokens", &request.template_name])
                    .json_opt(request.body.as_ref())?,
            )
            .await
    }
}
