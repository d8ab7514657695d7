//! Machines (Clerk's Machines tag): services with their own secret key and the machines they may call
//! (`scoped_machines`). A machine authenticates with its secret key (`ak_…`) to make M2M tokens
//! (`m2m.rs`), never with the instance key; the instance key manages machines.
//!
//! The secret key is answered by the create call and by `GET /machines/{id}/secret_key`; it is stored
//! as its SHA-256 (looked up by it and compared in constant time) and, for that route, sealed with the
//! master key. Rotating (`POST …/secret_key/rotate {previous_token_ttl}`) makes a new key; the old one
//! keeps authenticating for `previous_token_ttl` seconds (0: it stops at once).

use tessera_types::{
    DeletedObject, Machine, MachineScope, MachineScopeDeleted, MachineSecretKey, MachineWithoutScopedMachines,
    Paginated, object,
};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields};
use crate::ids;
use crate::query::{QueryParams, order_by};
use crate::service::Tessera;
use crate::store::{MachineFilter, MachineOrder, MachineRecord, MachineView, StoreError};

/// `default_token_ttl` when none is given (Clerk's default).
pub const DEFAULT_TOKEN_TTL: i64 = 3600;
/// The longest token lifetime (ten years).
pub const MAX_TOKEN_TTL: i64 = 315_360_000;
/// Most scopes per machine.
pub const MAX_SCOPES: usize = 150;
/// The longest a rotated key keeps working: 8 hours.
pub const MAX_PREVIOUS_TOKEN_TTL: i64 = 28_800;
/// Prefix of machine ids.
pub const MACHINE_PREFIX: &str = "mch_";
/// Prefix of machine secret keys.
pub const SECRET_KEY_PREFIX: &str = "ak_";

const NAME: Field = Field::string_of("name", 1, 255);
const TTL: Field = Field::int("default_token_ttl", 1, MAX_TOKEN_TTL);
const PREVIOUS_TTL: Field = Field::int("previous_token_ttl", 0, MAX_PREVIOUS_TOKEN_TTL);

/// `POST /machines`.
pub const CREATE_MACHINE: Body = Body {
    schema: "CreateMachineRequestBody",
    groups: &[&[NAME.required(), TTL, Field::string_list("scoped_machines")]],
};
/// `PATCH /machines/{machine_id}`.
pub const UPDATE_MACHINE: Body = Body { schema: "UpdateMachineRequestBody", groups: &[&[NAME, TTL]] };
/// `POST /machines/{machine_id}/secret_key/rotate`.
pub const ROTATE_MACHINE_SECRET_KEY: Body =
    Body { schema: "RotateMachineSecretKeyRequestBody", groups: &[&[PREVIOUS_TTL.required()]] };
/// `POST /machines/{machine_id}/scopes`.
pub const CREATE_MACHINE_SCOPE: Body =
    Body { schema: "CreateMachineScopeRequestBody", groups: &[&[Field::string("to_machine_id").required()]] };

/// 404 `machine_not_found`.
pub(crate) fn machine_not_found(id: &str) -> ApiError {
    ApiError::new(
        ErrorKind::NotFound,
        "machine_not_found",
        "Machine not found",
        format!("No machine was found with id {id}"),
    )
}

fn check_name(name: &str) -> ApiResult<()> {
    NAME.check_len(name)?;
    if name.trim().is_empty() {
        return Err(ApiError::param_value("name", "name must not be blank."));
    }
    Ok(())
}

/// The associated data a machine's sealed secret key is bound to.
pub(crate) fn seal_aad(id: &str) -> Vec<u8> {
    format!("machine_secret_key:{id}").into_bytes()
}

/// Opens each `(id, sealed)` with `old` and seals it again with `new`; the id that cannot be opened
/// otherwise.
pub(crate) fn reseal(
    old: &crate::service::MasterKey,
    new: &crate::service::MasterKey,
    sealed: &[(String, String)],
    aad: fn(&str) -> Vec<u8>,
) -> Result<Vec<(String, String)>, String> {
    sealed
        .iter()
        .map(|(id, s)| {
            let plain = tessera_jwt::open(&old.0, s, &aad(id)).map_err(|_| id.clone())?;
            Ok((id.clone(), tessera_jwt::seal(&new.0, &plain, &aad(id))))
        })
        .collect()
}

fn nested(m: &MachineRecord, instance_id: &str) -> MachineWithoutScopedMachines {
    MachineWithoutScopedMachines {
        object: object::MACHINE.to_owned(),
        id: m.id.clone(),
        name: m.name.clone(),
        instance_id: instance_id.to_owned(),
        default_token_ttl: m.default_token_ttl,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

impl Tessera {
    fn machine_object(&self, v: &MachineView, secret_key: Option<String>) -> Machine {
        let m = &v.machine;
        Machine {
            object: object::MACHINE.to_owned(),
            id: m.id.clone(),
            name: m.name.clone(),
            instance_id: self.instance_id().to_owned(),
            default_token_ttl: m.default_token_ttl,
            scoped_machines: v.scoped.iter().map(|s| nested(s, self.instance_id())).collect(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            secret_key,
        }
    }

    /// A new secret key: its text, SHA-256 and sealed copy.
    fn new_machine_secret(&self, id: &str) -> (String, String, String) {
        let secret = format!("{SECRET_KEY_PREFIX}{}", tessera_jwt::random_hex(24));
        let hash = tessera_jwt::sha256_hex(secret.as_bytes());
        let sealed = tessera_jwt::seal(&self.master.0, secret.as_bytes(), &seal_aad(id));
        (secret, hash, sealed)
    }

    async fn machine_view(&self, id: &str) -> ApiResult<MachineView> {
        self.store.get_machine(id).await?.ok_or_else(|| machine_not_found(id))
    }

    /// Checks that every id names a machine: 422 `form_resource_not_found` naming `param` otherwise.
    async fn check_machines_exist(&self, ids: &[String], param: &str) -> ApiResult<()> {
        let found = self.store.existing_machine_ids(ids).await?;
        if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
            return Err(ApiError::new(
                ErrorKind::Unprocessable,
                "form_resource_not_found",
                "is missing",
                format!("No machine was found with id {missing}."),
            )
            .with_param(param));
        }
        Ok(())
    }

    /// `POST /machines {name, default_token_ttl?, scoped_machines?}`: the answer is the only one
    /// besides `GET …/secret_key` that carries `secret_key`.
    pub async fn create_machine(&self, f: Fields) -> ApiResult<Machine> {
        self.create_machine_as(None, None, f).await
    }

    /// [`Tessera::create_machine`] with the id and secret key a seed file gives (when given).
    pub(crate) async fn create_machine_as(
        &self,
        id: Option<String>,
        secret: Option<String>,
        mut f: Fields,
    ) -> ApiResult<Machine> {
        let name = f.required_string(NAME.name)?;
        let ttl = f.int(&TTL)?.unwrap_or(DEFAULT_TOKEN_TTL);
        let mut scoped = f.opt_string_list("scoped_machines")?.unwrap_or_default();
        f.finish()?;
        check_name(&name)?;
        let mut seen = std::collections::HashSet::new();
        scoped.retain(|id| seen.insert(id.clone()));
        if scoped.len() > MAX_SCOPES {
            return Err(ApiError::param_too_many("scoped_machines", MAX_SCOPES));
        }
        self.check_machines_exist(&scoped, "scoped_machines").await?;
        let now = self.now_ms();
        let id = id.unwrap_or_else(|| ids::new_id(MACHINE_PREFIX, now));
        let (secret, secret_hash, secret_sealed) = match secret {
            Some(s) => {
                let hash = tessera_jwt::sha256_hex(s.as_bytes());
                let sealed = tessera_jwt::seal(&self.master.0, s.as_bytes(), &seal_aad(&id));
                (s, hash, sealed)
            }
            None => self.new_machine_secret(&id),
        };
        let rec = MachineRecord {
            id: id.clone(),
            name,
            default_token_ttl: ttl,
            secret_hash,
            secret_sealed,
            previous_secret_hash: None,
            previous_secret_expires_at: None,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_machine(&rec, &scoped).await?;
        let view = self.machine_view(&id).await?;
        Ok(self.machine_object(&view, Some(secret)))
    }

    /// `GET /machines?query&order_by&limit&offset`: `{data, total_count}`, newest first by default.
    pub async fn list_machines(&self, q: &QueryParams) -> ApiResult<Paginated<Machine>> {
        let page = q.page()?;
        let order = order_by(
            q.first("order_by").as_deref(),
            &[("created_at", MachineOrder::CreatedAt), ("name", MachineOrder::Name)],
        )?;
        let (order, descending) = order.unwrap_or((MachineOrder::CreatedAt, true));
        let filter = MachineFilter { query: q.one("query"), order, descending };
        let (views, total) = self.store.list_machines(&filter, page).await?;
        Ok(Paginated { data: views.iter().map(|v| self.machine_object(v, None)).collect(), total_count: total })
    }

    pub async fn get_machine(&self, id: &str) -> ApiResult<Machine> {
        Ok(self.machine_object(&self.machine_view(id).await?, None))
    }

    /// `PATCH /machines/{id} {name?, default_token_ttl?}`.
    pub async fn update_machine(&self, id: &str, mut f: Fields) -> ApiResult<Machine> {
        let name = f.opt_string(NAME.name)?;
        let ttl = f.int(&TTL)?;
        f.finish()?;
        if let Some(n) = &name {
            check_name(n)?;
        }
        let mut view = self.machine_view(id).await?;
        if let Some(n) = name {
            view.machine.name = n;
        }
        if let Some(t) = ttl {
            view.machine.default_token_ttl = t;
        }
        view.machine.updated_at = self.now_ms();
        if !self.store.update_machine(&view.machine).await? {
            return Err(machine_not_found(id));
        }
        Ok(self.machine_object(&view, None))
    }

    /// `DELETE /machines/{id}`: with its scopes (both ways) and its M2M tokens.
    pub async fn delete_machine(&self, id: &str) -> ApiResult<DeletedObject> {
        if !self.store.delete_machine(id).await? {
            return Err(machine_not_found(id));
        }
        Ok(DeletedObject { object: object::MACHINE.to_owned(), id: Some(id.to_owned()), slug: None, deleted: true })
    }

    /// `GET /machines/{id}/secret_key`.
    pub async fn machine_secret_key(&self, id: &str) -> ApiResult<MachineSecretKey> {
        let view = self.machine_view(id).await?;
        let plain = tessera_jwt::open(&self.master.0, &view.machine.secret_sealed, &seal_aad(id))
            .map_err(|e| ApiError::internal_logged("machine secret key cannot be opened with the master key", e))?;
        let secret = String::from_utf8(plain).map_err(|e| ApiError::internal_logged("machine secret key", e))?;
        Ok(MachineSecretKey { object: object::MACHINE_SECRET_KEY.to_owned(), secret })
    }

    /// `POST /machines/{id}/secret_key/rotate {previous_token_ttl}`: a new key; the old one keeps
    /// authenticating for `previous_token_ttl` seconds.
    pub async fn rotate_machine_secret_key(&self, id: &str, mut f: Fields) -> ApiResult<MachineSecretKey> {
        let previous = f.int(&PREVIOUS_TTL)?.ok_or_else(|| ApiError::param_missing(PREVIOUS_TTL.name))?;
        f.finish()?;
        self.machine_view(id).await?;
        let now = self.now_ms();
        let (secret, hash, sealed) = self.new_machine_secret(id);
        let previous_expires_at = (previous > 0).then(|| now + previous * 1000);
        if !self.store.rotate_machine_secret(id, &hash, &sealed, previous_expires_at, now).await? {
            return Err(machine_not_found(id));
        }
        Ok(MachineSecretKey { object: object::MACHINE_SECRET_KEY.to_owned(), secret })
    }

    /// `POST /machines/{id}/scopes {to_machine_id}`: 409 `conflict` when the scope exists.
    pub async fn create_machine_scope(&self, id: &str, mut f: Fields) -> ApiResult<MachineScope> {
        let to = f.required_string("to_machine_id")?;
        f.finish()?;
        let view = self.machine_view(id).await?;
        if to == id {
            return Err(ApiError::param_value("to_machine_id", "A machine cannot be scoped to itself."));
        }
        self.check_machines_exist(std::slice::from_ref(&to), "to_machine_id").await?;
        if view.scoped.len() >= MAX_SCOPES && !view.scoped.iter().any(|s| s.id == to) {
            return Err(ApiError::param_too_many("to_machine_id", MAX_SCOPES));
        }
        let now = self.now_ms();
        match self.store.insert_machine_scope(id, &to, now).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                return Err(ApiError::new(
                    ErrorKind::Conflict,
                    "conflict",
                    "Conflict",
                    format!("Machine {id} already has access to machine {to}."),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(MachineScope {
            object: object::MACHINE_SCOPE.to_owned(),
            from_machine_id: id.to_owned(),
            to_machine_id: to,
            created_at: now,
        })
    }

    /// `DELETE /machines/{id}/scopes/{other_id}`.
    pub async fn delete_machine_scope(&self, id: &str, other: &str) -> ApiResult<MachineScopeDeleted> {
        self.machine_view(id).await?;
        if !self.store.delete_machine_scope(id, other).await? {
            return Err(ApiError::not_found("not found", format!("Machine {id} has no access to machine {other}.")));
        }
        Ok(MachineScopeDeleted {
            object: object::MACHINE_SCOPE.to_owned(),
            from_machine_id: id.to_owned(),
            to_machine_id: other.to_owned(),
            deleted: true,
        })
    }

    /// The machine whose secret key (current, or previous and still valid) hashes to `hash` (lowercase
    /// hex SHA-256), read from the store at every call, so a rotation or deletion is seen at once.
    pub async fn authenticate_machine_hash(&self, hash: &str) -> ApiResult<Option<MachineRecord>> {
        let now = self.now_ms();
        let Some(m) = self.store.find_machine_by_secret(hash, now).await? else {
            return Ok(None);
        };
        let current = tessera_jwt::constant_time_eq(m.secret_hash.as_bytes(), hash.as_bytes());
        let previous = m
            .previous_secret_hash
            .as_deref()
            .is_some_and(|p| tessera_jwt::constant_time_eq(p.as_bytes(), hash.as_bytes()))
            && m.previous_secret_expires_at.is_some_and(|at| at > now);
        Ok((current | previous).then_some(m))
    }
}
