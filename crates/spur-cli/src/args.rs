//! The `spur` command's arguments: every subcommand and flag, with its help
//! text (clap derives the parser and `--help` from these types). The
//! subcommands of the work on a database are in `args/casework.rs`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use spur_io::Format;

use spur_app::settings;

mod casework;
pub(crate) use casework::*;

#[derive(Parser)]
#[command(
    name = "spur",
    version,
    about = "Follows the money behind live-streamed child sexual abuse"
)]
pub(crate) struct Cli {
    /// Engine configuration (TOML); `SPUR_` variables and flags override it.
    #[arg(long, global = true, env = "SPUR_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// The database: a SQLite file, sqlite:PATH or postgres://... (default
    /// spur-data/spur.db; `spur scan` stores only when given).
    #[arg(
        long,
        global = true,
        env = "SPUR_DB",
        value_name = "DB",
        hide_env_values = true
    )]
    pub(crate) db: Option<String>,
    /// The acting user, for the audit log and the role checks.
    #[arg(long, global = true, env = "SPUR_USER", value_name = "NAME")]
    pub(crate) user: Option<String>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FormatArg {
    /// Canonical CSV.
    Csv,
    /// Canonical JSON Lines.
    Jsonl,
    /// ISO 20022 XML, each message's type from its root element and namespace.
    #[value(alias = "xml")]
    Iso20022,
    /// Only pacs.008 messages, in any version (also ones spur was not tested on).
    Pacs008,
    /// Only pain.001 messages, in any version.
    Pain001,
    /// Only camt.053 messages, in any version.
    Camt053,
    /// Only camt.054 messages, in any version.
    Camt054,
}

impl FormatArg {
    pub(crate) fn format(self) -> Format {
        use spur_io::Message;
        match self {
            FormatArg::Csv => Format::Csv,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Iso20022 => Format::Iso20022(None),
            FormatArg::Pacs008 => Format::Iso20022(Some(Message::Pacs008)),
            FormatArg::Pain001 => Format::Iso20022(Some(Message::Pain001)),
            FormatArg::Camt053 => Format::Iso20022(Some(Message::Camt053)),
            FormatArg::Camt054 => Format::Iso20022(Some(Message::Camt054)),
        }
    }
}

/// The simulated world: the same seed and sizes give the same payments.
#[derive(clap::Args)]
pub(crate) struct WorldArgs {
    /// Seed of the simulation's random numbers.
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
    /// How many senders (customers and look-alikes); default 20,000.
    #[arg(long)]
    pub(crate) senders: Option<usize>,
    /// How many days of traffic; default 90.
    #[arg(long)]
    pub(crate) days: Option<u32>,
    /// Draw every behavioural parameter of every population, and the population
    /// shares, from the ranges the domain brief allows (the seed decides; the
    /// parameters drawn are written to world.json): a world spur was not tuned on.
    #[arg(long)]
    pub(crate) vary: bool,
}

/// What `spur match` matches.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum MatchModeArg {
    SameSide,
    CrossBorder,
    Both,
}

impl MatchModeArg {
    /// The runs to make, in order.
    pub(crate) fn modes(self) -> &'static [spur_app::matching::Mode] {
        use spur_app::matching::Mode;
        match self {
            MatchModeArg::SameSide => &[Mode::SameSide],
            MatchModeArg::CrossBorder => &[Mode::CrossBorder],
            MatchModeArg::Both => &[Mode::SameSide, Mode::CrossBorder],
        }
    }
}

/// How `spur simulate --institutions 2` splits the world.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum SplitModeArg {
    SameSide,
    CrossBorder,
}

impl SplitModeArg {
    pub(crate) fn mode(self) -> spur_sim::SplitMode {
        match self {
            SplitModeArg::SameSide => spur_sim::SplitMode::SameSide,
            SplitModeArg::CrossBorder => spur_sim::SplitMode::CrossBorder,
        }
    }
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Score every sender and receiver in a payments file; write alerts as JSON Lines.
    Scan {
        /// Payments (CSV, JSON Lines or ISO 20022 XML), `-` for standard input.
        payments: PathBuf,
        /// Alerts file (JSON Lines); standard output when absent.
        #[arg(long)]
        alerts: Option<PathBuf>,
        /// Rejected records, as CSV `file,line,field,reason` (created when there is one).
        #[arg(long, default_value = "rejects.csv")]
        rejects: PathBuf,
        /// Input format when the extension does not tell (otherwise XML content reads as
        /// ISO 20022, anything else as CSV); a message type reads only that type, in any version.
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// Stop with an error once more than N records are rejected.
        #[arg(long)]
        max_rejects: Option<u64>,
        /// Alert threshold in [0, 1], overriding the configuration.
        #[arg(long)]
        threshold: Option<f64>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// The wall clock at ingestion, RFC 3339 (default: the system clock).
        /// Payments dated more than future_margin_seconds after it are
        /// rejected; set it to replay history or to scan simulated traffic
        /// dated ahead of today.
        #[arg(long, env = "SPUR_NOW", value_name = "TIME", value_parser = parse_now)]
        now: Option<i64>,
        /// How the export writes its records; each flag overrides its [input] key.
        #[command(flatten)]
        input: settings::InputArgs,
        /// A learned model (`spur model export`) that decides which alerts are
        /// written, each with the model's contributions as sentences; file scans only.
        #[arg(long, value_name = "FILE", conflicts_with = "threshold")]
        model: Option<PathBuf>,
    },
    /// Write synthetic payments with ground truth: payments.csv and truth.csv.
    Simulate {
        /// The folder for payments.csv and truth.csv (created when missing).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        world: WorldArgs,
        /// Split the world between this many institutions (2 to 5; 2 only
        /// cross-border): OUT/a, OUT/b, ... get each one's payments.csv and
        /// truth.csv (docs/matching.md).
        #[arg(long, value_parser = clap::value_parser!(u8).range(2..=5))]
        institutions: Option<u8>,
        /// With --institutions: sending firms (same-side) or a sending firm
        /// and a receiving institution (cross-border).
        #[arg(
            long,
            value_enum,
            requires = "institutions",
            default_value = "same-side"
        )]
        mode: SplitModeArg,
    },
    /// Precision, recall and average precision of alerts against ground truth; with
    /// `--worlds N`, of the engine over N simulated worlds (median and worst).
    Eval {
        /// The ground truth `spur simulate` wrote (truth.csv).
        #[arg(long, required_unless_present = "worlds")]
        truth: Option<PathBuf>,
        /// The alerts (JSON Lines) of a scan; without it, the standing alerts
        /// of the database (`--db`, read as `--user`).
        #[arg(long)]
        alerts: Option<PathBuf>,
        /// The payments, to report recall for light and heavy offenders.
        #[arg(long)]
        payments: Option<PathBuf>,
        /// Simulate N worlds, scan each with the configured engine and report the
        /// median and the worst world's precision, recall and light-buyer recall.
        #[arg(long, value_name = "N", conflicts_with_all = ["truth", "alerts", "payments"])]
        worlds: Option<usize>,
        /// With --worlds: draw each world's behaviour from the brief's ranges.
        #[arg(long, requires = "worlds")]
        vary: bool,
        /// With --worlds: the first world's seed (the others follow it).
        #[arg(long, requires = "worlds", default_value_t = 1)]
        first_seed: u64,
        /// With --worlds: senders per world; default 20,000.
        #[arg(long, requires = "worlds")]
        senders: Option<usize>,
        /// With --worlds: days per world; default 90.
        #[arg(long, requires = "worlds")]
        days: Option<u32>,
        /// With --worlds: alert threshold in [0, 1], overriding the configuration.
        #[arg(long, requires = "worlds")]
        threshold: Option<f64>,
        /// With --worlds: also draw the reliability diagram of the scores shown
        /// (from 0.05 up, all worlds pooled) into this SVG file.
        #[arg(long, value_name = "FILE", requires = "worlds")]
        reliability: Option<PathBuf>,
        /// With --worlds: per world, label 40% of its alerts from ground truth,
        /// train a model, and measure rules and model on another seed of the
        /// same world (docs/learning.md).
        #[arg(long, requires = "worlds")]
        learn: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Fit the score calibration over N simulated worlds and choose the lowest
    /// threshold whose worst world reaches a target precision; write both as a
    /// configuration file (docs/indicators.md, "Calibrated scores").
    Calibrate {
        /// How many worlds.
        #[arg(long, value_name = "N", default_value_t = 20)]
        worlds: usize,
        /// Draw each world's behaviour from the brief's ranges.
        #[arg(long)]
        vary: bool,
        /// The first world's seed (the others follow it).
        #[arg(long, default_value_t = 1)]
        first_seed: u64,
        /// Senders per world; default 20,000.
        #[arg(long)]
        senders: Option<usize>,
        /// Days per world; default 90.
        #[arg(long)]
        days: Option<u32>,
        /// Parties per isotonic block, at least.
        #[arg(long, default_value_t = 200)]
        min_block: usize,
        /// The precision the worst world must reach at the chosen threshold.
        #[arg(long, default_value_t = 0.9)]
        target_precision: f64,
        /// The configuration file to write (alert_threshold and [calibration]).
        #[arg(long)]
        out: PathBuf,
        /// Also draw the reliability diagram, before and after, into this SVG file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
    /// The analysts' dispositions as labels for learning.
    Feedback {
        #[command(subcommand)]
        command: FeedbackCommand,
    },
    /// Learned models: train, show, shadow, activate, export (docs/learning.md).
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Users and their roles.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Aggregate figures the field can cite (docs/statistics.md): suspects,
    /// payments and amounts by month and corridor, the amount per payment,
    /// light buyers, alerts to filed reports; cells of fewer than k parties
    /// suppressed; a manifest to verify them by.
    #[command(args_conflicts_with_subcommands = true)]
    Stats {
        #[command(subcommand)]
        command: Option<StatsCommand>,
        /// The folder to write the tables, the chart and the manifest into.
        #[arg(long, required = true)]
        out: Option<PathBuf>,
        /// The fewest parties a published figure may describe.
        #[arg(long, default_value_t = spur_app::figures::DEFAULT_K)]
        k: u64,
        /// Release the counts with differential privacy at this total budget
        /// (OpenDP's discrete Laplace with a threshold; docs/statistics.md):
        /// only noisy counts are written, the release is kept in the database.
        #[arg(long)]
        epsilon: Option<f64>,
        /// With --epsilon: the total delta (the chance a key one party
        /// alone brings is released).
        #[arg(long, default_value_t = spur_app::figures_noise::DEFAULT_DELTA, requires = "epsilon")]
        delta: f64,
        /// With --epsilon: the most keys (month and corridor, amount bucket,
        /// month) of one table a party is counted in, its first ones.
        #[arg(long, default_value_t = 1, requires = "epsilon")]
        max_cells: u32,
        /// With --epsilon: the most evidence payments of one party the
        /// payment and amount sums take (its first); more are cut.
        #[arg(long, default_value_t = spur_app::figures_noise::DEFAULT_MAX_PAYMENTS, requires = "epsilon")]
        max_payments: u32,
        /// With --epsilon: the most USD of one party the amount sums take.
        #[arg(long, default_value_t = spur_app::figures_noise::DEFAULT_MAX_USD, requires = "epsilon")]
        max_usd: u32,
    },
    /// API tokens for `spur serve`: create, revoke, list.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Stored alerts with their ids, filtered (standing ones by default).
    Alerts {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        /// Also the alerts a later scan cleared (the party fell below the threshold).
        #[arg(long)]
        all: bool,
        /// Only senders (possible customers) or receivers (possible facilitators).
        #[arg(long, value_enum)]
        role: Option<AlertRoleArg>,
        /// Only alerts scoring at least this, in [0, 1].
        #[arg(long, value_name = "SCORE")]
        min_score: Option<f64>,
        /// Only alerts with this indicator behind them, e.g. P-SHARED (docs/indicators.md).
        #[arg(long, value_name = "CODE")]
        indicator: Option<String>,
        /// Only parties in this country (ISO 3166 alpha-2, e.g. PH).
        #[arg(long, value_name = "CC")]
        country: Option<String>,
        /// Only alerts in these states (repeat or comma-separate): new, in_case, cleared.
        #[arg(long, value_enum, value_delimiter = ',')]
        status: Vec<AlertStatusArg>,
        /// Only alerts whose case is assigned to this user (an analyst's own work).
        #[arg(long, value_name = "USER")]
        assignee: Option<String>,
    },
    /// One stored alert: `spur alert show --alert ID`.
    Alert {
        #[command(subcommand)]
        command: AlertCommand,
    },
    /// Cases: open, gather alerts, assign, note, change status, close.
    Case {
        #[command(subcommand)]
        command: CaseCommand,
    },
    /// goAML reports: draft, approve (four eyes), file.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// The hash-chained audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The HTTP API (docs/server.md) over the database (`--db`), until
    /// SIGTERM or Ctrl-C; every /v1 request carries a token (`spur token create`).
    Serve {
        /// Address and port to listen on; port 0 picks a free one.
        #[arg(
            long,
            env = "SPUR_LISTEN",
            default_value = "127.0.0.1:8080",
            value_name = "ADDR:PORT"
        )]
        listen: std::net::SocketAddr,
        /// The reporting entity (TOML) reports drafted over the API are
        /// filed by, see docs/reporting-entity.example.toml; without it
        /// drafting is refused.
        #[arg(long, env = "SPUR_ENTITY", value_name = "FILE")]
        entity: Option<PathBuf>,
        #[command(flatten)]
        limits: ServeLimits,
    },
    /// Match with another spur installation without sharing personal data
    /// (docs/matching.md): private set intersection against its `spur serve`
    /// (a `peer` token there), evidence about matched parties only, stored
    /// here as outside evidence (R-XMATCH, P-XMATCH) and scored again.
    /// Needs --db and --user (analyst, supervisor or admin).
    Match {
        /// The peer's server, e.g. http://127.0.0.1:8080.
        #[arg(long, value_name = "URL")]
        peer: String,
        /// A token of a `peer` user on the peer's server.
        #[arg(
            long,
            env = "SPUR_PEER_TOKEN",
            value_name = "TOKEN",
            hide_env_values = true
        )]
        token: String,
        /// What to match: receivers (same-side), payments (cross-border),
        /// or both, one run after the other.
        #[arg(long, value_enum, default_value = "same-side")]
        mode: MatchModeArg,
        /// Write every message sent and received (JSON Lines) to this file.
        #[arg(long, value_name = "FILE")]
        transcript: Option<PathBuf>,
        /// Evidence crosses only about parties scored at least this.
        #[arg(long, default_value_t = spur_app::matching::LOWER_SCORE)]
        lower: f64,
        /// Cross-border: match payments by their facts too (amount,
        /// currency and day), for institutions that do not share UETRs or
        /// end-to-end ids; two payments with the same facts at the two
        /// institutions then match by chance (docs/matching.md).
        #[arg(long)]
        facts: bool,
    },
    /// How many are there across three to five institutions: the capture
    /// histories of every institution's suspects (receivers scored 0.5 or
    /// more, suspected customers), gathered from each peer's `spur serve` as
    /// counts only, and the capture–recapture estimate (docs/matching.md).
    Census {
        /// A peer's server, e.g. http://127.0.0.1:8080; once per peer (1 to
        /// 4), each list numbered in this order after ours (list 1).
        #[arg(long = "peer", value_name = "URL", required = true)]
        peers: Vec<String>,
        /// A token of a `peer` user on each peer's server, in the order of
        /// --peer.
        #[arg(
            long = "token",
            env = "SPUR_PEER_TOKENS",
            value_name = "TOKEN",
            value_delimiter = ',',
            hide_env_values = true,
            required = true
        )]
        tokens: Vec<String>,
        /// Write the histories here as receivers.csv and customers.csv
        /// (`spur estimate --histories` reads them).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Write every message sent and received (JSON Lines) to this file.
        #[arg(long, value_name = "FILE")]
        transcript: Option<PathBuf>,
        /// The interval's confidence: 0.90, 0.95 or 0.99.
        #[arg(long, default_value_t = 0.95)]
        level: f64,
    },
    /// How many are there: a log-linear capture–recapture estimate from the
    /// capture histories of three to five institutions' alerted lists
    /// (docs/statistics.md); two lists: `spur match` prints Chapman's.
    Estimate {
        /// CSV `history,count`, e.g. `101,12`: 12 parties on lists 1 and 3 only.
        #[arg(long, value_name = "FILE")]
        histories: PathBuf,
        /// The interval's confidence: 0.90, 0.95 or 0.99.
        #[arg(long, default_value_t = 0.95)]
        level: f64,
    },
    /// Simulate, scan and evaluate in one go, then tell what was found.
    Demo {
        /// Where the demo writes its files.
        #[arg(long, default_value = "spur-demo")]
        out: PathBuf,
        #[command(flatten)]
        world: WorldArgs,
        /// Then keep the workbench running on this address (e.g.
        /// 127.0.0.1:8080; port 0 picks a free one) over a fresh
        /// OUT/demo.db, with a user and a sign-in token per role printed.
        #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8080")]
        serve: Option<std::net::SocketAddr>,
    },
}

/// `spur serve`'s limits (defaults: `spur_server::Limits::default()`).
#[derive(clap::Args)]
pub(crate) struct ServeLimits {
    /// Largest request body in bytes; larger ones are answered 413.
    #[arg(long, value_name = "BYTES", default_value_t = spur_server::Limits::default().body_bytes)]
    pub(crate) max_body_bytes: usize,
    /// Requests to /v1 handled at once.
    #[arg(long, value_name = "N", default_value_t = spur_server::Limits::default().in_flight)]
    pub(crate) max_in_flight: usize,
    /// Requests to /v1 waiting for a place; beyond them, 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = spur_server::Limits::default().waiting)]
    pub(crate) max_waiting: usize,
    /// Threads with a database connection each.
    #[arg(long, value_name = "N", default_value_t = spur_server::Limits::default().store_threads)]
    pub(crate) store_threads: usize,
    /// The network findings of posted payments are settled within this many
    /// milliseconds of their acknowledgement (plus the settle's own time).
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub(crate) settle_after_ms: u64,
    /// Match runs a peer may start in any hour (`spur match` against this server).
    #[arg(long, value_name = "N", default_value_t = spur_server::Limits::default().match_runs_per_hour)]
    pub(crate) match_runs_per_hour: u32,
    /// Items a peer may offer in one match run.
    #[arg(long, value_name = "N", default_value_t = spur_server::Limits::default().match_items)]
    pub(crate) match_items: usize,
}

impl ServeLimits {
    pub(crate) fn limits(&self) -> spur_server::Limits {
        spur_server::Limits {
            body_bytes: self.max_body_bytes,
            in_flight: self.max_in_flight,
            waiting: self.max_waiting,
            store_threads: self.store_threads,
            match_runs_per_hour: self.match_runs_per_hour,
            match_items: self.match_items.min(spur_match::MAX_ITEMS),
            ..spur_server::Limits::default()
        }
    }
}

/// `--now`: an RFC 3339 time, as the payments' own.
pub(crate) fn parse_now(s: &str) -> std::result::Result<i64, String> {
    spur_io::time::parse_rfc3339(s.as_bytes())
        .map_err(|e| format!("{e} (an RFC 3339 time such as 2026-03-31T23:59:59Z)"))
}
