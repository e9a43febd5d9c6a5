//! `/v1/audit`: the hash-chained audit log, oldest first, for auditors,
//! admins and supervisors (the store decides), filtered and paged by the
//! store.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Actor;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Query;
use crate::routes::paging::{self, page_of};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// One entry of the log: who did what to which object, before and after.
#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    /// Position in the chain: 1, 2, 3, ...
    pub id: i64,
    pub at: i64,
    /// A user's name, or `system` for ingestion.
    pub actor: String,
    /// e.g. `case.open`, `report.approve`.
    pub action: String,
    /// e.g. `case:7`.
    pub object: String,
    /// The object before the change, as JSON (reports: the XML's length and SHA-256).
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// Hex SHA-256 of the entry before (64 zeros for the first).
    pub prev_hash: String,
    pub hash: String,
    /// Hex SHA-256 over the digests of the protected rows the change wrote.
    pub rows_sha256: Option<String>,
}

fn view(e: spur_store::AuditEntry) -> Result<AuditEntryView, ApiError> {
    let parse = |s: Option<String>| -> Result<Option<serde_json::Value>, ApiError> {
        s.map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|err| {
                ApiError::internal("corrupt_data", format!("audit entry {}: {err}", e.id))
            })
    };
    Ok(AuditEntryView {
        before: parse(e.before.clone())?,
        after: parse(e.after.clone())?,
        id: e.id,
        at: e.at,
        actor: e.actor,
        action: e.action,
        object: e.object,
        prev_hash: e.prev_hash,
        hash: e.hash,
        rows_sha256: e.rows_sha256,
    })
}

page_of!(
    /// A page of audit entries, oldest first.
    AuditPage,
    AuditEntryView
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The acting user's name (or `system`).
    pub actor: Option<String>,
    /// An action (`case.note`) or a family of them (`case`).
    pub action: Option<String>,
    /// `user`, `case`, `report`, `alert`, ...: entries about objects of that kind.
    pub object_kind: Option<String>,
    /// With `object_kind`: one object (`case` and `7`).
    pub object_id: Option<String>,
    /// Entries at or after this time (seconds since 1970-01-01 UTC).
    pub since: Option<i64>,
    /// Entries before this time.
    pub until: Option<i64>,
    /// 1 to 500 items a page; 50 when not given.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// The audit entries that pass the filters, oldest first, a page at a time.
#[utoipa::path(
    get,
    path = "/v1/audit",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "a page of audit entries", body = AuditPage),
        (status = 400, description = "a parameter that does not read, an object id without its kind, a limit outside 1 to 500, or a bad cursor", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "neither auditor, admin nor supervisor, or a disabled user", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn list_audit(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let filter = spur_store::AuditFilter {
        actor: paging::given(q.actor),
        action: paging::given(q.action),
        object_kind: paging::given(q.object_kind),
        object_id: paging::given(q.object_id),
        since: q.since,
        until: q.until,
    };
    let request = paging::page(q.limit, q.cursor);
    let page = state
        .db()
        .run(move |store| Ok(store.audit_page(&filter, &request, &actor.name)?))
        .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for e in page.items {
        items.push(view(e)?);
    }
    Ok(Json(AuditPage {
        items,
        next_cursor: page.next_cursor,
    }))
}
