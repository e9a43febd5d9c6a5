//! The `spur` command: thin glue around the engine, the formats and the simulator.

mod demo;
mod scan;
mod settings;

use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use spur_io::Format;

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Jsonl,
}

#[derive(Subcommand)]
enum Command {
    /// Score every sender and receiver in a payments file; write alerts as JSON Lines.
    Scan {
        /// Payments (CSV or JSON Lines), `-` for standard input.
        payments: PathBuf,
        /// Alerts file (JSON Lines); standard output when absent.
        #[arg(long)]
        alerts: Option<PathBuf>,
        /// Rejected records, as CSV `file,line,field,reason` (created when there is one).
        #[arg(long, default_value = "rejects.csv")]
        rejects: PathBuf,
        /// Input format when the extension does not tell (standard input defaults to CSV).
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
    },
    /// Write synthetic payments with ground truth: payments.csv and truth.csv.
    Simulate {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        senders: Option<usize>,
        #[arg(long)]
        days: Option<u32>,
    },
    /// Precision, recall and average precision of alerts against ground truth.
    Eval {
        #[arg(long)]
        truth: PathBuf,
        #[arg(long)]
        alerts: PathBuf,
        /// The payments, to report recall for light and heavy offenders.
        #[arg(long)]
        payments: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Simulate, scan and evaluate in one go, then tell what was found.
    Demo {
        /// Where the demo writes its files.
        #[arg(long, default_value = "spur-demo")]
        out: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        senders: Option<usize>,
        #[arg(long)]
        days: Option<u32>,
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
        eprintln!("spur: error: {e:#}");
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
        } => {
            let opts = scan::ScanOptions {
                input: payments.clone(),
                format: format.map(|f| match f {
                    FormatArg::Csv => Format::Csv,
                    FormatArg::Jsonl => Format::Jsonl,
                }),
                alerts: alerts.clone(),
                rejects: rejects.clone(),
                max_rejects: *max_rejects,
                progress: !quiet,
            };
            let report = scan::run(&opts, engine_config(*threshold)?)?;
            report.print(&mut io::stderr())?;
        }
        Command::Simulate {
            out,
            seed,
            senders,
            days,
        } => {
            let summary = demo::simulate(out, *seed, *senders, *days)?;
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
            let payments = payments.as_ref().map(open).transpose()?;
            let report =
                spur_sim::evaluate(open(truth)?, open(alerts)?, payments).with_context(|| {
                    format!(
                        "evaluating {} against {}",
                        alerts.display(),
                        truth.display()
                    )
                })?;
            if *json {
                serde_json::to_writer_pretty(BufWriter::new(io::stdout().lock()), &report)?;
                println!();
            } else {
                print!("{report}");
            }
        }
        Command::Demo {
            out,
            seed,
            senders,
            days,
        } => {
            demo::run(out, *seed, *senders, *days, engine_config(None)?)?;
        }
    }
    Ok(())
}
