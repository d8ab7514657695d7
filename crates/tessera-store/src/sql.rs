//! Building and reading SQL: the portable [`Sql`] builder for statements whose shape depends on a
//! filter, and the small helpers every resource module uses to read rows and documents.
//!
//! Why not sqlx's `QueryBuilder<Any>`: its `push_bind` writes the placeholder that the database's
//! `Arguments::format_placeholder` gives, and `AnyArguments` does not override the default, so every
//! bind becomes `?`. PostgreSQL does not accept `?` (the Any driver passes the text through
//! unchanged), so a `QueryBuilder<Any>` statement fails there. The statements here also refer to one
//! argument several times (`now` in the effective-status expression), which `push_bind` cannot do
//! (each call binds a new value). [`Sql`] numbers placeholders `$1`, `$2`, … in bind order, which both
//! SQLite and PostgreSQL accept, and hands back the placeholder so it can be written more than once.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, AssertSqlSafe, Row, SqlSafeStr};
use tessera_core::store::Page;

use crate::error::{Error, Result};

/// Statements built so far by every store in this process (see [`query`]).
static STATEMENTS: AtomicU64 = AtomicU64::new(0);

/// Every statement the store sends is made here and counted: `scripts/check-architecture.py` refuses
/// `sqlx::query(` anywhere else in tessera-store. Transactions' `BEGIN`/`COMMIT`, migrations and the
/// pool's own connection checks are not counted.
pub(crate) fn query<'q>(sql: impl SqlSafeStr) -> sqlx::query::Query<'q, Any, AnyArguments> {
    STATEMENTS.fetch_add(1, Ordering::Relaxed);
    sqlx::query(sql)
}

/// A counted statement whose one result is a single value (`query` for scalars).
pub(crate) fn query_scalar<'q, O>(sql: impl SqlSafeStr) -> sqlx::query::QueryScalar<'q, Any, O, AnyArguments>
where
    (O,): for<'r> sqlx::FromRow<'r, AnyRow>,
{
    STATEMENTS.fetch_add(1, Ordering::Relaxed);
    sqlx::query_scalar(sql)
}

/// Counts `n` statements sent by a driver on the store's behalf (the change-feed listener's
/// `LISTEN`), which cannot go through [`query`].
pub(crate) fn count_statements(n: u64) {
    STATEMENTS.fetch_add(n, Ordering::Relaxed);
}

/// How many statements the stores of this process have sent since it started (a counter that only
/// grows; `tessera_db_statements_total` in `/metrics`).
pub fn statements_sent() -> u64 {
    STATEMENTS.load(Ordering::Relaxed)
}

enum Arg {
    Text(String),
    Int(i64),
}

/// A dynamically built statement: SQL text plus its arguments, numbered `$1`, `$2`, … in bind order.
/// Only fixed SQL fragments are pushed as text; every value goes through a placeholder.
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), args: Vec::new() }
    }

    pub(crate) fn push(&mut self, fragment: &str) -> &mut Sql {
        self.text.push_str(fragment);
        self
    }

    fn placeholder(&self) -> String {
        format!("${}", self.args.len())
    }

    /// Adds an argument and returns its placeholder without writing it.
    pub(crate) fn arg_text(&mut self, v: impl Into<String>) -> String {
        self.args.push(Arg::Text(v.into()));
        self.placeholder()
    }

    pub(crate) fn arg_int(&mut self, v: i64) -> String {
        self.args.push(Arg::Int(v));
        self.placeholder()
    }

    /// Adds the values and returns `($a, $b, …)`.
    pub(crate) fn arg_list<S: AsRef<str>>(&mut self, values: &[S], map: impl Fn(&str) -> String) -> String {
        let parts: Vec<String> = values.iter().map(|v| self.arg_text(map(v.as_ref()))).collect();
        format!("({})", parts.join(", "))
    }

    /// Appends ` WHERE a AND b …` (nothing when there are no conditions).
    pub(crate) fn push_where(&mut self, conds: &[String]) -> &mut Sql {
        if !conds.is_empty() {
            self.text.push_str(" WHERE ");
            self.text.push_str(&conds.join(" AND "));
        }
        self
    }

    /// Appends ` LIMIT $n OFFSET $m` with the page's values.
    pub(crate) fn push_page(&mut self, page: Page) -> &mut Sql {
        let (limit, offset) = page_values(page);
        let l = self.arg_int(limit);
        let o = self.arg_int(offset);
        self.push(&format!(" LIMIT {l} OFFSET {o}"))
    }

    pub(crate) fn query(self) -> sqlx::query::Query<'static, Any, AnyArguments> {
        let mut q = query(AssertSqlSafe(self.text));
        for arg in self.args {
            q = match arg {
                Arg::Text(v) => q.bind(v),
                Arg::Int(v) => q.bind(v),
            };
        }
        q
    }
}

pub(crate) fn order_dir(desc: bool) -> &'static str {
    if desc { "DESC" } else { "ASC" }
}

/// Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'` and wraps the needle in `%…%`.
pub(crate) fn like_contains(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The `LIMIT … OFFSET …` values, defended against out-of-range input.
pub(crate) fn page_values(page: Page) -> (i64, i64) {
    (page.limit.max(0), page.offset.max(0))
}

/// Booleans are stored as BIGINT 0/1 on both databases.
pub(crate) fn bool_int(b: bool) -> i64 {
    i64::from(b)
}

/// Column `idx` of `row`.
pub(crate) fn get<T>(row: &AnyRow, idx: usize) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    Ok(row.try_get::<T, _>(idx)?)
}

/// The document (JSON text) in column `idx` of `row`, decoded.
pub(crate) fn get_doc<T: DeserializeOwned>(row: &AnyRow, idx: usize) -> Result<T> {
    from_doc(&get::<String>(row, idx)?)
}

/// The document in column `idx` if the column is not NULL (a LEFT JOIN that found nothing).
pub(crate) fn get_opt_doc<T: DeserializeOwned>(row: &AnyRow, idx: usize) -> Result<Option<T>> {
    get::<Option<String>>(row, idx)?.map(|doc| from_doc(&doc)).transpose()
}

pub(crate) fn to_doc<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Other(format!("encoding a document: {e}")))
}

pub(crate) fn from_doc<T: DeserializeOwned>(doc: &str) -> Result<T> {
    serde_json::from_str(doc).map_err(|e| Error::Other(format!("decoding a stored document: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }

    #[test]
    fn placeholders_are_numbered_in_bind_order_and_reusable() {
        let mut sql = Sql::new("SELECT 1");
        let a = sql.arg_int(5);
        let list = sql.arg_list(&["x", "y"], str::to_string);
        sql.push_where(&[format!("a = {a}"), format!("b IN {list}"), format!("c = {a}")]);
        sql.push_page(Page { limit: -1, offset: 3 });
        assert_eq!(sql.text, "SELECT 1 WHERE a = $1 AND b IN ($2, $3) AND c = $1 LIMIT $4 OFFSET $5");
        assert_eq!(sql.args.len(), 5);
    }
}
