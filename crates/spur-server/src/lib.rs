//! `spur serve`: spur's HTTP API, a library so that the `spur` binary and the
//! tests start the same server.
//!
//! - [`start`] opens the store threads ([`db`]), binds, and runs axum on a
//!   tokio runtime (two workers) on a thread of its own; [`RunningServer`]
//!   stops it gracefully (stop accepting, finish what is in flight, close
//!   the store).
//! - Every answer that is an error goes through one table ([`error`]).
//! - `/v1` routes are behind the bearer token ([`auth`]) and the concurrency
//!   limit ([`limit`]); who may do what is the store's decision.
//! - Route files live in [`routes`], one per resource, and document
//!   themselves in `/openapi.json` ([`openapi`]).
//!
//! See docs/server.md.

pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod ingest;
mod limit;
pub mod metrics;
mod observe;
mod openapi;
mod routes;
pub mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::Router;
use spur_store::{StoreError, SystemClock};
use tokio::sync::oneshot;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use auth::Actor;
pub use config::{Limits, Reporting, ServerConfig};
pub use error::{ApiError, ErrorBody};
pub use state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the server: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot start the ingest service: {0}")]
    Ingest(String),
    #[error("the server thread ended abnormally")]
    Panicked,
}

/// The router over `state`, with every layer; also sets the state's
/// OpenAPI document. Exposed for tests that drive it without a socket.
pub fn router(state: AppState) -> Router {
    let authenticated = routes::authenticated()
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(from_fn_with_state(state.clone(), limit::limit));
    let (router, doc) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(routes::public())
        .merge(authenticated)
        .split_for_parts();
    state.set_openapi(doc.to_json().unwrap_or_default());
    router
        .merge(routes::ui::router())
        .fallback(|| async { ApiError::not_found("no such route").into_response() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
            )
            .into_response()
        })
        .layer(axum::middleware::from_fn(close_after_unread_body))
        .layer(DefaultBodyLimit::max(state.limits().body_bytes))
        .layer(from_fn_with_state(state.clone(), observe::observe))
        .with_state(state)
}

/// An error answered to a request with a body (a POST refused for its
/// token before the body was read) ends the connection, and says so: hyper
/// closes a connection whose request body was left unread, and a client
/// that was not told would send its next request on it and see it reset.
async fn close_after_unread_body(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::header;
    let has_body = req.headers().contains_key(header::TRANSFER_ENCODING)
        || req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let mut response = next.run(req).await;
    if has_body && (response.status().is_client_error() || response.status().is_server_error()) {
        response.headers_mut().insert(
            header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

/// A server running on its own thread.
pub struct RunningServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), ServerError>>>,
}

impl RunningServer {
    /// Where it listens (the port chosen when the configuration said 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops gracefully: no new connections, the requests in flight
    /// answered, then the store closed. Returns once all of that is done.
    pub fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.join()
    }

    /// Asks the server to stop without waiting for it (see [`Self::wait`]).
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Waits until the server has stopped (on a signal, with
    /// `handle_signals`, or after [`Self::begin_shutdown`]).
    pub fn wait(mut self) -> Result<(), ServerError> {
        self.join()
    }

    fn join(&mut self) -> Result<(), ServerError> {
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| ServerError::Panicked)?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.begin_shutdown();
        let _ = self.join();
    }
}

/// Opens the store, binds `config.listen` and serves until told to stop.
/// Call it outside any tokio runtime: it makes its own.
pub fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let limits = config.limits.clone();
    let db = db::Db::open(
        &config.db,
        Arc::new(SystemClock),
        limits.store_threads,
        limits.store_queue,
    )?;
    let listener = std::net::TcpListener::bind(config.listen).map_err(|source| {
        db.close();
        ServerError::Bind {
            addr: config.listen,
            source,
        }
    })?;
    let addr = listener.local_addr().map_err(ServerError::Runtime)?;
    listener
        .set_nonblocking(true)
        .map_err(ServerError::Runtime)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("spur-http")
        .enable_all()
        .build()
        .map_err(ServerError::Runtime)?;
    let metrics = Arc::new(metrics::Metrics::default());
    let ingest = ingest::Ingest::open(
        &config.db,
        ingest::IngestConfig {
            engine: config.engine.clone(),
            queue: limits.ingest_queue,
            settle_after: config.settle_after,
            checkpoint_after: limits.checkpoint_after,
            settle_gate: limits.settle_gate.clone(),
        },
        metrics.clone(),
    )
    .map_err(|e| {
        db.close();
        ServerError::Ingest(e)
    })?;
    let state = AppState::new(
        db,
        ingest,
        metrics,
        limits,
        config.reporting.clone(),
        config.engine.clone(),
        config.input.clone(),
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let handle_signals = config.handle_signals;
    let thread = std::thread::Builder::new()
        .name("spur-server".into())
        .spawn(move || {
            let served = runtime.block_on(serve(state.clone(), listener, async move {
                let asked = async {
                    let _ = stopped.await;
                };
                if handle_signals {
                    tokio::select! {
                        _ = asked => {}
                        _ = signals() => {}
                    }
                } else {
                    asked.await;
                }
            }));
            // In-flight requests are answered; now the writer settles and
            // checkpoints, and the store threads finish their queue and end.
            state.ingest().close();
            state.db().close();
            tracing::info!("stopped");
            served
        })
        .map_err(ServerError::Runtime)?;
    Ok(RunningServer {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}

async fn serve(
    state: AppState,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let listener = tokio::net::TcpListener::from_std(listener).map_err(ServerError::Runtime)?;
    let app = router(state.clone());
    state.set_ready(true);
    tracing::info!(
        addr = %listener.local_addr().map_err(ServerError::Runtime)?,
        "listening"
    );
    let ready = state.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            ready.set_ready(false);
            tracing::info!("stopping: finishing the requests in flight");
        })
        .await
        .map_err(ServerError::Runtime)
}

/// SIGTERM (an orchestrator stopping the service) or Ctrl-C.
async fn signals() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
