//! `/`: the analysts' workbench (ui/, built by Vite into ui/dist and
//! embedded in the binary at compile time), so that `spur serve` needs no
//! file beside it. The page talks only to this server (`connect-src 'self'`)
//! and loads nothing from elsewhere.
//!
//! The bundle is committed; scripts/test rebuilds it from ui/src and fails
//! when the bytes differ, so what is embedded is what the sources make.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

const INDEX: &[u8] = include_bytes!("../../../../ui/dist/index.html");
const APP_JS: &[u8] = include_bytes!("../../../../ui/dist/assets/app.js");
const APP_CSS: &[u8] = include_bytes!("../../../../ui/dist/assets/app.css");

/// Only this origin, no inline script, no framing. Styles may be inline:
/// the graph and chart libraries position their elements with them.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The workbench's files (not in the OpenAPI document: they are no API).
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/",
            get(|| async { asset(INDEX, "text/html; charset=utf-8") }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/assets/app.css",
            get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }),
        )
}

fn asset(body: &'static [u8], content_type: &'static str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // Fixed names: a new binary's files must not be served from a cache.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}
