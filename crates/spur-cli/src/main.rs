//! The `spur` command: thin glue around the engine, the formats and the simulator.

mod cases;
mod demo;
mod ingest;
mod outfile;
mod reports;
mod scan;
mod settings;
mod table;
mod terminal;

use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use spur_io::Format;
use spur_store::OpenMode;

/// mimalloc instead of the system allocator: a scan makes millions of small,
/// long-lived allocations on several threads, where glibc's per-thread arenas
/// grow a page at a time (thousands of system calls and page faults).
/// Measured with scripts/bench: about 20% less CPU time per scan.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "spur",
    version,
    about = "Follows the money behind live-streamed child sexual abuse"
)]
struct Cli {
    /// Engine configuration (TOML); `SPUR_` variables and flags override it.
    #[arg(long, global = true, env = "SPUR_CONFIG")]
    config: Option<PathBuf>,
    /// The database: a SQLite file, sqlite:PATH or postgres://... (default
    /// spur-data/spur.db; `spur scan` stores only when given).
    #[arg(
        long,
        global = true,
        env = "SPUR_DB",
        value_name = "DB",
        hide_env_values = true
    )]
    db: Option<String>,
    /// The acting user, for the audit log and the role checks.
    #[arg(long, global = true, env = "SPUR_USER", value_name = "NAME")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Analyst,
    Supervisor,
    Admin,
    Auditor,
}

#[derive(Clone, Copy, ValueEnum)]
enum StatusArg {
    Investigating,
    Escalated,
}

#[derive(Clone, Copy, ValueEnum)]
enum DispositionArg {
    Undetermined,
    Suspicious,
    NotSuspicious,
    FalsePositive,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Adds a user (by an admin; the very first user is an admin adding themself).
    Add {
        /// The user's name, as they will give it with --user.
        name: String,
        /// What the user may do: analyst, supervisor, admin or auditor (docs/cases.md).
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Users with their roles, and whether they are disabled.
    List,
    /// Gives a user another role (by an admin; the last active admin stays one).
    Role {
        /// The user's name.
        name: String,
        /// The new role.
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// Disables a user, who can then no longer act or read (by an admin;
    /// not the last active admin).
    Disable {
        /// The user's name.
        name: String,
    },
    /// Enables a disabled user again (by an admin).
    Enable {
        /// The user's name.
        name: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum AlertRoleArg {
    Sender,
    Receiver,
}

#[derive(Clone, Copy, ValueEnum)]
enum AlertStatusArg {
    /// Standing, in no case.
    New,
    /// Gathered into a case.
    #[value(name = "in_case", alias = "in-case")]
    InCase,
    /// A later scan found the party below the threshold.
    Cleared,
}

#[derive(Subcommand)]
enum AlertCommand {
    /// Why the party was alerted, its counterparties and the payments behind it.
    Show {
        /// The alert, by id (`spur alerts`).
        #[arg(long = "alert", value_name = "ID")]
        alert_id: i64,
        /// The whole view as one JSON document.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CaseCommand {
    /// Opens a case from an alert.
    Open {
        /// The alert, by id (`spur alerts`).
        #[arg(long, value_name = "ID")]
        alert: i64,
    },
    /// Adds another alert to a case (e.g. another member of the same ring).
    AddAlert {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// The alert, by id (`spur alerts`).
        #[arg(long, value_name = "ID")]
        alert: i64,
    },
    /// All cases, newest activity last.
    List,
    /// One case: its alerts and why, notes, reports.
    Show {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
    },
    /// Assigns the case to an analyst or supervisor.
    Assign {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// The user who takes the case over.
        #[arg(long, value_name = "NAME")]
        to: String,
    },
    /// Adds a note to the case's record (kept in the audit log).
    Note {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// The note.
        #[arg(long)]
        text: String,
    },
    /// open → investigating | escalated; investigating ⇄ escalated.
    Status {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// The new status.
        #[arg(long, value_enum)]
        to: StatusArg,
    },
    /// The analysts' conclusion.
    Disposition {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// The conclusion.
        #[arg(long, value_enum)]
        to: DispositionArg,
    },
    /// Closes the case for good.
    Close {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// Why the case is closed (kept in the case and the audit log).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Writes a goAML report for a case, validates it and stores it as a draft.
    /// A case has at most one report not yet filed; once one is filed, a later
    /// report is a correction of it (--corrects).
    Draft {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// FIU profile: ae, generic, or a profile file.
        #[arg(long)]
        fiu: String,
        /// The case's latest filed report, which this one corrects (replaces in full).
        #[arg(long = "corrects", value_name = "REPORT_ID")]
        corrects: Option<i64>,
        /// The FIU's reference of the corrected report (its acknowledgement), written as fiu_ref_number.
        #[arg(long = "fiu-ref", value_name = "REF", requires = "corrects")]
        fiu_ref: Option<String>,
        #[command(flatten)]
        text: ReportText,
    },
    /// Writes a draft again from the case as it is now (drafts only); the
    /// reason, action and evidence choice stay unless given. Whoever redrafts
    /// becomes one of its authors and may not approve it.
    Redraft {
        /// The report, by id (`spur report list`).
        #[arg(long = "report", value_name = "ID")]
        report_id: i64,
        /// The FIU profile, when the report's was a profile file.
        #[arg(long)]
        fiu: Option<String>,
        #[command(flatten)]
        text: ReportText,
    },
    /// Four eyes: a supervisor other than the author approves.
    Approve {
        /// The report, by id (`spur report list`).
        #[arg(long = "report", value_name = "ID")]
        report_id: i64,
    },
    /// Files an approved report; it never changes again.
    File {
        /// The report, by id (`spur report list`).
        #[arg(long = "report", value_name = "ID")]
        report_id: i64,
        /// Where to write the filed XML; the report is filed only if it can be written.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the --out file if it exists.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Prints what the store holds of a report (authors, reference, ...), then its XML.
    Show {
        /// The report, by id (`spur report list`).
        #[arg(long = "report", value_name = "ID")]
        report_id: i64,
        /// Only the XML, as stored (to redirect into a file).
        #[arg(long)]
        xml: bool,
    },
    /// Every report with its case, status and authors.
    List,
}

#[derive(clap::Args)]
struct ReportText {
    /// The reporting entity (TOML), see docs/reporting-entity.example.toml.
    #[arg(long, env = "SPUR_ENTITY")]
    entity: Option<PathBuf>,
    /// The analyst's own words on why the case is suspicious (redraft: kept unless given).
    #[arg(long)]
    reason: Option<String>,
    /// What the institution did about it (redraft: kept unless given).
    #[arg(long)]
    action: Option<String>,
    /// Report every kept payment of the alerted parties, not only their alerts' evidence.
    #[arg(long, conflicts_with = "alert_evidence")]
    all_evidence: bool,
    /// Report only the alerts' evidence payments (the default for a draft).
    #[arg(long)]
    alert_evidence: bool,
    /// Also write the XML here.
    #[arg(long)]
    out: Option<PathBuf>,
}

impl ReportText {
    /// The evidence choice, if one was given.
    fn evidence(&self) -> Option<bool> {
        match (self.all_evidence, self.alert_evidence) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walks the hash chain and checks every protected row against it: OK
    /// with the entry count, or what was changed behind spur's back.
    Verify,
    /// The audit log, oldest first, filtered (auditors, admins, supervisors).
    Log {
        /// Only entries by this user (`system` for ingestion).
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// Only this action (`case.note`) or family of actions (`case`).
        #[arg(long)]
        action: Option<String>,
        /// Only entries about objects of this kind: user, case, report,
        /// alert, payment, scan, txns, engine_state, database.
        #[arg(long, value_name = "KIND")]
        object: Option<String>,
        /// Only entries about this case.
        #[arg(long = "case", value_name = "ID", conflicts_with_all = ["object", "report_id", "alert"])]
        case_id: Option<i64>,
        /// Only entries about this report.
        #[arg(long = "report", value_name = "ID", conflicts_with_all = ["object", "alert"])]
        report_id: Option<i64>,
        /// Only entries that wrote this alert (the scans that raised or updated it).
        #[arg(long, value_name = "ID", conflicts_with = "object")]
        alert: Option<i64>,
        /// Entries at or after this time (RFC 3339, or a date YYYY-MM-DD in UTC).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Entries before this time (RFC 3339, or a date YYYY-MM-DD in UTC).
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// One JSON object per entry and line, with its before and after.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
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
    fn format(self) -> Format {
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
struct WorldArgs {
    /// Seed of the simulation's random numbers.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How many senders (customers and look-alikes); default 20,000.
    #[arg(long)]
    senders: Option<usize>,
    /// How many days of traffic; default 90.
    #[arg(long)]
    days: Option<u32>,
}

#[derive(Subcommand)]
enum Command {
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
    },
    /// Write synthetic payments with ground truth: payments.csv and truth.csv.
    Simulate {
        /// The folder for payments.csv and truth.csv (created).
        /// The folder for payments.csv and truth.csv (created when missing).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        world: WorldArgs,
    },
    /// Precision, recall and average precision of alerts against ground truth.
    Eval {
        /// The ground truth `spur simulate` wrote (truth.csv).
        #[arg(long)]
        truth: PathBuf,
        /// The alerts (JSON Lines) of a scan; without it, the standing alerts
        /// of the database (`--db`, read as `--user`).
        #[arg(long)]
        alerts: Option<PathBuf>,
        /// The payments, to report recall for light and heavy offenders.
        #[arg(long)]
        payments: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Users and their roles.
    User {
        #[command(subcommand)]
        command: UserCommand,
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
    /// Simulate, scan and evaluate in one go, then tell what was found.
    Demo {
        /// Where the demo writes its files.
        /// The folder for payments.csv and truth.csv (created).
        #[arg(long, default_value = "spur-demo")]
        out: PathBuf,
        #[command(flatten)]
        world: WorldArgs,
    },
}

fn main() {
    tracing_subscriber::fmt()
        .with_writer(io::stderr)
        // Colours only for a person at a terminal, not in logs and pipes.
        .with_ansi(io::stderr().is_terminal())
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SPUR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    if let Err(e) = run(Cli::parse()) {
        // The reader of our output went away (`spur alerts | head`): not an error.
        let closed_pipe = e.chain().any(|c| {
            let kind = c
                .downcast_ref::<io::Error>()
                .map(io::Error::kind)
                .or_else(|| c.downcast_ref::<serde_json::Error>()?.io_error_kind());
            kind == Some(io::ErrorKind::BrokenPipe)
        });
        if closed_pipe {
            std::process::exit(0);
        }
        // Errors may quote payment data: shown escaped, like all output.
        eprintln!(
            "spur: error: {}",
            terminal::visible_lines(&format!("{e:#}"))
        );
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    let engine_config = |threshold: Option<f64>| -> Result<spur_engine::EngineConfig> {
        let mut cfg = settings::load(cli.config.as_deref(), std::env::vars())?;
        if let Some(t) = threshold {
            cfg.alert_threshold = t;
            cfg.validate()
                .map_err(anyhow::Error::msg)
                .context("--threshold")?;
        }
        Ok(cfg)
    };
    match &cli.command {
        Command::Scan {
            payments,
            alerts,
            rejects,
            format,
            max_rejects,
            threshold,
            quiet,
            now,
            input,
        } => {
            let settings = settings::load_all(cli.config.as_deref(), std::env::vars())?;
            let profile = input.apply(settings.input).context("input profile")?;
            let opts = scan::ScanOptions {
                input: payments.clone(),
                format: format.map(FormatArg::format),
                alerts: alerts.clone(),
                rejects: rejects.clone(),
                max_rejects: *max_rejects,
                progress: !quiet,
                now: now.unwrap_or_else(scan::system_now),
                profile,
            };
            // A scan that stores is how a database starts.
            let mut store = cli
                .db
                .as_deref()
                .map(|db| cases::open(db, OpenMode::CreateIfMissing))
                .transpose()?;
            let store: Option<&mut dyn spur_store::Store> = store.as_mut().map(|s| &mut **s as _);
            let report = scan::run(&opts, engine_config(*threshold)?, store)?;
            report.print(&mut io::stderr())?;
        }
        Command::Simulate { out, world } => {
            let summary = demo::simulate(out, world.seed, world.senders, world.days)?;
            eprintln!("{summary}");
        }
        Command::Eval {
            truth,
            alerts,
            payments,
            json,
        } => {
            let open = |p: &PathBuf| -> Result<BufReader<File>> {
                Ok(BufReader::new(
                    File::open(p).with_context(|| format!("cannot open {}", p.display()))?,
                ))
            };
            let truth_file = open(truth)?;
            let payments = payments.as_ref().map(open).transpose()?;
            let (alert_lines, source): (Box<dyn io::Read>, String) = match (alerts, &cli.db) {
                (Some(path), _) => (Box::new(open(path)?), path.display().to_string()),
                (None, Some(db)) => {
                    let mut store = cases::open(db, OpenMode::Existing)?;
                    let actor = cases::actor(cli.user.as_deref())?;
                    let lines = cases::standing_alert_lines(&mut *store, actor)?;
                    (
                        Box::new(io::Cursor::new(lines)),
                        "the database's alerts".to_owned(),
                    )
                }
                (None, None) => {
                    anyhow::bail!("name the alerts with --alerts FILE, or a database with --db DB")
                }
            };
            let report = spur_sim::evaluate(truth_file, BufReader::new(alert_lines), payments)
                .with_context(|| format!("evaluating {source} against {}", truth.display()))?;
            let mut out = BufWriter::new(io::stdout().lock());
            if *json {
                serde_json::to_writer_pretty(&mut out, &report)?;
                writeln!(out)?;
            } else {
                write!(out, "{report}")?;
            }
            out.flush()?;
        }
        Command::Demo { out, world } => {
            demo::run(
                out,
                world.seed,
                world.senders,
                world.days,
                engine_config(None)?,
            )?;
        }
        Command::User { command } => {
            // The first `user add` starts a database; nothing else does.
            let mode = match command {
                UserCommand::Add { .. } => OpenMode::CreateIfMissing,
                _ => OpenMode::Existing,
            };
            let mut store = cases::open(db_location(&cli), mode)?;
            match command {
                UserCommand::Add { name, role } => {
                    // The very first user (an admin) acts as themself.
                    let actor = cli.user.as_deref().unwrap_or(name);
                    let u = store.add_user(name, store_role(*role), actor)?;
                    cases::say(&format!(
                        "user {} added: {} (id {})",
                        terminal::visible(&u.name),
                        u.role,
                        u.id
                    ))?;
                }
                UserCommand::List => {
                    cases::print_users(&mut *store, cases::actor(cli.user.as_deref())?)?
                }
                UserCommand::Role { name, role } => {
                    let actor = cases::actor(cli.user.as_deref())?;
                    let u = store.set_user_role(name, store_role(*role), actor)?;
                    cases::say(&format!(
                        "user {} is now {}",
                        terminal::visible(&u.name),
                        u.role
                    ))?;
                }
                UserCommand::Disable { name } => {
                    let u = store.disable_user(name, cases::actor(cli.user.as_deref())?)?;
                    cases::say(&format!("user {} disabled", terminal::visible(&u.name)))?;
                }
                UserCommand::Enable { name } => {
                    let u = store.enable_user(name, cases::actor(cli.user.as_deref())?)?;
                    cases::say(&format!(
                        "user {} enabled: {}",
                        terminal::visible(&u.name),
                        u.role
                    ))?;
                }
            }
        }
        Command::Alerts {
            json,
            all,
            role,
            min_score,
            indicator,
            country,
            status,
        } => {
            let mut statuses: Vec<spur_store::AlertStatus> = status
                .iter()
                .map(|s| match s {
                    AlertStatusArg::New => spur_store::AlertStatus::New,
                    AlertStatusArg::InCase => spur_store::AlertStatus::InCase,
                    AlertStatusArg::Cleared => spur_store::AlertStatus::Cleared,
                })
                .collect();
            if *all {
                statuses = spur_store::AlertStatus::ALL.to_vec();
            }
            let filter = spur_store::AlertFilter {
                role: role.map(|r| match r {
                    AlertRoleArg::Sender => spur_engine::Role::Sender,
                    AlertRoleArg::Receiver => spur_engine::Role::Receiver,
                }),
                min_score: *min_score,
                indicator: indicator.clone(),
                country: country.clone(),
                statuses,
            };
            let mut store = open_store(&cli)?;
            cases::print_alerts(
                &mut *store,
                cases::actor(cli.user.as_deref())?,
                &filter,
                *json,
            )?;
        }
        Command::Alert {
            command: AlertCommand::Show { alert_id, json },
        } => {
            let mut store = open_store(&cli)?;
            cases::print_alert(
                &mut *store,
                *alert_id,
                cases::actor(cli.user.as_deref())?,
                *json,
            )?;
        }
        Command::Case { command } => {
            let mut store = open_store(&cli)?;
            let actor = cases::actor(cli.user.as_deref())?;
            let s = &mut *store;
            match command {
                CaseCommand::Open { alert } => {
                    cases::say_case("opened", &s.open_case(*alert, actor)?)?
                }
                CaseCommand::AddAlert { case_id, alert } => {
                    cases::say_case("gained an alert", &s.add_alert(*case_id, *alert, actor)?)?
                }
                CaseCommand::List => cases::print_cases(s, actor)?,
                CaseCommand::Show { case_id } => cases::print_case(s, *case_id, actor)?,
                CaseCommand::Assign { case_id, to } => {
                    cases::say_case("assigned", &s.assign(*case_id, to, actor)?)?
                }
                CaseCommand::Note { case_id, text } => {
                    cases::say_case("noted", &s.note(*case_id, text, actor)?)?
                }
                CaseCommand::Status { case_id, to } => {
                    let status = match to {
                        StatusArg::Investigating => spur_store::CaseStatus::Investigating,
                        StatusArg::Escalated => spur_store::CaseStatus::Escalated,
                    };
                    cases::say_case("changed", &s.set_status(*case_id, status, actor)?)?
                }
                CaseCommand::Disposition { case_id, to } => {
                    use spur_store::Disposition as D;
                    let d = match to {
                        DispositionArg::Undetermined => D::Undetermined,
                        DispositionArg::Suspicious => D::Suspicious,
                        DispositionArg::NotSuspicious => D::NotSuspicious,
                        DispositionArg::FalsePositive => D::FalsePositive,
                    };
                    let c = s.set_disposition(*case_id, d, actor)?;
                    cases::say_case(&format!("judged {}", c.disposition), &c)?
                }
                CaseCommand::Close { case_id, reason } => {
                    cases::say_case("closed", &s.close(*case_id, reason, actor)?)?
                }
            }
        }
        Command::Report { command } => {
            let mut store = open_store(&cli)?;
            let actor = cases::actor(cli.user.as_deref())?;
            let s = &mut *store;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            match command {
                ReportCommand::Draft {
                    case_id,
                    fiu,
                    corrects,
                    fiu_ref,
                    text,
                } => {
                    let opts = reports::DraftOptions {
                        case_id: *case_id,
                        fiu,
                        entity: text.entity.as_deref(),
                        reason: text.reason.as_deref(),
                        action: text.action.as_deref(),
                        all_evidence: text.evidence(),
                        out: text.out.as_deref(),
                        now,
                    };
                    let corrects = corrects.map(|report_id| spur_store::Correction {
                        report_id,
                        fiu_ref_number: fiu_ref.as_deref(),
                    });
                    let r = reports::draft(s, &opts, corrects, &engine_config(None)?, actor)?;
                    reports::say("drafted (validated against its schema)", &r)?;
                }
                ReportCommand::Redraft {
                    report_id,
                    fiu,
                    text,
                } => {
                    let opts = reports::DraftOptions {
                        case_id: 0,
                        fiu: fiu.as_deref().unwrap_or(""),
                        entity: text.entity.as_deref(),
                        reason: text.reason.as_deref(),
                        action: text.action.as_deref(),
                        all_evidence: text.evidence(),
                        out: text.out.as_deref(),
                        now,
                    };
                    let r = reports::redraft(s, *report_id, &opts, &engine_config(None)?, actor)?;
                    reports::say("redrafted (validated against its schema)", &r)?;
                }
                ReportCommand::Approve { report_id } => {
                    reports::say("approved", &s.approve_report(*report_id, actor)?)?
                }
                ReportCommand::File {
                    report_id,
                    out,
                    force,
                } => reports::say(
                    "filed",
                    &reports::file(s, *report_id, out.as_deref(), *force, actor)?,
                )?,
                ReportCommand::Show { report_id, xml } => {
                    let r = s.report(*report_id, actor)?;
                    let mut out = io::stdout().lock();
                    if *xml {
                        write!(out, "{}", r.xml)?;
                    } else {
                        write!(out, "{}", terminal::visible_lines(&reports::show(&r)))?;
                    }
                }
                ReportCommand::List => reports::print_list(&s.reports(None, actor)?)?,
            }
        }
        Command::Audit { command } => match command {
            AuditCommand::Verify => cases::verify_audit(&mut *open_store(&cli)?)?,
            AuditCommand::Log {
                actor,
                action,
                object,
                case_id,
                report_id,
                alert,
                since,
                until,
                json,
            } => {
                let (object_kind, object_id) = match (case_id, report_id, alert) {
                    (Some(id), _, _) => (Some("case".to_owned()), Some(id.to_string())),
                    (_, Some(id), _) => (Some("report".to_owned()), Some(id.to_string())),
                    (_, _, Some(id)) => (Some("alert".to_owned()), Some(id.to_string())),
                    _ => (object.clone(), None),
                };
                let filter = spur_store::AuditFilter {
                    actor: actor.clone(),
                    action: action.clone(),
                    object_kind,
                    object_id,
                    since: since
                        .as_deref()
                        .map(|t| cases::parse_time("--since", t))
                        .transpose()?,
                    until: until
                        .as_deref()
                        .map(|t| cases::parse_time("--until", t))
                        .transpose()?,
                };
                let mut store = open_store(&cli)?;
                cases::print_audit_log(
                    &mut *store,
                    &filter,
                    cases::actor(cli.user.as_deref())?,
                    *json,
                )?
            }
        },
    }
    Ok(())
}

/// `--now`: an RFC 3339 time, as the payments' own.
fn parse_now(s: &str) -> std::result::Result<i64, String> {
    spur_io::time::parse_rfc3339(s.as_bytes())
        .map_err(|e| format!("{e} (an RFC 3339 time such as 2026-03-31T23:59:59Z)"))
}

fn db_location(cli: &Cli) -> &str {
    cli.db.as_deref().unwrap_or(cases::DEFAULT_DB)
}

/// The store of a command that works on an existing database.
fn open_store(cli: &Cli) -> Result<Box<dyn spur_store::Store>> {
    cases::open(db_location(cli), OpenMode::Existing)
}

fn store_role(role: RoleArg) -> spur_store::UserRole {
    match role {
        RoleArg::Analyst => spur_store::UserRole::Analyst,
        RoleArg::Supervisor => spur_store::UserRole::Supervisor,
        RoleArg::Admin => spur_store::UserRole::Admin,
        RoleArg::Auditor => spur_store::UserRole::Auditor,
    }
}
