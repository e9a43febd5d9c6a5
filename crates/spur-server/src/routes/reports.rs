//! `/v1/reports`: goAML reports, as `spur report` does them: draft from a
//! case, redraft, approve (a supervisor who wrote none of it), file, and
//! download the XML. Drafting is spur-app's (`spur_app::reports`), the same
//! code as the CLI's; the store checks who may and audits each step.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Actor;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Body, Path, Query};
use crate::routes::paging::{self, page_of, ReportStatus};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_reports, draft_report))
        .routes(routes!(get_report))
        .routes(routes!(redraft_report))
        .routes(routes!(approve_report))
        .routes(routes!(file_report))
        .routes(routes!(report_xml))
}

/// A report without its XML (`GET /v1/reports/{id}/xml` has it).
#[derive(Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub case_id: i64,
    /// The FIU profile the XML was written for (`ae`, `generic`).
    pub profile: String,
    /// Who drafted it.
    pub author: String,
    /// Everyone who drafted or redrafted it: none of them may approve it.
    pub authors: Vec<String>,
    /// The goAML `entity_reference`, unique among all reports.
    pub entity_reference: Option<String>,
    /// The filed report this one corrects.
    pub corrects: Option<i64>,
    /// The FIU's reference of the corrected report.
    pub fiu_ref_number: Option<String>,
    /// The analyst's words on why.
    pub reason: String,
    /// What the institution did.
    pub action: String,
    /// Whether every kept payment of the alerted parties is in it.
    pub all_evidence: bool,
    pub status: ReportStatus,
    pub approved_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub approved_at: Option<i64>,
    pub filed_at: Option<i64>,
    /// The XML's length in bytes.
    pub xml_bytes: usize,
}

impl From<spur_store::Report> for ReportView {
    fn from(r: spur_store::Report) -> Self {
        ReportView {
            xml_bytes: r.xml.len(),
            id: r.id,
            case_id: r.case_id,
            profile: r.profile,
            author: r.author,
            authors: r.authors,
            entity_reference: r.entity_reference,
            corrects: r.corrects,
            fiu_ref_number: r.fiu_ref_number,
            reason: r.reason,
            action: r.action,
            all_evidence: r.all_evidence,
            status: r.status.into(),
            approved_by: r.approved_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            approved_at: r.approved_at,
            filed_at: r.filed_at,
        }
    }
}

page_of!(
    /// A page of reports, newest first.
    ReportPage,
    ReportView
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The case's reports only.
    pub case: Option<i64>,
    /// Comma-separated: `draft`, `approved`, `filed`.
    #[param(pattern = r"^(draft|approved|filed)(,(draft|approved|filed))*$")]
    pub status: Option<String>,
    /// 1 to 500 items a page; 50 when not given.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// The reports that pass the filters, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/v1/reports",
    tag = "reports",
    params(ReportQuery),
    responses(
        (status = 200, description = "a page of reports", body = ReportPage),
        (status = 400, description = "a parameter that does not read, a limit outside 1 to 500, or a bad cursor", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that may not read, or a disabled user", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn list_reports(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<ReportQuery>,
) -> Result<Json<ReportPage>, ApiError> {
    let filter = spur_store::ReportFilter {
        case_id: q.case,
        statuses: paging::names::<spur_store::ReportStatus>(q.status.as_deref())?,
    };
    let request = paging::page(q.limit, q.cursor);
    let page = state
        .db()
        .run(move |store| Ok(store.report_page(&filter, &request, &actor.name)?))
        .await?;
    Ok(Json(ReportPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One report, without its XML.
#[utoipa::path(
    get,
    path = "/v1/reports/{id}",
    tag = "reports",
    params(("id" = i64, Path, description = "the report's id")),
    responses(
        (status = 200, description = "the report", body = ReportView),
        (status = 400, description = "the id is not a number", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that may not read, or a disabled user", body = ErrorBody),
        (status = 404, description = "no such report", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn get_report(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<Json<ReportView>, ApiError> {
    let r = state
        .db()
        .run(move |store| Ok(store.report(id, &actor.name)?))
        .await?;
    Ok(Json(r.into()))
}

/// A report just written, and what its author should know about it.
#[derive(Serialize, ToSchema)]
pub struct DraftedView {
    pub report: ReportView,
    /// Amounts converted at spur's reference rates, payments left out, ...
    pub warnings: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// The case to report.
    pub case: i64,
    /// A shipped FIU profile: `ae` (goAML 5.0.2 with CSAM1) or `generic`.
    #[schema(example = "ae", pattern = r"^(ae|generic)$")]
    pub fiu: String,
    /// The analyst's words on why the activity is suspicious.
    pub reason: Option<String>,
    /// What the institution did.
    pub action: Option<String>,
    /// Every kept payment of the alerted parties, not only their alerts'
    /// evidence (default false).
    pub all_evidence: Option<bool>,
    /// On a case with a filed report: the latest filed report this corrects.
    pub corrects: Option<i64>,
    /// The FIU's reference of the corrected report, from its acknowledgement.
    pub fiu_ref: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Redraft {
    /// Another shipped FIU profile; the report's own when not given.
    #[schema(pattern = r"^(ae|generic)$")]
    pub fiu: Option<String>,
    /// New words on why; the report's kept when not given.
    pub reason: Option<String>,
    pub action: Option<String>,
    pub all_evidence: Option<bool>,
}

/// Over HTTP only the shipped profiles: `spur_app::reports::profile` also
/// reads a profile file by path, which a client must not make the server open.
fn shipped(fiu: &str) -> Result<(), ApiError> {
    spur_report::FiuProfile::shipped(fiu)
        .map(|_| ())
        .map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                format!(
                    "unknown FIU profile {fiu:?}: give {}",
                    spur_report::FiuProfile::shipped_names()
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            )
        })
}

/// The reporting entity drafting needs: the server's configuration, not
/// the request's, so its absence is said as such.
fn reporting(state: &AppState) -> Result<crate::config::Reporting, ApiError> {
    let r = state.reporting();
    if r.entity.is_none() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "spur serve was started without a reporting entity file (--entity FILE or \
             SPUR_ENTITY): reports cannot be drafted until it is",
        ));
    }
    Ok(r.clone())
}

/// Drafts a report from a case (analysts, supervisors); the XML is
/// validated against the profile's XSD before the store keeps it.
#[utoipa::path(
    post,
    path = "/v1/reports",
    tag = "reports",
    request_body = NewReport,
    responses(
        (status = 201, description = "drafted", body = DraftedView),
        (status = 400, description = "malformed body, an unknown profile, or XML that does not validate", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that does not draft reports", body = ErrorBody),
        (status = 404, description = "no such case", body = ErrorBody),
        (status = 409, description = "the case is closed, has an open report (`open_report`), or needs a correction (`correction_required`)", body = ErrorBody),
        (status = 503, description = "overloaded (try again after Retry-After), or no reporting entity configured (`not_configured`)", body = ErrorBody),
    )
)]
async fn draft_report(
    State(state): State<AppState>,
    actor: Actor,
    Body(new): Body<NewReport>,
) -> Result<(StatusCode, Json<DraftedView>), ApiError> {
    shipped(&new.fiu)?;
    let reporting = reporting(&state)?;
    let drafted = state
        .db()
        .run(move |store| {
            let opts = spur_app::reports::DraftOptions {
                case_id: new.case,
                fiu: &new.fiu,
                entity: reporting.entity.as_deref(),
                reason: new.reason.as_deref(),
                action: new.action.as_deref(),
                all_evidence: new.all_evidence,
                out: None,
                now: spur_app::scan::system_now(),
            };
            let corrects = new.corrects.map(|report_id| spur_store::Correction {
                report_id,
                fiu_ref_number: new.fiu_ref.as_deref(),
            });
            Ok(spur_app::reports::draft(
                store,
                &opts,
                corrects,
                &reporting.engine,
                &actor.name,
            )?)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(DraftedView {
            report: drafted.report.into(),
            warnings: drafted.warnings,
        }),
    ))
}

/// Writes a draft again from the case as it is now; the token's user
/// becomes one of its authors (and may then not approve it).
#[utoipa::path(
    post,
    path = "/v1/reports/{id}/redraft",
    tag = "reports",
    params(("id" = i64, Path, description = "the report's id")),
    request_body = Redraft,
    responses(
        (status = 200, description = "redrafted", body = DraftedView),
        (status = 400, description = "malformed body, an unknown profile, or XML that does not validate", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that does not draft reports", body = ErrorBody),
        (status = 404, description = "no such report", body = ErrorBody),
        (status = 409, description = "approved or filed already, or its case is closed", body = ErrorBody),
        (status = 503, description = "overloaded (try again after Retry-After), or no reporting entity configured (`not_configured`)", body = ErrorBody),
    )
)]
async fn redraft_report(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Body(b): Body<Redraft>,
) -> Result<Json<DraftedView>, ApiError> {
    if let Some(fiu) = &b.fiu {
        shipped(fiu)?;
    }
    let reporting = reporting(&state)?;
    let drafted = state
        .db()
        .run(move |store| {
            let opts = spur_app::reports::DraftOptions {
                // The report's own case; redraft reads it from the report.
                case_id: 0,
                fiu: b.fiu.as_deref().unwrap_or_default(),
                entity: reporting.entity.as_deref(),
                reason: b.reason.as_deref(),
                action: b.action.as_deref(),
                all_evidence: b.all_evidence,
                out: None,
                now: spur_app::scan::system_now(),
            };
            Ok(spur_app::reports::redraft(
                store,
                id,
                &opts,
                &reporting.engine,
                &actor.name,
            )?)
        })
        .await?;
    Ok(Json(DraftedView {
        report: drafted.report.into(),
        warnings: drafted.warnings,
    }))
}

/// Approves a draft: a supervisor who is none of its authors (four eyes).
#[utoipa::path(
    post,
    path = "/v1/reports/{id}/approve",
    tag = "reports",
    params(("id" = i64, Path, description = "the report's id")),
    responses(
        (status = 200, description = "approved", body = ReportView),
        (status = 400, description = "the id is not a number", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not a supervisor, or an author of it (`self_approval`)", body = ErrorBody),
        (status = 404, description = "no such report", body = ErrorBody),
        (status = 409, description = "not a draft, or its case is closed", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn approve_report(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<Json<ReportView>, ApiError> {
    let r = state
        .db()
        .run(move |store| Ok(store.approve_report(id, &actor.name)?))
        .await?;
    Ok(Json(r.into()))
}

/// Files an approved report; its case becomes `reported` and the report
/// never changes again. The XML to send is `GET /v1/reports/{id}/xml`.
#[utoipa::path(
    post,
    path = "/v1/reports/{id}/file",
    tag = "reports",
    params(("id" = i64, Path, description = "the report's id")),
    responses(
        (status = 200, description = "filed", body = ReportView),
        (status = 400, description = "the id is not a number", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that does not file reports", body = ErrorBody),
        (status = 404, description = "no such report", body = ErrorBody),
        (status = 409, description = "not approved, filed already, or its case is closed", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn file_report(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<Json<ReportView>, ApiError> {
    let r = state
        .db()
        .run(move |store| {
            Ok(spur_app::reports::file(
                store,
                id,
                None,
                false,
                &actor.name,
            )?)
        })
        .await?;
    Ok(Json(r.into()))
}

/// The report's goAML XML as stored, to send to the FIU (or to review).
#[utoipa::path(
    get,
    path = "/v1/reports/{id}/xml",
    tag = "reports",
    params(("id" = i64, Path, description = "the report's id")),
    responses(
        (status = 200, description = "the XML, as an attachment", body = String, content_type = "application/xml"),
        (status = 400, description = "the id is not a number", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that may not read, or a disabled user", body = ErrorBody),
        (status = 404, description = "no such report", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn report_xml(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let r = state
        .db()
        .run(move |store| Ok(store.report(id, &actor.name)?))
        .await?;
    // The reference is digits and `-cN` only; the name needs no quoting beyond this.
    let reference = r
        .entity_reference
        .clone()
        .unwrap_or_else(|| r.case_id.to_string());
    let name: String = format!("STR-{reference}.xml")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .collect();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/xml; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        r.xml,
    )
        .into_response())
}
