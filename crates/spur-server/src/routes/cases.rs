//! `/v1/cases`: an analyst's unit of work, as `spur case` does it: open one
//! from an alert, add alerts, assign, note, move its status, set its
//! disposition, close it. The store checks who may, and audits each change
//! under the token's user.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Actor;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Body, Path, Query};
use crate::routes::alerts::AlertView;
use crate::routes::paging::{self, page_of, CaseStatus, Disposition};
use crate::routes::reports::ReportView;
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_cases, open_case))
        .routes(routes!(get_case))
        .routes(routes!(add_alert))
        .routes(routes!(assign))
        .routes(routes!(add_note))
        .routes(routes!(set_status))
        .routes(routes!(set_disposition))
        .routes(routes!(close_case))
}

#[derive(Serialize, ToSchema)]
pub struct NoteView {
    pub id: i64,
    pub author: String,
    pub at: i64,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub status: CaseStatus,
    pub disposition: Disposition,
    pub assignee: Option<String>,
    /// Set when the case is closed.
    pub close_reason: Option<String>,
    pub opened_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Alert ids, in the order they were added.
    pub alerts: Vec<i64>,
    /// Oldest first.
    pub notes: Vec<NoteView>,
}

impl From<spur_store::Case> for CaseView {
    fn from(c: spur_store::Case) -> Self {
        CaseView {
            id: c.id,
            status: c.status.into(),
            disposition: c.disposition.into(),
            assignee: c.assignee,
            close_reason: c.close_reason,
            opened_by: c.opened_by,
            created_at: c.created_at,
            updated_at: c.updated_at,
            alerts: c.alerts,
            notes: c
                .notes
                .into_iter()
                .map(|n| NoteView {
                    id: n.id,
                    author: n.author,
                    at: n.at,
                    text: n.text,
                })
                .collect(),
        }
    }
}

page_of!(
    /// A page of cases, newest first.
    CasePage,
    CaseView
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Comma-separated: `open`, `investigating`, `escalated`, `closed`, `reported`.
    #[param(
        pattern = r"^(open|investigating|escalated|closed|reported)(,(open|investigating|escalated|closed|reported))*$"
    )]
    pub status: Option<String>,
    /// The user the case is assigned to.
    pub assignee: Option<String>,
    pub disposition: Option<Disposition>,
    /// 1 to 500 items a page; 50 when not given.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

const READ_ERRORS: &str = "a role that may not read, or a disabled user";

/// The cases that pass the filters, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/v1/cases",
    tag = "cases",
    params(CaseQuery),
    responses(
        (status = 200, description = "a page of cases", body = CasePage),
        (status = 400, description = "a parameter that does not read, a limit outside 1 to 500, or a bad cursor", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = READ_ERRORS, body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn list_cases(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<CaseQuery>,
) -> Result<Json<CasePage>, ApiError> {
    let filter = spur_store::CaseFilter {
        statuses: paging::names::<spur_store::CaseStatus>(q.status.as_deref())?,
        assignee: paging::given(q.assignee),
        disposition: q.disposition.map(Into::into),
    };
    let request = paging::page(q.limit, q.cursor);
    let page = state
        .db()
        .run(move |store| Ok(store.case_page(&filter, &request, &actor.name)?))
        .await?;
    Ok(Json(CasePage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A case with its alerts and reports, as the case screen shows it.
#[derive(Serialize, ToSchema)]
pub struct CaseDetailView {
    pub case: CaseView,
    /// In the order they were added.
    pub alerts: Vec<AlertView>,
    /// Oldest first.
    pub reports: Vec<ReportView>,
}

/// One case, with its alerts and reports.
#[utoipa::path(
    get,
    path = "/v1/cases/{id}",
    tag = "cases",
    params(("id" = i64, Path, description = "the case's id")),
    responses(
        (status = 200, description = "the case", body = CaseDetailView),
        (status = 400, description = "the id is not a number", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = READ_ERRORS, body = ErrorBody),
        (status = 404, description = "no such case", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn get_case(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<Json<CaseDetailView>, ApiError> {
    let (case, alerts, reports) = state
        .db()
        .run(move |store| {
            let case = store.case(id, &actor.name)?;
            let mut alerts = Vec::with_capacity(case.alerts.len());
            for a in &case.alerts {
                alerts.push(store.alert(*a, &actor.name)?);
            }
            let reports = store.reports(Some(id), &actor.name)?;
            Ok((case, alerts, reports))
        })
        .await?;
    let mut views = Vec::with_capacity(alerts.len());
    for a in alerts {
        views.push(AlertView::from_stored(a)?);
    }
    Ok(Json(CaseDetailView {
        case: case.into(),
        alerts: views,
        reports: reports.into_iter().map(ReportView::from).collect(),
    }))
}

/// Runs one case change in the store as the token's user.
async fn change(
    state: &AppState,
    f: impl FnOnce(&mut dyn spur_store::Store) -> Result<spur_store::Case, spur_store::StoreError>
        + Send
        + 'static,
) -> Result<Json<CaseView>, ApiError> {
    let case = state.db().run(move |store| Ok(f(store)?)).await?;
    Ok(Json(case.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// The alert the case starts from (in no case yet).
    pub alert: i64,
}

/// Opens a case from an alert (analysts, supervisors).
#[utoipa::path(
    post,
    path = "/v1/cases",
    tag = "cases",
    request_body = NewCase,
    responses(
        (status = 201, description = "opened", body = CaseView),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that does not work cases", body = ErrorBody),
        (status = 404, description = "no such alert", body = ErrorBody),
        (status = 409, description = "the alert is in a case already (`alert_in_case`)", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn open_case(
    State(state): State<AppState>,
    actor: Actor,
    Body(new): Body<NewCase>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    let case = change(&state, move |s| s.open_case(new.alert, &actor.name)).await?;
    Ok((StatusCode::CREATED, case))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddAlert {
    /// An alert in no case yet.
    pub alert: i64,
}

/// Adds an alert to an unclosed case.
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/alerts",
    tag = "cases",
    params(("id" = i64, Path, description = "the case's id")),
    request_body = AddAlert,
    responses(
        (status = 200, description = "the case after", body = CaseView),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that does not work cases", body = ErrorBody),
        (status = 404, description = "no such case or alert", body = ErrorBody),
        (status = 409, description = "the alert is in a case already, or the case is closed", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn add_alert(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Body(b): Body<AddAlert>,
) -> Result<Json<CaseView>, ApiError> {
    change(&state, move |s| s.add_alert(id, b.alert, &actor.name)).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    /// An active analyst or supervisor.
    pub assignee: String,
}

/// Assigns the case to an analyst or supervisor.
#[utoipa::path(
    put,
    path = "/v1/cases/{id}/assignee",
    tag = "cases",
    params(("id" = i64, Path, description = "the case's id")),
    request_body = Assign,
    responses(
        (status = 200, description = "the case after", body = CaseView),
        (status = 400, description = "malformed body, or the user is neither analyst nor supervisor", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that does not work cases, or the assignee is disabled", body = ErrorBody),
        (status = 404, description = "no such case or user", body = ErrorBody),
        (status = 409, description = "the case is closed", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn assign(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Body(b): Body<Assign>,
) -> Result<Json<CaseView>, ApiError> {
    change(&state, move |s| s.assign(id, &b.assignee, &actor.name)).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    #[schema(min_length = 1)]
    pub text: String,
}

/// Adds a note, signed by the token's user.
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/notes",
    tag = "cases",
    params(("id" = i64, Path, description = "the case's id")),
    request_body = NewNote,
    responses(
        (status = 201, description = "the case after", body = CaseView),
        (status = 400, description = "malformed body or an empty note", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that does not work cases", body = ErrorBody),
        (status = 404, description = "no such case", body = ErrorBody),
        (status = 409, description = "the case is closed", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn add_note(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Body(b): Body<NewNote>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    let case = change(&state, move |s| s.note(id, &b.text, &actor.name)).await?;
    Ok((StatusCode::CREATED, case))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStatus {
    /// `investigating` or `escalated` (closing is `POST .../close`,
    /// `reported` comes from filing a report).
    pub status: CaseStatus,
}

/// Moves the case: open → investigating | escalated, investigating ⇄ escalated.
#[utoipa::path(
    put,
    path = "/v1/cases/{id}/status",
    tag = "cases",
    params(("id" = i64, Path, description = "the case's id")),
    request_body = NewStatus,
    responses(
        (status = 200, description = "the case after", body = CaseView),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that does not work cases", body = ErrorBody),
        (status = 404, description = "no such case", body = ErrorBody),
        (status = 409, description = "not a legal move (`illegal_transition`)", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn set_status(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Body(b): Body<NewStatus>,
) -> Result<Json<CaseView>, ApiError> {
    change(&state, move |s| {
        s.set_status(id, b.status.into(), &actor.name)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDisposition {
    pub disposition: Disposition,
}

/// Sets the analysts' conclusion.
#[utoipa::path(
    put,
    path = "/v1/cases/{id}/disposition",
    tag = "cases",
    params(("id" = i64, Path, description = "the case's id")),
    request_body = NewDisposition,
    responses(
        (status = 200, description = "the case after", body = CaseView),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that does not work cases", body = ErrorBody),
        (status = 404, description = "no such case", body = ErrorBody),
        (status = 409, description = "the case is closed", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn set_disposition(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Body(b): Body<NewDisposition>,
) -> Result<Json<CaseView>, ApiError> {
    change(&state, move |s| {
        s.set_disposition(id, b.disposition.into(), &actor.name)
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Close {
    /// Why, for the record (not empty).
    #[schema(min_length = 1)]
    pub reason: String,
}

/// Closes the case for good; it needs a disposition other than `undetermined`.
#[utoipa::path(
    post,
    path = "/v1/cases/{id}/close",
    tag = "cases",
    params(("id" = i64, Path, description = "the case's id")),
    request_body = Close,
    responses(
        (status = 200, description = "the case after", body = CaseView),
        (status = 400, description = "malformed body or an empty reason", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that does not work cases", body = ErrorBody),
        (status = 404, description = "no such case", body = ErrorBody),
        (status = 409, description = "closed already, or no disposition (`no_disposition`)", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn close_case(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Body(b): Body<Close>,
) -> Result<Json<CaseView>, ApiError> {
    change(&state, move |s| s.close(id, &b.reason, &actor.name)).await
}
