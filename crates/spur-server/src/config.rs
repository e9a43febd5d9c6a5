//! What `spur serve` is told: where the store is, where to listen, its limits.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use spur_engine::EngineConfig;

/// Bounds that keep an overloaded server answering instead of falling over.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest request body; larger ones are answered 413.
    pub body_bytes: usize,
    /// Requests to `/v1` handled at once.
    pub in_flight: usize,
    /// Requests to `/v1` waiting for a place; beyond them, 503 with `Retry-After`.
    pub waiting: usize,
    /// Threads, each with its own store connection.
    pub store_threads: usize,
    /// Store jobs waiting for a thread; beyond them, 503 with `Retry-After`.
    pub store_queue: usize,
    /// Requests with payments waiting for the writer; beyond them, 503.
    pub ingest_queue: usize,
    /// Payments logged after the last checkpoint beyond which the writer
    /// saves a new one (after its next settle): what a restart replays at most.
    pub checkpoint_after: u64,
    /// Items a peer may offer in one match run; more are answered 413
    /// `too_many_items` (at most `spur_match::MAX_ITEMS`).
    pub match_items: usize,
    /// Match runs a peer may start in any hour; more are answered 429.
    pub match_runs_per_hour: u32,
    /// For tests: held, it keeps the settler from settling (the settler
    /// takes it before each settle), so that a test can post meanwhile.
    #[doc(hidden)]
    pub settle_gate: Option<std::sync::Arc<std::sync::Mutex<()>>>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 4 << 20,
            in_flight: 64,
            waiting: 256,
            store_threads: 4,
            store_queue: 1024,
            ingest_queue: 1024,
            checkpoint_after: spur_app::live::CHECKPOINT_AFTER,
            match_items: spur_match::MAX_ITEMS,
            match_runs_per_hour: spur_app::matching::RUNS_PER_HOUR,
            settle_gate: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The store location (`--db`): an existing spur database.
    pub db: String,
    /// Where to listen; port 0 picks a free one ([`crate::RunningServer::addr`]).
    pub listen: SocketAddr,
    pub limits: Limits,
    /// The engine's configuration (the same the scans of this database use).
    pub engine: EngineConfig,
    /// Payments' network findings are settled within this time of their
    /// acknowledgement (plus the settle's own time).
    pub settle_after: Duration,
    /// Stop on SIGTERM and Ctrl-C (the `spur serve` command); tests stop the
    /// server with [`crate::RunningServer::shutdown`] instead.
    pub handle_signals: bool,
    pub reporting: Reporting,
    /// How the file bodies of `POST /v1/payments` (JSON Lines, CSV, ISO
    /// 20022) are read: the configuration's `[input]` profile (column
    /// names, separators, time zone), as `spur scan` reads files.
    pub input: spur_io::Profile,
}

/// What drafting a goAML report needs beyond the store (as `spur report
/// draft` takes it from `--entity` and the configuration).
#[derive(Clone, Debug, Default)]
pub struct Reporting {
    /// The reporting entity file (`--entity` / `SPUR_ENTITY`, see
    /// docs/reporting-entity.example.toml); without one, drafting a report
    /// is refused (`not_configured`).
    pub entity: Option<PathBuf>,
    /// The configuration whose `[rates]` convert amounts into the local currency.
    pub engine: spur_engine::EngineConfig,
}
