//! Sessions and their lifecycle. A live (`active`/`pending`) session past `expire_at` reads as
//! `expired`, past `abandon_at` as `abandoned`, everywhere; terminal statuses never come back.

use tessera_types::{Session, SessionStatus, object};

use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::ids;
use crate::query::QueryParams;
use crate::service::Tessera;
use crate::store::SessionFilter;
use crate::users::map_store;

/// The status a stored session has at `now`.
pub fn effective_status(s: &Session, now: i64) -> SessionStatus {
    if s.status.is_live() {
        if now >= s.expire_at {
            return SessionStatus::Expired;
        }
        if now >= s.abandon_at {
            return SessionStatus::Abandoned;
        }
    }
    s.status
}

/// Applies [`effective_status`] in place.
pub fn with_effective_status(mut s: Session, now: i64) -> Session {
    s.status = effective_status(&s, now);
    s
}

/// Either a page (`paginated=true`) or a bare array.
#[derive(Debug, Clone)]
pub enum Listing<T> {
    Page(tessera_types::Paginated<T>),
    Bare(Vec<T>),
}

impl Tessera {
    /// `POST /sessions {user_id, active_organization_id?}`: an active session in a new client.
    pub async fn create_session(&self, f: Fields) -> ApiResult<Session> {
        self.create_session_as(None, f).await
    }

    pub(crate) async fn create_session_as(&self, id: Option<String>, mut f: Fields) -> ApiResult<Session> {
        let user_id = f.required_string("user_id")?;
        let org = f.opt_string("active_organization_id")?;
        f.finish()?;
        let user = self.get_user(&user_id).await?;
        if user.banned {
            return Err(ApiError::new(
                crate::error::ErrorKind::Forbidden,
                "user_banned",
                "user is banned",
                "This user is banned and cannot have new sessions.",
            )
            .with_param("user_id"));
        }
        let active_org = match org {
            None => None,
            Some(o) => {
                let Some(org) = self.store.get_organization(&o).await.map_err(map_store)? else {
                    return Err(ApiError::organization_not_found().with_param("active_organization_id"));
                };
                if self.store.get_membership(&org.id, &user.id).await.map_err(map_store)?.is_none() {
                    return Err(ApiError::param_value(
                        "active_organization_id",
                        format!("User {} is not a member of organization {}.", user.id, org.id),
                    ));
                }
                Some(org.id)
            }
        };
        let now = self.now_ms();
        let session = Session {
            object: object::SESSION.to_owned(),
            id: id.unwrap_or_else(|| ids::new_id(ids::SESSION, now)),
            user_id: user.id,
            client_id: ids::new_id(ids::CLIENT, now),
            actor: None,
            status: SessionStatus::Active,
            last_active_organization_id: active_org,
            last_active_at: now,
            latest_activity: None,
            expire_at: now + self.config.session_lifetime_ms,
            abandon_at: now + self.config.session_abandon_ms,
            updated_at: now,
            created_at: now,
            tasks: None,
        };
        self.store.insert_session(&session).await.map_err(map_store)?;
        Ok(session)
    }

    pub async fn get_session(&self, id: &str) -> ApiResult<Session> {
        let s = self.store.get_session(id).await.map_err(map_store)?.ok_or_else(|| ApiError::session_not_found(id))?;
        Ok(with_effective_status(s, self.now_ms()))
    }

    pub async fn list_sessions(&self, q: &QueryParams) -> ApiResult<Listing<Session>> {
        let user_id = q.one("user_id");
        let client_id = q.one("client_id");
        if user_id.is_none() && client_id.is_none() {
            return Err(ApiError::missing_query(&["client_id", "user_id"]));
        }
        let status = match q.one("status") {
            None => None,
            Some(s) => Some(SessionStatus::parse(&s).ok_or_else(|| {
                ApiError::param_value(
                    "status",
                    format!("{s} does not match one of the allowed values for parameter status"),
                )
            })?),
        };
        let page = q.page()?;
        let paginated = q.paginated()?;
        let now = self.now_ms();
        let (data, total) = self
            .store
            .list_sessions(&SessionFilter { user_id, client_id, status, now }, page)
            .await
            .map_err(map_store)?;
        let data: Vec<Session> = data.into_iter().map(|s| with_effective_status(s, now)).collect();
        Ok(if paginated {
            Listing::Page(tessera_types::Paginated { data, total_count: total })
        } else {
            Listing::Bare(data)
        })
    }

    /// `POST /sessions/{id}/revoke`. Revoking a session that already ended answers it unchanged.
    pub async fn revoke_session(&self, id: &str) -> ApiResult<Session> {
        let now = self.now_ms();
        let s = self
            .store
            .end_session(id, SessionStatus::Revoked, now)
            .await
            .map_err(map_store)?
            .ok_or_else(|| ApiError::session_not_found(id))?;
        Ok(with_effective_status(s, now))
    }
}
