//! `/v1/match/runs`: `spur match` answered for another installation, a user
//! of the `peer` role and only that (the store checks it). A run is two
//! requests: the start (the peer's blinded items; back: them blinded again
//! and ours blinded) and the finish (the peer's answer to ours and its
//! evidence about matched items; back: how many matched and our evidence
//! about them). Between the two the run waits in memory, at most
//! [`WAIT`]; a peer may start `match_runs_per_hour` runs an hour (429) of
//! at most `match_items` items (413). Both are audited (`match.serve`,
//! `match.finish`). See docs/matching.md.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use spur_app::matching::protocol::{serve_finish, serve_start};
use spur_app::matching::{wire, LOWER_SCORE};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Actor;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Body, Path};
use crate::state::AppState;

/// How long a started run waits for its finish.
pub(crate) const WAIT: Duration = Duration::from_secs(600);
/// Runs (or censuses) waiting at once; the oldest goes when one more starts.
const WAITING: usize = 64;

/// Keeps a started run (or census) `id` waiting for its next request: those
/// older than [`WAIT`] go, and the oldest when [`WAITING`] already wait.
pub(crate) fn keep_waiting<T>(waiting: &Mutex<HashMap<i64, (Instant, T)>>, id: i64, pending: T) {
    let mut map = waiting.lock().unwrap_or_else(|p| p.into_inner());
    map.retain(|_, (at, _)| at.elapsed() < WAIT);
    if map.len() >= WAITING {
        if let Some(oldest) = map.iter().min_by_key(|(_, (at, _))| *at).map(|(k, _)| *k) {
            map.remove(&oldest);
        }
    }
    map.insert(id, (Instant::now(), pending));
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_run))
        .routes(routes!(finish_run))
}

/// The peer's blinded items (`spur_app::matching::wire::StartRequest`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    /// `same-side` (receivers by account id) or `cross-border` (payments by reference).
    pub mode: String,
    /// ristretto255 elements, 64 lowercase hex digits each.
    pub items: Vec<String>,
    /// Cross-border: payments by their facts (amount, currency, day) too;
    /// we offer ours likewise.
    #[serde(default)]
    pub facts: bool,
}

#[derive(Serialize, ToSchema)]
pub struct StartedRun {
    pub run: i64,
    /// The peer's items blinded again with our secret, in the order sent.
    pub answer: Vec<String>,
    /// Our items, blinded with our secret, sorted by their bytes.
    pub offer: Vec<String>,
}

/// Evidence about one party of a matched item: a score band and counts.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchEvidence {
    /// The item's position in the server's offer.
    pub at: usize,
    /// `sender` or `receiver`.
    pub role: String,
    /// The lower end of the party's score band: 0.2, 0.5 or 0.8.
    pub band: f64,
    pub parties: u32,
    pub payments: u32,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishRun {
    /// Our offer blinded again by the peer, in the order sent.
    pub answer: Vec<String>,
    /// About matched items only.
    pub evidence: Vec<MatchEvidence>,
    /// The peer's alerted parties in the matched role (a count).
    pub alerted: u64,
    /// Same side: the peer's alerted senders (customers), a count; 0 when
    /// left out.
    #[serde(default)]
    pub alerted_senders: u64,
}

#[derive(Serialize, ToSchema)]
pub struct FinishedRun {
    pub matched: u64,
    pub evidence: Vec<MatchEvidence>,
    pub alerted: u64,
    /// Same side: our alerted senders (customers), a count.
    pub alerted_senders: u64,
}

fn to_wire(e: MatchEvidence) -> wire::Evidence {
    wire::Evidence {
        at: e.at,
        role: e.role,
        band: e.band,
        parties: e.parties,
        payments: e.payments,
    }
}

fn from_wire(e: wire::Evidence) -> MatchEvidence {
    MatchEvidence {
        at: e.at,
        role: e.role,
        band: e.band,
        parties: e.parties,
        payments: e.payments,
    }
}

/// Starts a match run (peers only).
#[utoipa::path(
    post,
    path = "/v1/match/runs",
    tag = "match",
    request_body = StartRun,
    responses(
        (status = 201, description = "started: finish it within 10 minutes", body = StartedRun),
        (status = 400, description = "malformed body, an unknown mode or an element that is not one", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not a peer, or a disabled user", body = ErrorBody),
        (status = 413, description = "more items than a run takes, or a body too large", body = ErrorBody),
        (status = 429, description = "too many runs this hour: try again after Retry-After", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn start_run(
    State(state): State<AppState>,
    actor: Actor,
    Body(start): Body<StartRun>,
) -> Result<(StatusCode, Json<StartedRun>), ApiError> {
    let cfg = state.engine().clone();
    let (max_items, per_hour) = (
        state.limits().match_items,
        state.limits().match_runs_per_hour,
    );
    let runs = state.runs();
    let answer = state
        .db()
        .run(move |store| {
            let req = wire::StartRequest {
                mode: start.mode,
                items: start.items,
                facts: start.facts,
            };
            let (answer, pending) = serve_start(
                store,
                &cfg,
                &actor.name,
                &req,
                max_items,
                per_hour,
                LOWER_SCORE,
            )?;
            keep_waiting(&runs, answer.run, pending);
            tracing::info!(
                run = answer.run,
                offered = answer.offer.len(),
                "match run started"
            );
            Ok(answer)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(StartedRun {
            run: answer.run,
            answer: answer.answer,
            offer: answer.offer,
        }),
    ))
}

/// Finishes a match run: evidence for matched items only, both ways (peers only).
#[utoipa::path(
    post,
    path = "/v1/match/runs/{id}/finish",
    tag = "match",
    params(("id" = i64, Path, description = "the run's id, from its start")),
    request_body = FinishRun,
    responses(
        (status = 200, description = "finished", body = FinishedRun),
        (status = 400, description = "malformed body, a bad element, or evidence about an item that did not match", body = ErrorBody),
        (status = 401, description = "missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "not a peer, or a disabled user", body = ErrorBody),
        (status = 404, description = "no run of this peer waits under this id (unknown, finished or expired)", body = ErrorBody),
        (status = 413, description = "body too large", body = ErrorBody),
        (status = 503, description = "overloaded: try again after Retry-After", body = ErrorBody),
    )
)]
async fn finish_run(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Body(finish): Body<FinishRun>,
) -> Result<Json<FinishedRun>, ApiError> {
    let runs = state.runs();
    let done = state
        .db()
        .run(move |store| {
            store.authorize_peer(&actor.name)?;
            let pending = {
                let mut runs = runs.lock().unwrap_or_else(|p| p.into_inner());
                match runs.get(&id) {
                    Some((at, p)) if p.peer == actor.name && at.elapsed() < WAIT => {
                        runs.remove(&id).map(|(_, p)| p)
                    }
                    _ => None,
                }
            };
            let Some(pending) = pending else {
                return Err(ApiError::not_found(format!(
                    "no match run {id} of yours waits for its finish (unknown, finished, or older than {} minutes)",
                    WAIT.as_secs() / 60
                )));
            };
            let req = wire::FinishRequest {
                answer: finish.answer,
                evidence: finish.evidence.into_iter().map(to_wire).collect(),
                alerted: finish.alerted,
                alerted_senders: finish.alerted_senders,
            };
            let done = serve_finish(store, &actor.name, pending, &req)?;
            tracing::info!(run = id, matched = done.matched, "match run finished");
            Ok(done)
        })
        .await?;
    Ok(Json(FinishedRun {
        matched: done.matched,
        evidence: done.evidence.into_iter().map(from_wire).collect(),
        alerted: done.alerted,
        alerted_senders: done.alerted_senders,
    }))
}
