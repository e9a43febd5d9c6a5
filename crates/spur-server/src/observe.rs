//! One log line and one metrics sample per request: route template, method,
//! status and latency only. Never the path itself (it may hold a party id),
//! a query, a header or a body.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

pub(crate) async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let response = next.run(req).await;
    let took = start.elapsed();
    let status = response.status().as_u16();
    state.metrics().request(&route, &method, status, took);
    tracing::info!(
        route = route.as_str(),
        method = method.as_str(),
        status,
        latency_us = took.as_micros() as u64,
        "request"
    );
    response
}
