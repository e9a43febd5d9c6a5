//! `/v1/census`: `spur census` answered for another installation, a user of
//! the `peer` role and only that. A census is three kinds of request: the
//! start (our lists blinded with a fresh secret), `lists − 1` blinding
//! requests (the other lists, blinded again and sorted) and the finish (the
//! capture histories the hub counted, checked against our lists' sizes and
//! kept in the audit log, `census.finish`). Between them it waits in memory
//! at most [`WAIT`]. A census counts as a match run toward the peer's
//! hourly limit (429). See docs/matching.md, "Three or more lists".

use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use spur_app::matching::census::{
    serve_blind, serve_finish, serve_start, Blinded, FinishCensus, PendingCensus, StartCensus,
};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::matching::{keep_waiting, WAIT};
use crate::auth::Actor;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Body, Path};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_census))
        .routes(routes!(blind_lists))
        .routes(routes!(finish_census))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CensusStart {
    /// How many lists the census has, the caller's included: 2 to 5.
    pub lists: usize,
}

#[derive(Serialize, ToSchema)]
pub struct CensusStartedBody {
    pub census: i64,
    /// Our receivers scored 0.5 or more, by account id, blinded and sorted.
    pub receivers: Vec<String>,
    /// Our suspected customers, by account id, blinded and sorted.
    pub customers: Vec<String>,
}

/// Values to blind, or blinded: ristretto255 elements, 64 lowercase hex digits each.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CensusValues {
    pub receivers: Vec<String>,
    pub customers: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CensusFinish {
    /// Which list (from 1, the caller's) is ours.
    pub list: usize,
    /// Receivers by capture history: entry h − 1 counts those on exactly
    /// the lists of h (bit 1 << i for list i + 1).
    pub receivers: Vec<u64>,
    /// Customers by capture history, likewise.
    pub customers: Vec<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct CensusFinished {
    pub census: i64,
    /// Distinct parties on any list, both roles.
    pub seen: i64,
}

fn take(state: &AppState, id: i64, peer: &str) -> Result<(Instant, PendingCensus), ApiError> {
    let censuses = state.censuses();
    let mut map = censuses.lock().unwrap_or_else(|p| p.into_inner());
    match map.get(&id) {
        Some((at, p)) if p.peer == peer && at.elapsed() < WAIT => {
            Ok(map.remove(&id).expect("just seen"))
        }
        _ => Err(ApiError::not_found(format!(
            "no census {id} of yours waits (unknown, finished, or older than {} minutes)",
            WAIT.as_secs() / 60
        ))),
    }
}

/// Starts a census: our lists blinded (peers only).
#[utoipa::path(
    post,
    path = "/v1/census",
    tag = "match",
    request_body = CensusStart,
    responses(
        (status = 201, description = "started: blind the other lists and finish within 10 minutes", body = CensusStartedBody),
        (status = 400, description = "malformed body, or fewer than 2 or more than 5 lists", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not a peer, or a disabled user", body = ErrorBody),
        (status = 413, description = "body too large", body = ErrorBody),
        (status = 429, description = "too many match runs this hour: try again after Retry-After", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn start_census(
    State(state): State<AppState>,
    actor: Actor,
    Body(start): Body<CensusStart>,
) -> Result<(StatusCode, Json<CensusStartedBody>), ApiError> {
    let cfg = state.engine().clone();
    let per_hour = state.limits().match_runs_per_hour;
    let censuses = state.censuses();
    let started = state
        .db()
        .run(move |store| {
            let req = StartCensus { lists: start.lists };
            let (answer, pending) = serve_start(store, &cfg, &actor.name, &req, per_hour)?;
            keep_waiting(&censuses, answer.census, pending);
            tracing::info!(census = answer.census, lists = req.lists, "census started");
            Ok(answer)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CensusStartedBody {
            census: started.census,
            receivers: started.receivers,
            customers: started.customers,
        }),
    ))
}

/// Blinds another list of a census again with our secret, sorted (peers only).
#[utoipa::path(
    post,
    path = "/v1/census/{id}/blind",
    tag = "match",
    params(("id" = i64, Path, description = "the census's id, from its start")),
    request_body = CensusValues,
    responses(
        (status = 200, description = "blinded, sorted by their bytes", body = CensusValues),
        (status = 400, description = "malformed body, a value that is no element, or more blinding requests than the census has other lists", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not a peer, or a disabled user", body = ErrorBody),
        (status = 404, description = "no census of this peer waits under this id", body = ErrorBody),
        (status = 413, description = "more values than a run takes, or a body too large", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn blind_lists(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Body(values): Body<CensusValues>,
) -> Result<Json<CensusValues>, ApiError> {
    let max_items = state.limits().match_items;
    let st = state.clone();
    let answer = state
        .db()
        .run(move |store| {
            store.authorize_peer(&actor.name)?;
            let (at, mut pending) = take(&st, id, &actor.name)?;
            let req = Blinded {
                receivers: values.receivers,
                customers: values.customers,
            };
            let answer = serve_blind(&mut pending, &req, max_items);
            // A refused request leaves the census as it was.
            st.censuses()
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id, (at, pending));
            Ok(answer?)
        })
        .await?;
    Ok(Json(CensusValues {
        receivers: answer.receivers,
        customers: answer.customers,
    }))
}

/// Finishes a census with the capture histories counted (peers only).
#[utoipa::path(
    post,
    path = "/v1/census/{id}/finish",
    tag = "match",
    params(("id" = i64, Path, description = "the census's id, from its start")),
    request_body = CensusFinish,
    responses(
        (status = 200, description = "finished: the histories kept in the audit log", body = CensusFinished),
        (status = 400, description = "malformed body, histories of another shape or that do not hold our lists' sizes, or lists not yet blinded by us", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not a peer, or a disabled user", body = ErrorBody),
        (status = 404, description = "no census of this peer waits under this id", body = ErrorBody),
        (status = 413, description = "body too large", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn finish_census(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Body(finish): Body<CensusFinish>,
) -> Result<Json<CensusFinished>, ApiError> {
    let st = state.clone();
    let run = state
        .db()
        .run(move |store| {
            store.authorize_peer(&actor.name)?;
            let (at, pending) = take(&st, id, &actor.name)?;
            let req = FinishCensus {
                list: finish.list,
                receivers: finish.receivers,
                customers: finish.customers,
            };
            // The checks come before anything is kept: a refused finish
            // leaves the census waiting, to be finished right.
            match serve_finish(store, &actor.name, &pending, &req) {
                Ok(run) => {
                    tracing::info!(census = id, "census finished");
                    Ok(run)
                }
                Err(e) => {
                    st.censuses()
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(id, (at, pending));
                    Err(e.into())
                }
            }
        })
        .await?;
    Ok(Json(CensusFinished {
        census: run.id,
        seen: run.matched.unwrap_or(0),
    }))
}
