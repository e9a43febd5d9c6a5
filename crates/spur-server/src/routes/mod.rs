//! The routes, one file per resource. A file exposes
//! `pub(crate) fn router() -> OpenApiRouter<AppState>` built with
//! utoipa-axum's `routes!(handler, ...)` (each handler annotated with
//! `#[utoipa::path]`), and is merged below: into [`public`] if it needs no
//! token, into [`authenticated`] otherwise.

pub(crate) mod system;
pub(crate) mod tokens;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Routes anyone may call: health, readiness, metrics, the OpenAPI document.
pub(crate) fn public() -> OpenApiRouter<AppState> {
    system::router()
}

/// Routes behind `Authorization: Bearer TOKEN` and the concurrency limit.
/// Add a resource's file here.
pub(crate) fn authenticated() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(tokens::router())
}
