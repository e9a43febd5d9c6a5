//! `spur report`: a case's alerts and evidence payments become a goAML report,
//! validated against its FIU profile's XSD before the store keeps it; then
//! approval by another supervisor and filing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use spur_engine::money::Rates;
use spur_engine::{Currency, EngineConfig, Timestamp};
use spur_report::{
    AlertSummary, FiuProfile, ForeignAmount, IndicatorReason, Party, ReportError, ReportInput,
    ReportMeta, ReportingEntity, Transaction,
};
use spur_store::{PaymentRecord, Report, Store};

/// The reporting entity file (`--entity` / `SPUR_ENTITY`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntityFile {
    /// ISO 4217 code of the institution's local currency.
    currency_code_local: String,
    entity: ReportingEntity,
}

fn read_entity(path: &Path) -> Result<EntityFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the reporting entity file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("reporting entity file {}", path.display()))
}

/// A shipped profile by name (`ae`, `generic`), or a profile TOML file.
pub fn profile(name: &str) -> Result<FiuProfile> {
    if let Ok(p) = FiuProfile::shipped(name) {
        return Ok(p);
    }
    let path = Path::new(name);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read FIU profile {}", path.display()))?;
        return FiuProfile::from_toml(&text)
            .with_context(|| format!("FIU profile {}", path.display()));
    }
    bail!("unknown FIU profile {name:?}: give ae, generic or the path of a profile file")
}

/// Where the profiles' XSD paths start: `SPUR_ROOT`, else this repository.
pub fn root() -> PathBuf {
    std::env::var_os("SPUR_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

pub struct DraftOptions<'a> {
    pub case_id: i64,
    pub fiu: &'a str,
    pub entity: Option<&'a Path>,
    pub reason: &'a str,
    pub action: &'a str,
    pub out: Option<&'a Path>,
    pub now: Timestamp,
}

/// The report's XML for a case, validated; warnings for the person at the terminal.
fn build(
    store: &mut dyn Store,
    opts: &DraftOptions<'_>,
    cfg: &EngineConfig,
    actor: &str,
) -> Result<(FiuProfile, String, Vec<String>)> {
    let profile = profile(opts.fiu)?;
    let entity_path = opts
        .entity
        .context("name the reporting entity file with --entity FILE or SPUR_ENTITY (see docs/reporting-entity.example.toml)")?;
    let entity = read_entity(entity_path)?;
    let case = store.case(opts.case_id, actor)?;
    let mut warnings = Vec::new();
    let mut alerts = Vec::new();
    let mut evidence = BTreeSet::new();
    for id in &case.alerts {
        let a = store.alert(*id, actor)?;
        evidence.extend(a.transactions.iter().cloned());
        let indicators = a
            .indicators
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|f| IndicatorReason {
                        code: f["code"].as_str().unwrap_or_default().to_owned(),
                        reason: f["reason"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        alerts.push(AlertSummary {
            subject: a.subject,
            role: a.role,
            score: a.score,
            first_seen: a.first_seen,
            last_seen: a.last_seen,
            indicators,
        });
    }
    let ids: Vec<&str> = evidence.iter().map(String::as_str).collect();
    let payments = store.payments(&ids, actor)?;
    if payments.len() < ids.len() {
        let kept: BTreeSet<&str> = payments.iter().map(|p| p.txn_id.as_str()).collect();
        let missing: Vec<&str> = ids.iter().copied().filter(|t| !kept.contains(t)).collect();
        warnings.push(format!(
            "{} evidence payment(s) have no stored details (ingested in a scan before they became evidence) and are left out: {}",
            missing.len(),
            missing.join(", ")
        ));
    }
    let rates = Rates::new(cfg.rates.iter().map(|(k, v)| (k.as_str(), *v)))
        .map_err(anyhow::Error::msg)
        .context("configuration [rates]")?;
    let local = entity.currency_code_local.to_ascii_uppercase();
    let usd = |amount: f64, code: &str| {
        Currency::parse(code.as_bytes()).and_then(|c| rates.to_usd(amount, c))
    };
    let local_usd = usd(1.0, &local).with_context(|| {
        format!("no exchange rate for the local currency {local}: add it under [rates] in the configuration")
    })?;
    let mut converted = BTreeSet::new();
    let mut transactions = Vec::new();
    for p in &payments {
        let (amount_local, foreign) = if p.currency.eq_ignore_ascii_case(&local) {
            (p.amount, None)
        } else {
            let in_usd = usd(p.amount, &p.currency).with_context(|| {
                format!(
                    "payment {}: no exchange rate for {}: add it under [rates] in the configuration",
                    p.txn_id, p.currency
                )
            })?;
            converted.insert(p.currency.clone());
            let local_amount = (in_usd / local_usd * 100.0).round() / 100.0;
            (
                local_amount,
                Some(ForeignAmount {
                    currency: p.currency.clone(),
                    amount: p.amount,
                }),
            )
        };
        transactions.push(transaction(p, amount_local, foreign));
    }
    if !converted.is_empty() {
        warnings.push(format!(
            "local amounts ({local}) converted from {} at spur's reference rates (configuration [rates]); check them against your books",
            converted.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let input = ReportInput {
        entity: entity.entity,
        meta: ReportMeta {
            case_id: case.id.to_string(),
            submission_date: opts.now,
            currency_code_local: local,
        },
        reason: opts.reason.to_owned(),
        action: opts.action.to_owned(),
        alerts,
        transactions,
    };
    let report = match spur_report::draft_report(&input, &profile, &root()) {
        Ok(r) => r,
        Err(ReportError::Invalid(messages)) => bail!(
            "the report for case {} does not validate against the {} profile's schema; nothing was stored:\n{}",
            case.id,
            profile.name,
            messages.join("\n")
        ),
        Err(e) => return Err(e).context(format!("report for case {}", case.id)),
    };
    Ok((profile, report.into_xml(), warnings))
}

fn transaction(
    p: &PaymentRecord,
    amount_local: f64,
    foreign: Option<ForeignAmount>,
) -> Transaction {
    Transaction {
        txn_id: p.txn_id.clone(),
        timestamp: p.timestamp,
        amount_local,
        foreign,
        channel: p.channel.clone(),
        from: Party {
            id: p.sender_id.clone(),
            name: p.sender_name.clone(),
            country: p.sender_country.clone(),
            organisation: false,
        },
        to: Party {
            id: p.receiver_id.clone(),
            name: p.receiver_name.clone(),
            country: p.receiver_country.clone(),
            organisation: false,
        },
        message: p.message.clone(),
    }
}

fn write_out(out: Option<&Path>, xml: &str) -> Result<()> {
    if let Some(path) = out {
        std::fs::write(path, xml).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("spur: warning: {w}");
    }
}

pub fn draft(
    store: &mut dyn Store,
    opts: &DraftOptions<'_>,
    cfg: &EngineConfig,
    actor: &str,
) -> Result<Report> {
    let (profile, xml, warnings) = build(store, opts, cfg, actor)?;
    warn(&warnings);
    let report = store.draft_report(opts.case_id, &profile.name, &xml, actor)?;
    write_out(opts.out, &report.xml)?;
    Ok(report)
}

/// Writes a draft again from the case as it is now; approved and filed reports stay.
pub fn redraft(
    store: &mut dyn Store,
    report_id: i64,
    opts: &DraftOptions<'_>,
    cfg: &EngineConfig,
    actor: &str,
) -> Result<Report> {
    let before = store.report(report_id, actor)?;
    if before.status != spur_store::ReportStatus::Draft {
        // The store says why (filed: immutable; approved: no longer a draft).
        store.revise_report(report_id, &before.xml, actor)?;
    }
    let opts = DraftOptions {
        case_id: before.case_id,
        fiu: if opts.fiu.is_empty() {
            &before.profile
        } else {
            opts.fiu
        },
        ..*opts
    };
    let (_, xml, warnings) = build(store, &opts, cfg, actor)?;
    warn(&warnings);
    let report = store.revise_report(report_id, &xml, actor)?;
    write_out(opts.out, &report.xml)?;
    Ok(report)
}

pub fn file(
    store: &mut dyn Store,
    report_id: i64,
    out: Option<&Path>,
    actor: &str,
) -> Result<Report> {
    let report = store.file_report(report_id, actor)?;
    write_out(out, &report.xml)?;
    Ok(report)
}

pub fn say(what: &str, r: &Report) {
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(" {what}")
    };
    println!(
        "report {}{what}: case {}, profile {}, status {}, author {}{}",
        r.id,
        r.case_id,
        r.profile,
        r.status,
        r.author,
        r.approved_by
            .as_deref()
            .map(|s| format!(", approved by {s}"))
            .unwrap_or_default()
    );
}
