//! `/healthz`, `/readyz`, `/metrics`, `/openapi.json`: for load balancers,
//! orchestrators, Prometheus and client generators; no token needed, and no
//! data in them beyond counts.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// The store is open and the ingest service's state is loaded and settled.
    pub ready: bool,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
        .routes(routes!(openapi))
}

/// The process is up and answering.
#[utoipa::path(get, path = "/healthz", tag = "system", security(()),
    responses((status = 200, description = "alive", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Ready to take traffic: the state is loaded and settled.
#[utoipa::path(get, path = "/readyz", tag = "system", security(()),
    responses(
        (status = 200, description = "ready", body = Readiness),
        (status = 503, description = "starting, or stopping", body = ErrorBody),
    ))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Readiness>, ApiError> {
    if state.is_ready() {
        Ok(Json(Readiness { ready: true }))
    } else {
        Err(ApiError::unavailable(
            "not ready: loading or settling the state, or stopping",
        ))
    }
}

/// Counters and histograms in the Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "system", security(()),
    responses((status = 200, description = "Prometheus text exposition format 0.0.4",
        body = String, content_type = "text/plain")))]
async fn metrics(State(state): State<AppState>) -> Response {
    let mut text = state.metrics().render();
    let limiter = state.limiter();
    for (name, help, value) in [
        (
            "spur_requests_in_flight",
            "Requests to /v1 being handled now.",
            limiter.in_flight(),
        ),
        (
            "spur_requests_waiting",
            "Requests to /v1 waiting for a place now.",
            limiter.waiting(),
        ),
    ] {
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
        ));
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// This document: every route, generated from the handlers and their types.
#[utoipa::path(get, path = "/openapi.json", tag = "system", security(()),
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json")))]
async fn openapi(State(state): State<AppState>) -> Response {
    match state.openapi() {
        Some(doc) => ([(header::CONTENT_TYPE, "application/json")], doc.to_owned()).into_response(),
        None => ApiError::unavailable("the document is not built yet").into_response(),
    }
}
