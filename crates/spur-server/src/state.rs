//! What every handler can reach: the store threads, the metrics, the limits
//! and whether the server is ready.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use spur_app::stats::PaymentTally;

use crate::config::{Limits, Reporting};
use crate::db::Db;
use crate::ingest::Ingest;
use crate::limit::Limiter;
use crate::metrics::Metrics;

/// Shared by every request (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    ingest: Ingest,
    metrics: Arc<Metrics>,
    limits: Limits,
    reporting: Reporting,
    limiter: Limiter,
    ready: AtomicBool,
    openapi: OnceLock<String>,
    /// The dashboard's count of the payment log, kept between requests.
    tally: Arc<Mutex<PaymentTally>>,
    /// The engine's configuration, for the holdings a match run offers.
    engine: spur_engine::EngineConfig,
    /// Match runs started and not finished yet (routes/matching.rs).
    runs: Arc<Mutex<PendingRuns>>,
    /// Censuses started and not finished yet (routes/census.rs).
    censuses: Arc<Mutex<PendingCensuses>>,
    /// How file bodies of posted payments are read.
    input: spur_io::Profile,
}

/// Censuses waiting for their blinding requests and finish, by run id,
/// with when they started.
pub(crate) type PendingCensuses = std::collections::HashMap<
    i64,
    (
        std::time::Instant,
        spur_app::matching::census::PendingCensus,
    ),
>;

/// Match runs waiting for their finish, by run id, with when they started.
pub(crate) type PendingRuns =
    std::collections::HashMap<i64, (std::time::Instant, spur_app::matching::protocol::Pending)>;

impl AppState {
    pub(crate) fn new(
        db: Db,
        ingest: Ingest,
        metrics: Arc<Metrics>,
        limits: Limits,
        reporting: Reporting,
        engine: spur_engine::EngineConfig,
        input: spur_io::Profile,
    ) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                db,
                ingest,
                metrics,
                limiter: Limiter::new(limits.in_flight, limits.waiting),
                limits,
                reporting,
                ready: AtomicBool::new(false),
                openapi: OnceLock::new(),
                tally: Arc::default(),
                engine,
                runs: Arc::default(),
                censuses: Arc::default(),
                input,
            }),
        }
    }

    /// The store threads: `state.db().run(move |store| ...).await?`.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The one writer of payments (group commit): `state.ingest().submit(batch).await?`.
    pub fn ingest(&self) -> &Ingest {
        &self.inner.ingest
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The input profile file bodies of posted payments are read with.
    pub fn input_profile(&self) -> &spur_io::Profile {
        &self.inner.input
    }

    /// The reporting entity and rates report drafting uses.
    pub fn reporting(&self) -> &Reporting {
        &self.inner.reporting
    }

    pub(crate) fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    /// Ready: the store is open and the ingest service's state loaded and settled.
    pub fn is_ready(&self) -> bool {
        self.inner.ready.load(Ordering::Acquire)
    }

    pub(crate) fn set_ready(&self, ready: bool) {
        self.inner.ready.store(ready, Ordering::Release);
    }

    /// The dashboard's running count of the payment log (`/v1/stats`).
    pub(crate) fn tally(&self) -> Arc<Mutex<PaymentTally>> {
        self.inner.tally.clone()
    }

    /// The engine's configuration (the ingest writer's).
    pub(crate) fn engine(&self) -> &spur_engine::EngineConfig {
        &self.inner.engine
    }

    /// Match runs started and not finished yet.
    pub(crate) fn runs(&self) -> Arc<Mutex<PendingRuns>> {
        self.inner.runs.clone()
    }

    /// Censuses started and not finished yet.
    pub(crate) fn censuses(&self) -> Arc<Mutex<PendingCensuses>> {
        self.inner.censuses.clone()
    }

    /// The OpenAPI document as JSON, set once the router is built.
    pub(crate) fn openapi(&self) -> Option<&str> {
        self.inner.openapi.get().map(String::as_str)
    }

    pub(crate) fn set_openapi(&self, doc: String) {
        let _ = self.inner.openapi.set(doc);
    }
}
