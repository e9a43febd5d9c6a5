//! The `spur` command: thin glue around the engine, the formats and the simulator.

mod args;
mod cases;
mod census;
mod demo;
mod learn;
mod progress;
mod reports;
mod scan_print;
mod table;
mod terminal;
mod tokens;

use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use spur_app::{reports as drafting, scan, settings};
use spur_store::OpenMode;

use args::{
    store_role, AlertCommand, AlertRoleArg, AlertStatusArg, AuditCommand, CaseCommand, Cli,
    Command, DispositionArg, FeedbackCommand, FormatArg, ModelCommand, ReportCommand, StatsCommand,
    StatusArg, TokenCommand, UserCommand,
};

/// mimalloc instead of the system allocator: a scan makes millions of small,
/// long-lived allocations on several threads, where glibc's per-thread arenas
/// grow a page at a time (thousands of system calls and page faults).
/// Measured with scripts/bench: about 20% less CPU time per scan.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
                .or_else(|| c.downcast_ref::<serde_json::Error>()?.io_error_kind())
                .or_else(|| c.downcast_ref::<spur_app::AppError>()?.io_kind());
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
            model,
        } => {
            let model = model
                .as_deref()
                .map(spur_app::learn::db::read_model_file)
                .transpose()?;
            let settings = settings::load_all(cli.config.as_deref(), std::env::vars())?;
            let profile = input.apply(settings.input).context("input profile")?;
            let opts = scan::ScanOptions {
                input: payments.clone(),
                format: format.map(FormatArg::format),
                alerts: alerts.clone(),
                rejects: rejects.clone(),
                max_rejects: *max_rejects,
                progress: if *quiet {
                    None
                } else {
                    progress::Bar::for_terminal()
                },
                now: now.unwrap_or_else(scan::system_now),
                profile,
                model,
            };
            // A scan that stores is how a database starts.
            let store = cli
                .db
                .as_deref()
                .map(|db| cases::open(db, OpenMode::CreateIfMissing))
                .transpose()?;
            let report = scan::run(&opts, engine_config(*threshold)?, store)?;
            scan_print::print(&report, &mut io::stderr())?;
        }
        Command::Simulate {
            out,
            world,
            institutions,
            mode,
        } => {
            let summary = demo::simulate(out, world.seed, world.senders, world.days, world.vary)?;
            eprintln!("{summary}");
            if let Some(n) = institutions {
                let s = demo::split(out, mode.mode(), world.seed, usize::from(*n))?;
                let each: Vec<String> = s
                    .payments
                    .iter()
                    .zip(&s.parties)
                    .zip(demo::INSTITUTIONS)
                    .map(|((p, q), name)| format!("{name} {p} payments, {q} parties"))
                    .collect();
                eprintln!(
                    "split: institution {}; {} payments seen by two",
                    each.join("; "),
                    s.shared_payments
                );
            }
        }
        Command::Eval {
            worlds: Some(worlds),
            first_seed,
            senders,
            days,
            threshold,
            json,
            learn: true,
            ..
        } => {
            let defaults = spur_app::worlds::WorldsOptions::default();
            let opts = spur_app::learn::simulated::LearnOptions {
                worlds: *worlds,
                first_seed: *first_seed,
                senders: senders.unwrap_or(defaults.senders),
                days: days.unwrap_or(defaults.days),
            };
            let report = spur_app::learn::simulated::evaluate(&opts, &engine_config(*threshold)?)?;
            let mut out = BufWriter::new(io::stdout().lock());
            if *json {
                serde_json::to_writer_pretty(&mut out, &report)?;
                writeln!(out)?;
            } else {
                write!(out, "{report}")?;
            }
            out.flush()?;
        }
        Command::Eval {
            worlds: Some(worlds),
            vary,
            first_seed,
            senders,
            days,
            threshold,
            reliability,
            json,
            ..
        } => {
            let defaults = spur_app::worlds::WorldsOptions::default();
            let opts = spur_app::worlds::WorldsOptions {
                worlds: *worlds,
                first_seed: *first_seed,
                senders: senders.unwrap_or(defaults.senders),
                days: days.unwrap_or(defaults.days),
                vary: *vary,
            };
            let cfg = engine_config(*threshold)?;
            let report = spur_app::worlds::evaluate_worlds(&opts, &cfg)?;
            if let Some(path) = reliability {
                let bins = spur_app::calibrate::reliability_of(&opts, &cfg)?;
                let chart = spur_app::reliability_svg::reliability(
                    &format!(
                        "Reliability of shown scores, seeds {}-{}",
                        opts.first_seed,
                        opts.first_seed + opts.worlds as u64 - 1
                    ),
                    &[("shown score", &bins, "#0072B2")],
                );
                std::fs::write(path, chart)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            let mut out = BufWriter::new(io::stdout().lock());
            if *json {
                serde_json::to_writer_pretty(&mut out, &report)?;
                writeln!(out)?;
            } else {
                write!(out, "{report}")?;
            }
            out.flush()?;
        }
        Command::Calibrate {
            worlds,
            vary,
            first_seed,
            senders,
            days,
            min_block,
            target_precision,
            out,
            svg,
        } => {
            let defaults = spur_app::calibrate::CalibrateOptions::default();
            let opts = spur_app::calibrate::CalibrateOptions {
                worlds: spur_app::worlds::WorldsOptions {
                    worlds: *worlds,
                    first_seed: *first_seed,
                    senders: senders.unwrap_or(defaults.worlds.senders),
                    days: days.unwrap_or(defaults.worlds.days),
                    vary: *vary,
                },
                min_block: *min_block,
                target_precision: *target_precision,
                ..defaults
            };
            let report = spur_app::calibrate::calibrate(&opts, &engine_config(None)?)?;
            std::fs::write(out, report.to_toml())
                .with_context(|| format!("writing {}", out.display()))?;
            if let Some(path) = svg {
                let chart = spur_app::reliability_svg::reliability(
                    "Reliability of scores over the calibration worlds",
                    &[
                        ("raw score", &report.before, "#D55E00"),
                        ("calibrated", &report.after, "#0072B2"),
                    ],
                );
                std::fs::write(path, chart)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            print!("{report}");
            eprintln!("wrote {}", out.display());
        }
        Command::Eval {
            truth,
            alerts,
            payments,
            json,
            ..
        } => {
            let Some(truth) = truth else {
                anyhow::bail!(
                    "name the ground truth with --truth FILE, or simulate worlds with --worlds N"
                );
            };
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
        Command::Match {
            peer,
            token,
            mode,
            transcript,
            lower,
            facts,
        } => {
            use spur_app::matching;
            let user = cases::actor(cli.user.as_deref())?;
            let cfg = engine_config(None)?;
            let mut transcript = match transcript {
                Some(p) => matching::transcript::Transcript::to(Box::new(std::io::BufWriter::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("cannot create {}", p.display()))?,
                ))),
                None => matching::transcript::Transcript::none(),
            };
            let mut http = matching::http::HttpPeer::new(peer, token);
            // --mode both: one run per mode, each its own audited run; the
            // transcript holds both.
            for &run_mode in mode.modes() {
                let store = cases::open(db_location(&cli), OpenMode::Existing)?;
                let opts = matching::run::MatchOptions {
                    peer_name: peer,
                    mode: run_mode,
                    user,
                    lower: *lower,
                    facts: *facts,
                };
                let r = matching::run::run(
                    store,
                    &cfg,
                    &mut http,
                    &opts,
                    &mut transcript,
                    spur_app::scan::system_now(),
                )
                .with_context(|| format!("spur match ({})", run_mode.as_str()))?;
                let l = &r.learnt;
                let mut out = io::stdout().lock();
                writeln!(
                    out,
                    "spur match ({}): offered {} items, the peer {}; {} matched (run {} there, {} here)",
                    run_mode.as_str(),
                    l.offered,
                    l.received,
                    l.matched,
                    l.run,
                    r.run.id
                )?;
                writeln!(
                    out,
                    "evidence: {} entries sent, {} received, {} outside findings about our parties stored",
                    l.sent,
                    l.got,
                    l.evidence.len()
                )?;
                writeln!(
                    out,
                    "alerts standing: {} before, {} after scoring again",
                    r.rescored.before, r.rescored.after
                )?;
                for (list, of, e) in [
                    ("alerted receivers", "", &l.estimate),
                    ("alerted senders (customers)", " of customers", &l.customers),
                ] {
                    if let Some(e) = e {
                        writeln!(
                            out,
                            "{list}: {} here, {} there, {} on both; Chapman estimate{of} {:.0} (95% {:.0} to {:.0})",
                            e.first, e.second, e.overlap, e.estimate, e.low, e.high
                        )?;
                    }
                }
            }
        }
        Command::Serve {
            listen,
            entity,
            limits,
        } => {
            // The configuration's [input] profile reads posted files.
            let settings = settings::load_all(cli.config.as_deref(), std::env::vars())?;
            let input = spur_io::Profile::new(&settings.input).context("input profile")?;
            let server = spur_server::start(spur_server::ServerConfig {
                db: db_location(&cli).to_owned(),
                listen: *listen,
                limits: limits.limits(),
                engine: engine_config(None)?,
                settle_after: std::time::Duration::from_millis(limits.settle_after_ms),
                handle_signals: true,
                reporting: spur_server::Reporting {
                    entity: entity.clone(),
                    engine: engine_config(None)?,
                },
                input,
            })
            .context("spur serve")?;
            eprintln!("spur serve: listening on http://{}", server.addr());
            server.wait().context("spur serve")?;
        }
        Command::Stats {
            command,
            out,
            k,
            epsilon,
            delta,
            max_cells,
            max_payments,
            max_usd,
        } => {
            let mut store = cases::open(db_location(&cli), OpenMode::Existing)?;
            let actor = cases::actor(cli.user.as_deref())?;
            let cfg = engine_config(None)?;
            match command {
                Some(StatsCommand::Verify { dir }) => {
                    let manifest = dir.join("manifest.json");
                    let text = std::fs::read(&manifest)
                        .with_context(|| format!("cannot read {}", manifest.display()))?;
                    let settings = spur_app::figures::settings_of_manifest(&text)
                        .with_context(|| manifest.display().to_string())?;
                    let figures = spur_app::figures::compute(&mut *store, actor, &cfg, &settings)?;
                    let differ = spur_app::figures::verify(dir, &figures);
                    if !differ.is_empty() {
                        anyhow::bail!(
                            "{}: {} differ from what the database gives now (edited, or made from other data or another configuration)",
                            dir.display(),
                            differ.join(", ")
                        );
                    }
                    println!(
                        "spur stats verify: the {} files of {} are what the database gives",
                        figures.files.len(),
                        dir.display()
                    );
                }
                None => {
                    let out = out.as_deref().context("--out DIR is needed")?;
                    let settings = spur_app::figures::Settings {
                        k: *k,
                        privacy: epsilon.map(|epsilon| spur_app::figures_noise::Privacy {
                            epsilon,
                            delta: *delta,
                            max_cells: *max_cells,
                            max_payments: *max_payments,
                            max_usd: *max_usd,
                        }),
                        draw: true,
                    };
                    let figures = spur_app::figures::compute(&mut *store, actor, &cfg, &settings)?;
                    spur_app::figures::write(out, &figures)?;
                    let how = match epsilon {
                        Some(e) => format!(
                            "counts released with differential privacy, epsilon {e}, delta {delta}; the release is kept in the database"
                        ),
                        None => format!("cells of fewer than {k} parties suppressed"),
                    };
                    println!(
                        "spur stats: {} files in {} ({how}); check them with `spur stats verify --dir {}`",
                        figures.files.len(),
                        out.display(),
                        out.display()
                    );
                }
            }
        }
        Command::Census {
            peers,
            tokens,
            out,
            transcript,
            level,
        } => census::run(census::CensusArgs {
            db: db_location(&cli),
            user: cases::actor(cli.user.as_deref())?,
            peers,
            tokens,
            out: out.as_deref(),
            transcript: transcript.as_deref(),
            level: *level,
            cfg: engine_config(None)?,
        })?,
        Command::Estimate { histories, level } => {
            let (lists, counts) = spur_app::matching::histories::read(histories)?;
            let e = spur_match::loglinear(lists, &counts, *level)
                .with_context(|| histories.display().to_string())?;
            println!("spur estimate: {}", census::loglinear_line(&e));
        }
        Command::Demo { out, world, serve } => {
            demo::run(
                out,
                world.seed,
                world.senders,
                world.days,
                world.vary,
                engine_config(None)?,
                *serve,
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
        Command::Token { command } => {
            let mut store = open_store(&cli)?;
            let actor = cases::actor(cli.user.as_deref())?;
            match command {
                TokenCommand::Create { for_user } => {
                    tokens::say_created(&store.create_token(for_user, actor)?)?
                }
                TokenCommand::Revoke { token_id } => {
                    let t = store.revoke_token(*token_id, actor)?;
                    cases::say(&format!(
                        "token {} of {} revoked",
                        t.id,
                        terminal::visible(&t.user)
                    ))?;
                }
                TokenCommand::List => tokens::print_tokens(&mut *store, actor)?,
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
            assignee,
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
                assignee: assignee.clone(),
                ..Default::default()
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
                    let opts = drafting::DraftOptions {
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
                    let d = drafting::draft(s, &opts, corrects, &engine_config(None)?, actor)?;
                    reports::warn(&d.warnings);
                    reports::say("drafted (validated against its schema)", &d.report)?;
                }
                ReportCommand::Redraft {
                    report_id,
                    fiu,
                    text,
                } => {
                    let opts = drafting::DraftOptions {
                        case_id: 0,
                        fiu: fiu.as_deref().unwrap_or(""),
                        entity: text.entity.as_deref(),
                        reason: text.reason.as_deref(),
                        action: text.action.as_deref(),
                        all_evidence: text.evidence(),
                        out: text.out.as_deref(),
                        now,
                    };
                    let d = drafting::redraft(s, *report_id, &opts, &engine_config(None)?, actor)?;
                    reports::warn(&d.warnings);
                    reports::say("redrafted (validated against its schema)", &d.report)?;
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
                    &drafting::file(s, *report_id, out.as_deref(), *force, actor)?,
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
        Command::Feedback {
            command: FeedbackCommand::Import { file },
        } => {
            let actor = cases::actor(cli.user.as_deref())?;
            learn::import(&mut *open_store(&cli)?, file, actor)?;
        }
        Command::Model { command } => {
            let actor = cases::actor(cli.user.as_deref())?;
            let mut store = open_store(&cli)?;
            match command {
                ModelCommand::Train { candidates_from } => {
                    let rules = engine_config(None)?.alert_threshold;
                    learn::train(&mut *store, rules, candidates_from.unwrap_or(rules), actor)?;
                }
                ModelCommand::Show { version } => learn::show(&mut *store, *version, actor)?,
                ModelCommand::Shadow { version, sentences } => {
                    let rules = engine_config(None)?.alert_threshold;
                    learn::shadow(&mut *store, *version, rules, *sentences, actor)?
                }
                ModelCommand::Activate { version } => {
                    learn::activate(&mut *store, *version, actor)?
                }
                ModelCommand::Export { version, out } => {
                    learn::export(&mut *store, *version, out, actor)?
                }
                ModelCommand::Import { file } => {
                    let m = spur_app::learn::db::import_model(&mut *store, file, actor)?;
                    println!(
                        "model from {} stored as version {} ({}); the rules stay in use until another supervisor activates it",
                        terminal::visible(&file.display().to_string()),
                        m.version,
                        m.status
                    );
                }
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

fn db_location(cli: &Cli) -> &str {
    cli.db.as_deref().unwrap_or(cases::DEFAULT_DB)
}

/// The store of a command that works on an existing database.
fn open_store(cli: &Cli) -> Result<Box<dyn spur_store::Store>> {
    cases::open(db_location(cli), OpenMode::Existing)
}
