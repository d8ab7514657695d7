//! Mints from memory: what a mint reads (session, user, template, active organization and
//! membership, custom session claims), kept per node and kept coherent by the event log.
//!
//! The guarantee (ARCHITECTURE.md, "Consistency"): a cached record is served only while the node's
//! change feed is fresh, that is while the last successful read of the event log *started* less than
//! the staleness bound ago (`CoreConfig::change_feed_bound_ms`, default 1 s). Every write appends its
//! events in its own transaction, and following the feed removes the records they touch; so a mint
//! on any node sees a change at most that bound after it committed. When the feed is not fresh (the
//! database unreachable, the follower stopped), mints read the store as if there were no cache, until
//! the feed has caught up again. The server also follows the feed right after each write request it
//! serves, before answering, so the node that made a change sees it on its very next request.
//!
//! A record read from the store is put in the cache only if no invalidation of its kind was applied
//! while it was being read (one generation counter per kind), so a read that raced a change can
//! never be kept past that change. Memory is bounded: each kind is a `quick_cache` (S3-FIFO) with a
//! fixed number of entries (`CoreConfig::mint_cache_entries`).
//!
//! Pure: no IO, no clock (`now` is an argument).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use quick_cache::sync::Cache;
use serde_json::Value;
use tessera_types::{Organization, OrganizationMembership, Session, User};

use crate::events::EventRecord;
use crate::store::{MintRecords, SessionClaimsRecord, TemplateRecord};
use crate::stripes::StripedU64;

const SESSIONS: usize = 0;
const USERS: usize = 1;
const MEMBERSHIPS: usize = 2;
const TEMPLATES: usize = 3;
const CLAIMS: usize = 4;

/// The generation of each kind when a store read started (see [`MintCache::generations`]).
#[derive(Debug, Clone, Copy)]
pub struct Generations([u64; 5]);

/// Counters of the cache, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MintCacheStats {
    /// Mints served entirely from memory.
    pub hits: u64,
    /// Mints that read the store because something was not cached.
    pub misses: u64,
    /// Mints that read the store because the change feed was not fresh.
    pub bypassed: u64,
    /// The `seq` of the last event applied.
    pub cursor: i64,
    /// Entries held, all kinds together.
    pub entries: u64,
}

/// A session with its shortcode `session` part.
#[derive(Debug)]
pub struct SessionEntry {
    pub session: Session,
    pub ctx: Value,
}

/// A user with its shortcode `user` part, built without `user.organizations` (a template that names
/// it reads the user's memberships and builds its own).
#[derive(Debug)]
pub struct UserEntry {
    pub user: User,
    pub ctx: Value,
}

/// The session's active organization, the user's membership object in it, and their shortcode
/// `org` and `org_membership` parts.
#[derive(Debug)]
pub struct ActiveEntry {
    pub org: Organization,
    pub membership: OrganizationMembership,
    pub org_ctx: Value,
    pub membership_ctx: Value,
}

/// What a mint reads ([`MintRecords`]), each record shared with the cache and carrying what is derived
/// from it once (the membership object, the shortcode parts): a mint from memory clones nothing.
#[derive(Debug, Clone)]
pub struct MintShared {
    pub session: Arc<SessionEntry>,
    pub user: Option<Arc<UserEntry>>,
    pub template: Option<Arc<TemplateRecord>>,
    pub active: Option<Arc<ActiveEntry>>,
    pub session_claims: Option<Arc<SessionClaimsRecord>>,
}

impl MintShared {
    /// Derives the shared form of records read from the store.
    pub fn new(r: MintRecords) -> MintShared {
        let session_ctx = crate::shortcode::session_context(&r.session);
        MintShared {
            session: Arc::new(SessionEntry { session: r.session, ctx: session_ctx }),
            user: r.user.map(|user| {
                let ctx = crate::shortcode::user_context(&user, &[]);
                Arc::new(UserEntry { user, ctx })
            }),
            template: r.template.map(Arc::new),
            active: r.active.map(|(org, m)| {
                let membership = crate::orgs::membership_object(&m, &org, None);
                let org_ctx = crate::shortcode::org_context(&org, &membership);
                let membership_ctx = crate::shortcode::membership_context(&membership);
                Arc::new(ActiveEntry { org, membership, org_ctx, membership_ctx })
            }),
            session_claims: r.session_claims.map(Arc::new),
        }
    }
}

type ActiveSlot = Option<Arc<ActiveEntry>>;

/// A membership key borrowed from the session, so a lookup allocates nothing: it hashes as the
/// stored `(String, String)` does (a tuple hashes its fields in order).
#[derive(Hash)]
struct MemberKey<'a>(&'a str, &'a str);

impl quick_cache::Equivalent<(String, String)> for MemberKey<'_> {
    fn equivalent(&self, key: &(String, String)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

pub struct MintCache {
    enabled: bool,
    sessions: Cache<String, Arc<SessionEntry>>,
    users: Cache<String, Arc<UserEntry>>,
    /// `(organization id, user id)` → the organization and the user's membership (None: none).
    memberships: Cache<(String, String), ActiveSlot>,
    /// Template name → the template (None: no template by that name).
    templates: Cache<String, Option<Arc<TemplateRecord>>>,
    /// The custom session claims: outer None = not cached.
    claims: RwLock<Option<Option<Arc<SessionClaimsRecord>>>>,
    generations: [AtomicU64; 5],
    /// Clock ms until which cached records may be served (0: not fresh).
    fresh_until: AtomicI64,
    cursor: AtomicI64,
    /// Bumped by every mint: striped, so the cores do not pass one line back and forth (and evict
    /// `fresh_until` with it) on every mint.
    hits: StripedU64,
    misses: StripedU64,
    bypassed: StripedU64,
}

impl MintCache {
    /// A cache holding up to `entries` records of each kind; `entries == 0` disables it (every mint
    /// reads the store).
    pub fn new(entries: usize) -> MintCache {
        let n = entries.max(1);
        MintCache {
            enabled: entries > 0,
            sessions: Cache::new(n),
            users: Cache::new(n),
            memberships: Cache::new(n),
            templates: Cache::new(n.min(10_000)),
            claims: RwLock::new(None),
            generations: Default::default(),
            fresh_until: AtomicI64::new(0),
            cursor: AtomicI64::new(0),
            hits: StripedU64::new(),
            misses: StripedU64::new(),
            bypassed: StripedU64::new(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// What a mint of `session_id` (with the template `template_name`) needs, if all of it is cached
    /// and the feed is fresh at `now`. The custom session claims are looked up for the session token
    /// only (`template_name` None); a template mint gets none.
    pub fn get(&self, session_id: &str, template_name: Option<&str>, now: i64) -> Option<MintShared> {
        if !self.enabled {
            return None;
        }
        if now >= self.fresh_until.load(Ordering::Acquire) {
            self.bypassed.inc();
            return None;
        }
        let found = self.lookup(session_id, template_name);
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.inc();
        found
    }

    fn lookup(&self, session_id: &str, template_name: Option<&str>) -> Option<MintShared> {
        let session = self.sessions.get(session_id)?;
        let s = &session.session;
        let user = self.users.get(&s.user_id)?;
        let active = match &s.last_active_organization_id {
            None => None,
            Some(org) => self.memberships.get(&MemberKey(org, &s.user_id))?,
        };
        let template = match template_name {
            None => None,
            Some(name) => self.templates.get(name)?,
        };
        // Only the session token carries the custom session claims: a template mint neither reads
        // them nor takes their lock.
        let session_claims = match template_name {
            Some(_) => None,
            None => self.claims.read().ok()?.clone()?,
        };
        Some(MintShared { session, user: Some(user), template, active, session_claims })
    }

    /// Call before reading the store for a mint; pass the result to [`MintCache::fill`].
    pub fn generations(&self) -> Generations {
        Generations(std::array::from_fn(|i| self.generations[i].load(Ordering::Acquire)))
    }

    /// Keeps what a mint just read from the store, each kind only if nothing of that kind was
    /// invalidated since `before` was taken. A session whose user is gone is not kept.
    pub fn fill(&self, before: Generations, session_id: &str, template_name: Option<&str>, r: &MintShared) {
        if !self.enabled {
            return;
        }
        let unchanged = |kind: usize| self.generations[kind].load(Ordering::Acquire) == before.0[kind];
        let Some(user) = &r.user else { return };
        if unchanged(SESSIONS) {
            self.sessions.insert(session_id.to_owned(), r.session.clone());
        }
        if unchanged(USERS) {
            self.users.insert(user.user.id.clone(), user.clone());
        }
        if let Some(org) = &r.session.session.last_active_organization_id
            && unchanged(MEMBERSHIPS)
        {
            let entry = r.active.as_ref().filter(|a| a.org.id == *org).cloned();
            self.memberships.insert((org.clone(), user.user.id.clone()), entry);
        }
        if let Some(name) = template_name
            && unchanged(TEMPLATES)
        {
            self.templates.insert(name.to_owned(), r.template.clone());
        }
        if unchanged(CLAIMS)
            && let Ok(mut c) = self.claims.write()
        {
            *c = Some(r.session_claims.clone());
        }
    }

    fn bump(&self, kind: usize) {
        self.generations[kind].fetch_add(1, Ordering::AcqRel);
    }

    /// Removes what `events` change (they follow the last applied event, in order).
    pub fn apply(&self, events: &[EventRecord]) {
        for e in events {
            self.invalidate(e);
        }
        if let Some(last) = events.last() {
            self.cursor.fetch_max(last.seq, Ordering::AcqRel);
        }
    }

    fn invalidate(&self, e: &EventRecord) {
        let id = e.data.get("id").and_then(|v| v.as_str()).unwrap_or_default();
        let kind = e.event_type.split('.').next().unwrap_or_default();
        match kind {
            "user" => {
                self.bump(USERS);
                self.users.remove(id);
            }
            "session" => {
                self.bump(SESSIONS);
                self.sessions.remove(id);
            }
            "organizationMembership" => {
                self.bump(MEMBERSHIPS);
                let org = e.data.pointer("/organization/id").and_then(|v| v.as_str()).unwrap_or_default();
                let user = e.data.pointer("/public_user_data/user_id").and_then(|v| v.as_str()).unwrap_or_default();
                self.memberships.remove(&MemberKey(org, user));
            }
            "organization" => {
                self.bump(MEMBERSHIPS);
                self.memberships.retain(|(org, _), _| org != id);
            }
            // A role or permission change reaches every membership holding it: rare, so all go.
            "role" | "permission" => {
                self.bump(MEMBERSHIPS);
                self.memberships.clear();
            }
            "organizationInvitation" => {}
            _ => match e.event_type.as_str() {
                crate::events::TEMPLATE_CHANGED => {
                    self.bump(TEMPLATES);
                    self.templates.clear();
                }
                crate::events::SESSION_CLAIMS_CHANGED => {
                    self.bump(CLAIMS);
                    if let Ok(mut c) = self.claims.write() {
                        *c = None;
                    }
                }
                crate::events::ROLE_SET_CHANGED => {
                    self.bump(MEMBERSHIPS);
                    self.memberships.clear();
                }
                // Anything not known here: forget everything (always safe).
                _ => self.clear(),
            },
        }
    }

    /// Forgets every record (a gap in the log: events were pruned before this node read them).
    pub fn clear(&self) {
        for kind in 0..self.generations.len() {
            self.bump(kind);
        }
        self.sessions.clear();
        self.users.clear();
        self.memberships.clear();
        self.templates.clear();
        if let Ok(mut c) = self.claims.write() {
            *c = None;
        }
    }

    /// The `seq` of the last event applied.
    pub fn cursor(&self) -> i64 {
        self.cursor.load(Ordering::Acquire)
    }

    /// Starts following the log after `seq` (at start-up: the log's end; the cache is empty).
    pub fn start_at(&self, seq: i64) {
        self.cursor.store(seq, Ordering::Release);
    }

    /// Cached records may be served until `until` (clock ms); 0 stops serving them.
    pub fn set_fresh_until(&self, until: i64) {
        self.fresh_until.store(until, Ordering::Release);
    }

    /// Until when (clock ms) cached records may be served.
    pub fn fresh_until(&self) -> i64 {
        self.fresh_until.load(Ordering::Acquire)
    }

    pub fn stats(&self) -> MintCacheStats {
        MintCacheStats {
            hits: self.hits.get(),
            misses: self.misses.get(),
            bypassed: self.bypassed.get(),
            cursor: self.cursor(),
            entries: (self.sessions.len() + self.users.len() + self.memberships.len() + self.templates.len()) as u64,
        }
    }
}

#[cfg(test)]
#[path = "mint_cache_tests.rs"]
mod tests;
