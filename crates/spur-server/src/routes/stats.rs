//! `/v1/stats`: the workbench dashboard's figures (`spur_app::stats`):
//! payments per day, top corridors, amounts against a show's published
//! price, alerts per day and the funnel to filed reports. The payment log
//! is counted once: the server keeps the tally and reads only what was
//! logged since.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use spur_app::stats;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Actor;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_stats))
}

#[derive(Serialize, ToSchema)]
pub struct DayCountView {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub count: u64,
    /// The payments' sum in USD at spur's rates (0 for alerts).
    pub usd: f64,
}

#[derive(Serialize, ToSchema)]
pub struct CorridorView {
    /// ISO 3166 alpha-2 of the senders; `*` for all other corridors summed.
    pub from: String,
    pub to: String,
    pub payments: u64,
    pub usd: f64,
}

#[derive(Serialize, ToSchema)]
pub struct AmountBucketView {
    /// USD, inclusive.
    pub from_usd: f64,
    /// USD, exclusive; `null` for the open last bucket.
    pub to_usd: Option<f64>,
    pub payments: u64,
}

#[derive(Serialize, ToSchema)]
pub struct FunnelView {
    /// Every stored alert, cleared ones included.
    pub alerts: u64,
    pub alerts_in_cases: u64,
    pub cases: u64,
    pub reports_filed: u64,
    /// From the first alert of a filed report's case to the filing, hours.
    pub median_hours_to_report: Option<f64>,
    /// Filed within `report_within_days` of their first alert.
    pub filed_within_deadline: u64,
}

#[derive(Serialize, ToSchema)]
pub struct StatsView {
    /// Every accepted payment in the log.
    pub payments: u64,
    pub payments_by_day: Vec<DayCountView>,
    /// Most payments first; then `*`, the others summed.
    pub corridors: Vec<CorridorView>,
    pub amounts: Vec<AmountBucketView>,
    /// Payments in a currency without a rate: counted, in no bucket.
    pub unconverted: u64,
    /// A show's published price, USD: [from, to] (the domain brief: IJM on the AP report).
    pub show_price_usd: [f64; 2],
    /// By the day they were raised.
    pub alerts_by_day: Vec<DayCountView>,
    pub funnel: FunnelView,
    /// Days the law allows from suspicion to report (RA 11930, to the AMLC).
    pub report_within_days: f64,
}

fn days(v: Vec<stats::DayCount>) -> Vec<DayCountView> {
    v.into_iter()
        .map(|d| DayCountView {
            day: d.day,
            count: d.count,
            usd: d.usd,
        })
        .collect()
}

impl From<stats::Dashboard> for StatsView {
    fn from(d: stats::Dashboard) -> Self {
        StatsView {
            payments: d.payments,
            payments_by_day: days(d.payments_by_day),
            corridors: d
                .corridors
                .into_iter()
                .map(|c| CorridorView {
                    from: c.from,
                    to: c.to,
                    payments: c.payments,
                    usd: c.usd,
                })
                .collect(),
            amounts: d
                .amounts
                .into_iter()
                .map(|b| AmountBucketView {
                    from_usd: b.from_usd,
                    to_usd: b.to_usd,
                    payments: b.payments,
                })
                .collect(),
            unconverted: d.unconverted,
            show_price_usd: [d.show_price_usd.0, d.show_price_usd.1],
            alerts_by_day: days(d.alerts_by_day),
            funnel: FunnelView {
                alerts: d.funnel.alerts,
                alerts_in_cases: d.funnel.alerts_in_cases,
                cases: d.funnel.cases,
                reports_filed: d.funnel.reports_filed,
                median_hours_to_report: d.funnel.median_hours_to_report,
                filed_within_deadline: d.funnel.filed_within_deadline,
            },
            report_within_days: d.report_within_days,
        }
    }
}

/// The dashboard's figures (every role that reads alerts).
#[utoipa::path(
    get,
    path = "/v1/stats",
    tag = "stats",
    responses(
        (status = 200, description = "the figures", body = StatsView),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "a role that may not read, or a disabled user", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn get_stats(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<StatsView>, ApiError> {
    let rates = state
        .reporting()
        .engine
        .rates
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect::<Vec<_>>();
    let rates =
        spur_engine::money::Rates::new(rates).map_err(|e| ApiError::internal("bad_rates", e))?;
    let tally = state.tally();
    let d = state
        .db()
        .run(move |store| {
            // One request counts at a time; the next reads only what came since.
            let mut tally = tally.lock().unwrap_or_else(|p| p.into_inner());
            Ok(stats::dashboard(store, &actor.name, &mut tally, &rates)?)
        })
        .await?;
    Ok(Json(d.into()))
}
