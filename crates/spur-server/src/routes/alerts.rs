//! `/v1/alerts`: the alerts an analyst works through, highest score first,
//! filtered and paged by the store; one alert with the payments behind it
//! and the parties it dealt with.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Actor;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::routes::paging::{self, page_of, AlertStatus, PartyRole};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_alerts))
        .routes(routes!(get_alert))
}

/// One finding behind an alert.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct IndicatorView {
    /// The indicator's code, e.g. `P-SHARED` (docs/indicators.md).
    pub code: String,
    /// Its part of the score; the contributions add up to the score.
    pub contribution: f64,
    /// Why, in one line an FIU analyst reads without knowing spur.
    pub reason: String,
    /// The other parties behind a network finding.
    #[serde(default)]
    pub parties: Vec<String>,
}

/// An alert: one party in one role, with its score and why.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AlertView {
    pub id: i64,
    /// The institution's id of the alerted party.
    pub subject: String,
    pub role: PartyRole,
    /// 0 to 1.
    pub score: f64,
    /// ISO 3166 alpha-2.
    pub country: String,
    pub status: AlertStatus,
    /// The case holding it, if any.
    pub case_id: Option<i64>,
    /// Strongest first.
    pub indicators: Vec<IndicatorView>,
    /// Relationship context that weighed the score down, in words.
    pub context: Vec<String>,
    /// The evidence payments, by txn id.
    pub transactions: Vec<String>,
    /// Every payment of the party in this role the engine counted.
    pub payments: u64,
    /// Seconds since 1970-01-01 UTC, as every time in this API.
    pub first_seen: i64,
    pub last_seen: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// When a later scan found the party below the threshold.
    pub cleared_at: Option<i64>,
}

impl AlertView {
    pub(crate) fn from_stored(a: spur_store::StoredAlert) -> Result<AlertView, ApiError> {
        let indicators: Vec<IndicatorView> = serde_json::from_value(a.indicators.clone())
            .map_err(|e| ApiError::internal("corrupt_data", format!("alert {}: {e}", a.id)))?;
        let context = a.body["context"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok(AlertView {
            status: spur_store::AlertStatus::of(&a).into(),
            payments: a.body["payments"].as_u64().unwrap_or(0),
            id: a.id,
            subject: a.subject,
            role: a.role.into(),
            score: a.score,
            country: a.country,
            case_id: a.case_id,
            indicators,
            context,
            transactions: a.transactions,
            first_seen: a.first_seen,
            last_seen: a.last_seen,
            created_at: a.created_at,
            updated_at: a.updated_at,
            cleared_at: a.cleared_at,
        })
    }
}

/// A kept payment (the store keeps the payments some alert cites).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PaymentView {
    pub txn_id: String,
    pub timestamp: i64,
    pub amount: f64,
    /// ISO 4217.
    pub currency: String,
    pub sender_id: String,
    pub sender_name: String,
    pub sender_country: String,
    pub receiver_id: String,
    pub receiver_name: String,
    pub receiver_country: String,
    /// Empty when the input did not say.
    pub channel: String,
    pub message: String,
    /// The hour (0-23) the sender's clock showed, at spur's one UTC offset
    /// per country (the one the night indicators use; 0 offset when the
    /// country is not known to spur).
    pub sender_local_hour: u8,
}

impl From<spur_store::PaymentRecord> for PaymentView {
    fn from(p: spur_store::PaymentRecord) -> Self {
        let offset = spur_engine::Country::parse(p.sender_country.as_bytes())
            .map_or(0, spur_engine::geo::utc_offset);
        PaymentView {
            sender_local_hour: spur_engine::geo::local_hour(p.timestamp, offset),
            txn_id: p.txn_id,
            timestamp: p.timestamp,
            amount: p.amount,
            currency: p.currency,
            sender_id: p.sender_id,
            sender_name: p.sender_name,
            sender_country: p.sender_country,
            receiver_id: p.receiver_id,
            receiver_name: p.receiver_name,
            receiver_country: p.receiver_country,
            channel: p.channel,
            message: p.message,
        }
    }
}

/// A party on the other side of the payments shown.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CounterpartyView {
    pub id: String,
    pub name: String,
    pub country: String,
    pub payments: usize,
    /// Sum per currency (ISO 4217 code → amount).
    pub totals: BTreeMap<String, f64>,
    pub first: i64,
    pub last: i64,
}

impl From<spur_store::Counterparty> for CounterpartyView {
    fn from(c: spur_store::Counterparty) -> Self {
        CounterpartyView {
            id: c.id,
            name: c.name,
            country: c.country,
            payments: c.payments,
            totals: c.totals,
            first: c.first,
            last: c.last,
        }
    }
}

page_of!(
    /// A page of alerts, highest score first.
    AlertPage,
    AlertView
);

/// Which alerts: every filter given must hold.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    pub role: Option<PartyRole>,
    /// At least this score.
    pub min_score: Option<f64>,
    /// An indicator code behind the alert (case-insensitive), e.g. `P-SHARED`.
    pub indicator: Option<String>,
    /// The party's country, ISO 3166 alpha-2 (case-insensitive).
    pub country: Option<String>,
    /// Comma-separated: `new`, `in_case`, `cleared`; none given: `new,in_case`.
    #[param(pattern = r"^(new|in_case|cleared)(,(new|in_case|cleared))*$")]
    pub status: Option<String>,
    /// The user the alert's case is assigned to.
    pub assignee: Option<String>,
    /// The alerted party's id.
    pub subject: Option<String>,
    /// 1 to 500 items a page; 50 when not given.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// The alerts that pass the filters, highest score first, a page at a time.
#[utoipa::path(
    get,
    path = "/v1/alerts",
    tag = "alerts",
    params(AlertQuery),
    responses(
        (status = 200, description = "a page of alerts", body = AlertPage),
        (status = 400, description = "a parameter that does not read, a limit outside 1 to 500, or a cursor this list did not give out (`bad_cursor`)", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that may not read, or a disabled user", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn list_alerts(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<AlertQuery>,
) -> Result<Json<AlertPage>, ApiError> {
    let filter = spur_store::AlertFilter {
        role: q.role.map(Into::into),
        min_score: q.min_score,
        indicator: paging::given(q.indicator),
        country: paging::given(q.country),
        statuses: paging::names::<spur_store::AlertStatus>(q.status.as_deref())?,
        assignee: paging::given(q.assignee),
        subject: paging::given(q.subject),
    };
    let request = paging::page(q.limit, q.cursor);
    let page = state
        .db()
        .run(move |store| Ok(store.alert_page(&filter, &request, &actor.name)?))
        .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for a in page.items {
        items.push(AlertView::from_stored(a)?);
    }
    Ok(Json(AlertPage {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// An alert with what stands behind it.
#[derive(Serialize, ToSchema)]
pub struct AlertDetailView {
    pub alert: AlertView,
    /// The evidence payments the store holds, in time order.
    pub payments: Vec<PaymentView>,
    /// Evidence txn ids whose details the store does not hold.
    pub missing: Vec<String>,
    /// The other sides of the evidence payments, most payments first.
    pub counterparties: Vec<CounterpartyView>,
}

/// One alert, its evidence payments and its counterparties.
#[utoipa::path(
    get,
    path = "/v1/alerts/{id}",
    tag = "alerts",
    params(("id" = i64, Path, description = "the alert's id")),
    responses(
        (status = 200, description = "the alert", body = AlertDetailView),
        (status = 400, description = "the id is not a number", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that may not read, or a disabled user", body = ErrorBody),
        (status = 404, description = "no such alert", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn get_alert(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<Json<AlertDetailView>, ApiError> {
    let d = state
        .db()
        .run(move |store| Ok(spur_store::alert_detail(store, id, &actor.name)?))
        .await?;
    Ok(Json(AlertDetailView {
        alert: AlertView::from_stored(d.alert)?,
        payments: d.payments.into_iter().map(Into::into).collect(),
        missing: d.missing,
        counterparties: d.counterparties.into_iter().map(Into::into).collect(),
    }))
}
