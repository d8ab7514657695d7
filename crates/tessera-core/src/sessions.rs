//! Sessions and their lifecycle. A live (`active`/`pending`) session past `expire_at` reads as
//! `expired`, past `abandon_at` as `abandoned`, everywhere; terminal statuses never come back.

use tessera_types::{ListPage, Session, SessionStatus, object};

use crate::error::{ApiError, ApiResult};
use crate::fields::{Body, Field, Fields};
use crate::ids;
use crate::query::{QueryParams, page};
use crate::service::Tessera;
use crate::store::SessionFilter;

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

/// `POST /sessions`.
pub const CREATE_SESSION: Body = Body {
    schema: "CreateSessionRequestBody",
    groups: &[&[Field::string("user_id").required(), Field::string("active_organization_id")]],
};

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
            return Err(crate::actor_tokens::user_banned());
        }
        if user.locked {
            return Err(crate::lockout::user_locked());
        }
        let active_org = match org {
            None => None,
            Some(o) => {
                let Some(org) = self.store.get_organization(&o).await? else {
                    return Err(ApiError::organization_not_found().with_param("active_organization_id"));
                };
                if self.store.get_membership(&org.id, &user.id).await?.is_none() {
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
        self.store.insert_session(&session).await?;
        Ok(session)
    }

    pub async fn get_session(&self, id: &str) -> ApiResult<Session> {
        let s = self.store.get_session(id).await?.ok_or_else(|| ApiError::session_not_found(id))?;
        Ok(with_effective_status(s, self.now_ms()))
    }

    pub async fn list_sessions(&self, q: &QueryParams) -> ApiResult<Listing<Session>> {
        let f = q.session_list_filter()?;
        let paginated = q.paginated()?;
        let now = self.now_ms();
        let page = page(ListPage { limit: f.limit, offset: f.offset });
        let filter = SessionFilter { user_id: f.user_id, client_id: f.client_id, status: f.status, now };
        let (data, total) = self.store.list_sessions(&filter, page).await?;
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
            .await?
            .ok_or_else(|| ApiError::session_not_found(id))?;
        Ok(with_effective_status(s, now))
    }
}
