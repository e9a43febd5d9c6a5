//! `spur report`: a case's alerts and evidence payments become a goAML report,
//! validated against its FIU profile's XSD before the store keeps it; then
//! approval by another supervisor and filing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::{bail, Context, Result};
use serde::Deserialize;
use spur_engine::money::Rates;
use spur_engine::{Currency, EngineConfig, Timestamp};
use spur_report::{
    AlertSummary, CorrectedReport, FiuProfile, ForeignAmount, IndicatorReason, Party, ReportError,
    ReportInput, ReportMeta, ReportingEntity, Transaction,
};
use spur_store::{Correction, PaymentRecord, Report, ReportContent, Store, StoredAlert};

use crate::outfile;

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
    /// `None`: a redraft keeps the report's; a draft has none.
    pub reason: Option<&'a str>,
    pub action: Option<&'a str>,
    /// `None`: a redraft keeps the report's choice; a draft takes the alerts' evidence.
    pub all_evidence: Option<bool>,
    pub out: Option<&'a Path>,
    pub now: Timestamp,
}

/// A drafted or redrafted report, and what the person asking should know
/// about it (converted amounts, payments left out).
#[derive(Debug)]
pub struct Drafted {
    pub report: Report,
    pub warnings: Vec<String>,
}

/// What a report is built from beyond the case: settled by the store and the options.
struct Plan<'a> {
    entity_reference: String,
    corrects: Option<CorrectedReport>,
    reason: &'a str,
    action: &'a str,
    all_evidence: bool,
}

/// The kept payments behind the case's alerts: each alert's evidence, or with
/// `all` every kept payment of the alerted party in its role.
fn evidence(
    store: &mut dyn Store,
    alerts: &[StoredAlert],
    all: bool,
    actor: &str,
) -> Result<(Vec<PaymentRecord>, Vec<String>)> {
    let mut warnings = Vec::new();
    let mut ids = BTreeSet::new();
    for a in alerts {
        ids.extend(a.transactions.iter().cloned());
    }
    let wanted: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut payments = store.payments(&wanted, actor)?;
    if payments.len() < wanted.len() {
        let kept: BTreeSet<&str> = payments.iter().map(|p| p.txn_id.as_str()).collect();
        let missing: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|t| !kept.contains(t))
            .collect();
        warnings.push(format!(
            "{} evidence payment(s) have no stored details (ingested in a scan before they became evidence) and are left out: {}",
            missing.len(),
            missing.join(", ")
        ));
    }
    if all {
        let mut seen: BTreeSet<String> = payments.iter().map(|p| p.txn_id.clone()).collect();
        for a in alerts {
            for p in store.party_payments(&a.subject, a.role, actor)? {
                if seen.insert(p.txn_id.clone()) {
                    payments.push(p);
                }
            }
        }
        payments.sort_by(|a, b| (a.timestamp, &a.txn_id).cmp(&(b.timestamp, &b.txn_id)));
    }
    Ok((payments, warnings))
}

/// All payments of the alert's party in its role, as the engine counted them.
fn payment_count(a: &StoredAlert) -> u64 {
    a.body["payments"].as_u64().unwrap_or(0)
}

/// The report's XML for a case, validated; warnings for the person at the terminal.
fn build(
    store: &mut dyn Store,
    opts: &DraftOptions<'_>,
    plan: &Plan<'_>,
    cfg: &EngineConfig,
    actor: &str,
) -> Result<(FiuProfile, String, Vec<String>)> {
    let profile = profile(opts.fiu)?;
    let entity_path = opts
        .entity
        .context("name the reporting entity file with --entity FILE or SPUR_ENTITY (see docs/reporting-entity.example.toml)")?;
    let entity = read_entity(entity_path)?;
    let case = store.case(opts.case_id, actor)?;
    let mut alerts = Vec::new();
    for id in &case.alerts {
        alerts.push(store.alert(*id, actor)?);
    }
    let (payments, mut warnings) = evidence(store, &alerts, plan.all_evidence, actor)?;
    let summaries: Vec<AlertSummary> = alerts
        .iter()
        .map(|a| AlertSummary {
            subject: a.subject.clone(),
            role: a.role,
            score: a.score,
            first_seen: a.first_seen,
            last_seen: a.last_seen,
            payments: payment_count(a),
            indicators: a
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
                .unwrap_or_default(),
        })
        .collect();
    let rates = Rates::new(cfg.rates.iter().map(|(k, v)| (k.as_str(), *v)))
        .map_err(crate::AppError::Invalid)
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
            entity_reference: plan.entity_reference.clone(),
            submission_date: opts.now,
            currency_code_local: local,
            corrects: plan.corrects.clone(),
        },
        reason: plan.reason.to_owned(),
        action: plan.action.to_owned(),
        alerts: summaries,
        transactions,
    };
    let (shown, total) = input.shown_of_total();
    if shown < total {
        warnings.push(format!(
            "the report shows {shown} of the alerted parties' {total} payments{}",
            if plan.all_evidence {
                " (spur keeps the details of evidence payments only); the report says so"
            } else {
                " (each alert's evidence); the report says so. --all-evidence adds every kept payment of the alerted parties"
            }
        ));
    }
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

/// What the corrected report is, as a correction's XML names it.
fn corrected(filed: &Report, fiu_ref: Option<&str>) -> CorrectedReport {
    CorrectedReport {
        entity_reference: filed
            .entity_reference
            .clone()
            .unwrap_or_else(|| filed.case_id.to_string()),
        filed_at: filed.filed_at.unwrap_or(filed.updated_at),
        fiu_ref_number: fiu_ref.unwrap_or_default().trim().to_owned(),
    }
}

/// A new report on a case; with `corrects`, a correction of its latest filed report.
pub fn draft(
    store: &mut dyn Store,
    opts: &DraftOptions<'_>,
    corrects: Option<Correction<'_>>,
    cfg: &EngineConfig,
    actor: &str,
) -> Result<Drafted> {
    // Refused before anything is built: another open report, a missing --corrects.
    let plan = store.plan_report(opts.case_id, corrects.map(|c| c.report_id), actor)?;
    let all_evidence = opts.all_evidence.unwrap_or(false);
    let built = Plan {
        entity_reference: plan.entity_reference.clone(),
        corrects: plan
            .corrects
            .as_ref()
            .map(|r| corrected(r, corrects.and_then(|c| c.fiu_ref_number))),
        reason: opts.reason.unwrap_or_default(),
        action: opts.action.unwrap_or_default(),
        all_evidence,
    };
    let (profile, xml, warnings) = build(store, opts, &built, cfg, actor)?;
    let content = ReportContent {
        profile: &profile.name,
        xml: &xml,
        reason: built.reason,
        action: built.action,
        all_evidence,
    };
    let report = store.draft_report(opts.case_id, &content, corrects, actor)?;
    write_out(opts.out, &report.xml)?;
    Ok(Drafted { report, warnings })
}

/// Writes a draft again from the case as it is now; the reason, action and
/// evidence choice stay as they were unless given. Approved and filed reports stay.
pub fn redraft(
    store: &mut dyn Store,
    report_id: i64,
    opts: &DraftOptions<'_>,
    cfg: &EngineConfig,
    actor: &str,
) -> Result<Drafted> {
    let before = store.report(report_id, actor)?;
    let kept = ReportContent {
        profile: &before.profile,
        xml: &before.xml,
        reason: &before.reason,
        action: &before.action,
        all_evidence: before.all_evidence,
    };
    if before.status != spur_store::ReportStatus::Draft {
        // The store says why (filed: immutable; approved: no longer a draft).
        store.revise_report(report_id, &kept, actor)?;
    }
    let corrects = match before.corrects {
        Some(id) => Some(corrected(
            &store.report(id, actor)?,
            before.fiu_ref_number.as_deref(),
        )),
        None => None,
    };
    let plan = Plan {
        entity_reference: before
            .entity_reference
            .clone()
            .unwrap_or_else(|| before.case_id.to_string()),
        corrects,
        reason: opts.reason.unwrap_or(&before.reason),
        action: opts.action.unwrap_or(&before.action),
        all_evidence: opts.all_evidence.unwrap_or(before.all_evidence),
    };
    let opts = DraftOptions {
        case_id: before.case_id,
        fiu: if opts.fiu.is_empty() {
            &before.profile
        } else {
            opts.fiu
        },
        ..*opts
    };
    let (profile, xml, warnings) = build(store, &opts, &plan, cfg, actor)?;
    let content = ReportContent {
        profile: &profile.name,
        xml: &xml,
        reason: plan.reason,
        action: plan.action,
        all_evidence: plan.all_evidence,
    };
    let report = store.revise_report(report_id, &content, actor)?;
    write_out(opts.out, &report.xml)?;
    Ok(Drafted { report, warnings })
}

/// Files an approved report. With `out`, the XML is written to a temporary
/// file beside it and synced first; the report is filed only once that
/// worked, and the file is then put in place without replacing an existing
/// one unless `force` (docs/cases.md: what a crash at each step leaves).
pub fn file(
    store: &mut dyn Store,
    report_id: i64,
    out: Option<&Path>,
    force: bool,
    actor: &str,
) -> Result<Report> {
    let Some(path) = out else {
        return Ok(store.file_report(report_id, actor)?);
    };
    let stays = || format!("report {report_id} stays approved, not filed");
    if !force && path.symlink_metadata().is_ok() {
        bail!(
            "{} exists: not overwritten (give --force to replace it); {}",
            path.display(),
            stays()
        );
    }
    let approved = store.report(report_id, actor)?;
    let staged = outfile::Staged::write(path, approved.xml.as_bytes())
        .with_context(|| format!("cannot write {}; {}", path.display(), stays()))?;
    let filed = match store.file_report(report_id, actor) {
        Ok(r) => r,
        Err(e) => {
            staged.discard();
            return Err(e.into());
        }
    };
    let kept = staged.path().display().to_string();
    if filed.xml != approved.xml {
        // Cannot happen: an approved report's XML never changes. Said, not assumed.
        bail!("report {report_id} is filed, but its XML changed while filing; the XML written to {kept} is not the filed one: print the filed XML with `spur report show {report_id} --xml`");
    }
    staged.publish(force).with_context(|| {
        format!(
            "report {report_id} is filed, but its XML could not be put at {}: it is in {kept} (or print it with `spur report show {report_id} --xml`)",
            path.display()
        )
    })?;
    Ok(filed)
}
