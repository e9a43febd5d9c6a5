//! The routes, one file per resource. A file exposes
//! `pub(crate) fn router() -> OpenApiRouter<AppState>` built with
//! utoipa-axum's `routes!(handler, ...)` (each handler annotated with
//! `#[utoipa::path]`), and is merged below: into [`public`] if it needs no
//! token, into [`authenticated`] otherwise. The workbench's files
//! ([`ui`]) are no API: merged beside the document's routes, in lib.rs.

pub(crate) mod alerts;
pub(crate) mod audit;
pub(crate) mod cases;
pub(crate) mod census;
pub(crate) mod matching;
pub(crate) mod me;
pub(crate) mod paging;
pub(crate) mod parties;
mod payment_body;
pub(crate) mod payments;
pub(crate) mod reports;
pub(crate) mod stats;
pub(crate) mod system;
pub(crate) mod tokens;
pub(crate) mod ui;
pub(crate) mod users;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Routes anyone may call: health, readiness, metrics, the OpenAPI document.
pub(crate) fn public() -> OpenApiRouter<AppState> {
    system::router()
}

/// Routes behind `Authorization: Bearer TOKEN` and the concurrency limit.
/// Add a resource's file here.
pub(crate) fn authenticated() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(payments::router())
        .merge(tokens::router())
        .merge(alerts::router())
        .merge(parties::router())
        .merge(cases::router())
        .merge(reports::router())
        .merge(users::router())
        .merge(me::router())
        .merge(stats::router())
        .merge(audit::router())
        .merge(matching::router())
        .merge(census::router())
}
