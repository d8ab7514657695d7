//! Machine authentication: `/machines` (machines, their scopes and secret keys), `/m2m_tokens`
//! (tokens a machine makes with its own secret key) and `/api_keys`.

use tessera_types::{
    ApiKey, ApiKeyListFilter, ApiKeySecret, CreateApiKeyRequestBody, CreateM2MTokenRequestBody,
    CreateMachineRequestBody, CreateMachineScopeRequestBody, DeletedObject, ListPage, M2MToken, M2MTokenList,
    M2MTokenListFilter, Machine, MachineListFilter, MachineScope, MachineScopeDeleted, MachineSecretKey, Paginated,
    RevokeApiKeyRequestBody, RevokeM2MTokenRequestBody, RotateMachineSecretKeyRequestBody, UpdateApiKeyRequestBody,
    UpdateMachineRequestBody, VerifyApiKeyRequestBody, VerifyM2MTokenRequestBody,
};

use crate::client::{Client, Request};
use crate::error::Result;
use crate::models::ToQuery;

fn query<F: serde::Serialize>(filter: &F, page: ListPage) -> Vec<(String, String)> {
    let mut q = filter.to_query();
    q.extend(page.to_query());
    q
}

/// `/v1/machines`. Get it from [`Client::machines`].
#[derive(Debug, Clone, Copy)]
pub struct Machines<'a> {
    client: &'a Client,
}

impl<'a> Machines<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Machines { client }
    }

    /// `POST /machines`: the answer carries the machine's `secret_key`.
    pub async fn create(&self, body: CreateMachineRequestBody) -> Result<Machine> {
        self.client.call(Request::post(&["machines"]).json(&body)?).await
    }

    /// `GET /machines`: `{data, total_count}`, newest first unless `order_by` says otherwise.
    pub async fn list(&self, filter: MachineListFilter, page: ListPage) -> Result<Paginated<Machine>> {
        self.client.call(Request::get(&["machines"]).query(query(&filter, page))).await
    }

    /// `GET /machines/{machine_id}`.
    pub async fn get(&self, machine_id: &str) -> Result<Machine> {
        self.client.call(Request::get(&["machines", machine_id])).await
    }

    /// `PATCH /machines/{machine_id}`.
    pub async fn update(&self, machine_id: &str, body: UpdateMachineRequestBody) -> Result<Machine> {
        self.client.call(Request::patch(&["machines", machine_id]).json(&body)?).await
    }

    /// `DELETE /machines/{machine_id}`: with its scopes and M2M tokens.
    pub async fn delete(&self, machine_id: &str) -> Result<DeletedObject> {
        self.client.call(Request::delete(&["machines", machine_id])).await
    }

    /// `GET /machines/{machine_id}/secret_key`.
    pub async fn get_secret_key(&self, machine_id: &str) -> Result<MachineSecretKey> {
        self.client.call(Request::get(&["machines", machine_id, "secret_key"])).await
    }

    /// `POST /machines/{machine_id}/secret_key/rotate`: the previous key keeps working for
    /// `previous_token_ttl` seconds.
    pub async fn rotate_secret_key(&self, machine_id: &str, previous_token_ttl: i64) -> Result<MachineSecretKey> {
        let body = RotateMachineSecretKeyRequestBody { previous_token_ttl };
        self.client.call(Request::post(&["machines", machine_id, "secret_key", "rotate"]).json(&body)?).await
    }

    /// `POST /machines/{machine_id}/scopes`: `machine_id` may call `to_machine_id`.
    pub async fn create_scope(&self, machine_id: &str, to_machine_id: &str) -> Result<MachineScope> {
        let body = CreateMachineScopeRequestBody { to_machine_id: to_machine_id.to_owned() };
        self.client.call(Request::post(&["machines", machine_id, "scopes"]).json(&body)?).await
    }

    /// `DELETE /machines/{machine_id}/scopes/{other_machine_id}`.
    pub async fn delete_scope(&self, machine_id: &str, other_machine_id: &str) -> Result<MachineScopeDeleted> {
        self.client.call(Request::delete(&["machines", machine_id, "scopes", other_machine_id])).await
    }
}

/// `/v1/m2m_tokens`. Get it from [`Client::m2m_tokens`]. A token is made with a machine's secret key
/// (`machine_secret_key`); the other calls take it too, or use the client's instance key when `None`.
#[derive(Debug, Clone, Copy)]
pub struct M2MTokens<'a> {
    client: &'a Client,
}

fn with_key(req: Request, key: Option<&str>) -> Result<Request> {
    match key {
        Some(k) => req.bearer(k),
        None => Ok(req),
    }
}

impl<'a> M2MTokens<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        M2MTokens { client }
    }

    /// `POST /m2m_tokens`, as the machine whose secret key is given. Keep
    /// [`M2MToken::token`](tessera_types::M2MToken::token): no later answer carries it.
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client) -> Result<(), tessera_client::Error> {
    /// use tessera_client::types::CreateM2MTokenRequestBody;
    ///
    /// let body = CreateM2MTokenRequestBody { token_format: Some("jwt".into()), ..Default::default() };
    /// let token = client.m2m_tokens().create("ak_…machine secret key…", body).await?;
    /// # let _ = token;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, machine_secret_key: &str, body: CreateM2MTokenRequestBody) -> Result<M2MToken> {
        self.client.call(Request::post(&["m2m_tokens"]).json(&body)?.bearer(machine_secret_key)?).await
    }

    /// `GET /m2m_tokens?subject=…`: a machine's opaque tokens (a machine may list only its own).
    pub async fn list(
        &self,
        machine_secret_key: Option<&str>,
        filter: M2MTokenListFilter,
        page: ListPage,
    ) -> Result<M2MTokenList> {
        self.client.call(with_key(Request::get(&["m2m_tokens"]).query(query(&filter, page)), machine_secret_key)?).await
    }

    /// `POST /m2m_tokens/{m2m_token_id}/revoke`.
    pub async fn revoke(
        &self,
        machine_secret_key: Option<&str>,
        m2m_token_id: &str,
        revocation_reason: Option<String>,
    ) -> Result<M2MToken> {
        let body = RevokeM2MTokenRequestBody { revocation_reason };
        let req = Request::post(&["m2m_tokens", m2m_token_id, "revoke"]).json(&body)?;
        self.client.call(with_key(req, machine_secret_key)?).await
    }

    /// `POST /m2m_tokens/verify`: the token if it is valid now (and, with a machine's key, scoped to
    /// that machine); an API error (404) otherwise. JWT-format tokens can also be verified without
    /// a request: [`VerifyOptions::accept_m2m`](crate::VerifyOptions::accept_m2m).
    pub async fn verify(&self, machine_secret_key: Option<&str>, token: &str) -> Result<M2MToken> {
        let body = VerifyM2MTokenRequestBody { token: token.to_owned() };
        let req = Request::post(&["m2m_tokens", "verify"]).json(&body)?;
        self.client.call(with_key(req, machine_secret_key)?).await
    }
}

/// `/v1/api_keys`. Get it from [`Client::api_keys`].
#[derive(Debug, Clone, Copy)]
pub struct ApiKeys<'a> {
    client: &'a Client,
}

impl<'a> ApiKeys<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        ApiKeys { client }
    }

    /// `POST /api_keys`: the answer carries `secret`.
    pub async fn create(&self, body: CreateApiKeyRequestBody) -> Result<ApiKey> {
        self.client.call(Request::post(&["api_keys"]).json(&body)?).await
    }

    /// `GET /api_keys?subject=…`.
    pub async fn list(&self, filter: ApiKeyListFilter, page: ListPage) -> Result<Paginated<ApiKey>> {
        self.client.call(Request::get(&["api_keys"]).query(query(&filter, page))).await
    }

    /// `GET /api_keys/{api_key_id}`.
    pub async fn get(&self, api_key_id: &str) -> Result<ApiKey> {
        self.client.call(Request::get(&["api_keys", api_key_id])).await
    }

    /// `PATCH /api_keys/{api_key_id}`.
    pub async fn update(&self, api_key_id: &str, body: UpdateApiKeyRequestBody) -> Result<ApiKey> {
        self.client.call(Request::patch(&["api_keys", api_key_id]).json(&body)?).await
    }

    /// `DELETE /api_keys/{api_key_id}`.
    pub async fn delete(&self, api_key_id: &str) -> Result<DeletedObject> {
        self.client.call(Request::delete(&["api_keys", api_key_id])).await
    }

    /// `GET /api_keys/{api_key_id}/secret`.
    pub async fn get_secret(&self, api_key_id: &str) -> Result<ApiKeySecret> {
        self.client.call(Request::get(&["api_keys", api_key_id, "secret"])).await
    }

    /// `POST /api_keys/{api_key_id}/revoke`.
    pub async fn revoke(&self, api_key_id: &str, revocation_reason: Option<String>) -> Result<ApiKey> {
        let body = RevokeApiKeyRequestBody { revocation_reason };
        self.client.call(Request::post(&["api_keys", api_key_id, "revoke"]).json(&body)?).await
    }

    /// `POST /api_keys/verify`: the key if it is valid now; an API error (404) otherwise.
    pub async fn verify(&self, secret: &str) -> Result<ApiKey> {
        let body = VerifyApiKeyRequestBody { secret: secret.to_owned() };
        self.client.call(Request::post(&["api_keys", "verify"]).json(&body)?).await
    }
}
