//! The learning commands over a store: import labels, train from the
//! store's labels and alerts, shadow-score, export a version and read an
//! exported file. Who may do what is the store's to decide.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use spur_engine::Alert;
use spur_store::{LabelImport, ModelStatus, NewModel, Store, StoredAlert, StoredModel};

use super::labels_csv::{self, LabelError};
use super::model::{Model, ScoredAlert};
use super::train::{train, Example, Trained};
use crate::{AppError, Context, Result};

/// What an import stored and which lines it left out.
#[derive(Debug)]
pub struct Imported {
    pub stored: Option<LabelImport>,
    pub errors: Vec<LabelError>,
}

/// Reads `path` and stores its good labels in one audited change.
pub fn import_labels(store: &mut dyn Store, path: &Path, actor: &str) -> Result<Imported> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {name}"))?;
    let parsed = labels_csv::parse(&name, std::io::BufReader::new(file))?;
    let stored = if parsed.labels.is_empty() {
        None
    } else {
        Some(
            store
                .import_labels(&name, &parsed.labels, actor)
                .with_context(|| format!("importing {name}"))?,
        )
    };
    tracing::info!(
        labels = parsed.labels.len(),
        bad_lines = parsed.errors.len(),
        "labels imported"
    );
    Ok(Imported {
        stored,
        errors: parsed.errors,
    })
}

fn alert_of(s: &StoredAlert) -> Result<Alert> {
    serde_json::from_value(s.body.clone())
        .map_err(|e| AppError::Invalid(format!("stored alert {}: {e}", s.id)))
}

/// The latest label of each party and role, with its alert if one is
/// stored; the rules alert a standing alert scoring at least `rules_threshold`.
fn examples(store: &mut dyn Store, rules_threshold: f64, actor: &str) -> Result<Vec<Example>> {
    let labels = store.labels(actor)?;
    let mut alerts: HashMap<(String, &'static str), (Alert, bool)> = HashMap::new();
    for s in store.alerts(actor)? {
        let standing = s.cleared_at.is_none();
        let a = alert_of(&s)?;
        alerts.insert((a.subject.clone(), a.role.as_str()), (a, standing));
    }
    let mut latest: HashMap<(String, &'static str), usize> = HashMap::new();
    for (i, l) in labels.iter().enumerate() {
        latest.insert((l.party_id.clone(), l.role.as_str()), i);
    }
    let mut order: Vec<usize> = latest.values().copied().collect();
    order.sort_unstable();
    Ok(order
        .into_iter()
        .map(|i| {
            let l = &labels[i];
            let found = alerts.get(&(l.party_id.clone(), l.role.as_str()));
            Example {
                key: format!("{}/{}", l.party_id, l.role.as_str()),
                alert: found.map(|(a, _)| a.clone()),
                rules_alerted: found
                    .is_some_and(|(a, standing)| *standing && a.score >= rules_threshold),
                positive: l.disposition.is_positive(),
            }
        })
        .collect())
}

/// Trains on the store's labels and alerts and stores the version (refused
/// when worse than the rules at `rules_threshold`, the configured alert
/// threshold). `candidate_threshold` is the threshold the stored alerts were
/// raised at (a scan for learning may store more than the rules alert).
pub fn train_from_store(
    store: &mut dyn Store,
    rules_threshold: f64,
    candidate_threshold: f64,
    actor: &str,
) -> Result<(StoredModel, Trained)> {
    if candidate_threshold > rules_threshold {
        return Err(AppError::Invalid(format!(
            "the candidate threshold {candidate_threshold} is above the rules' alert threshold {rules_threshold}: \
             the model would never see alerts the rules raise"
        )));
    }
    let examples = examples(store, rules_threshold, actor)?;
    let trained = train(&examples, candidate_threshold)?;
    let stored = store.save_model(
        &NewModel {
            refusal: trained.refusal.clone(),
            labels: trained.labels as i64,
            threshold: trained.model.threshold,
            cv_precision: trained.cv.precision,
            cv_recall: trained.cv.recall,
            rules_precision: trained.rules.precision,
            rules_recall: trained.rules.recall,
            body: serde_json::to_string(&trained.model)?,
        },
        actor,
    )?;
    tracing::info!(
        version = stored.version,
        refused = stored.refusal.is_some(),
        cv_precision = stored.cv_precision,
        cv_recall = stored.cv_recall,
        "model trained"
    );
    Ok((stored, trained))
}

pub fn model_of(stored: &StoredModel) -> Result<Model> {
    let m: Model = serde_json::from_str(&stored.body)
        .map_err(|e| AppError::Invalid(format!("model version {}: {e}", stored.version)))?;
    m.check()
        .map_err(|e| AppError::Invalid(format!("model version {}: {e}", stored.version)))?;
    Ok(m)
}

/// One stored alert under the rules and under the model.
#[derive(Debug, Serialize)]
pub struct Shadowed {
    pub alert_id: i64,
    pub scored: ScoredAlert,
}

/// Every standing alert scored by `version`: the rules alert them all; the
/// model's verdict is beside each.
pub fn shadow(
    store: &mut dyn Store,
    version: i64,
    actor: &str,
) -> Result<(StoredModel, Vec<Shadowed>)> {
    let stored = store.model(version, actor)?;
    let model = model_of(&stored)?;
    let mut out = Vec::new();
    for s in store.alerts(actor)? {
        if s.cleared_at.is_some() {
            continue;
        }
        let alert = alert_of(&s)?;
        let score = model.score(&alert, Some(version));
        out.push(Shadowed {
            alert_id: s.id,
            scored: ScoredAlert {
                alert,
                model: score,
            },
        });
    }
    Ok((stored, out))
}

/// A model carried to another database or a file scan.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedModel {
    pub version: i64,
    pub status: String,
    pub trainer: String,
    pub trained_at: i64,
    pub labels: i64,
    pub cv_precision: f64,
    pub cv_recall: f64,
    pub rules_precision: f64,
    pub rules_recall: f64,
    pub model: Model,
}

/// Writes `version` to `out` (never over an existing file); refused models
/// are not exported.
pub fn export(
    store: &mut dyn Store,
    version: i64,
    out: &Path,
    actor: &str,
) -> Result<ExportedModel> {
    let stored = store.model(version, actor)?;
    if stored.status == ModelStatus::Refused {
        return Err(AppError::Invalid(format!(
            "model version {version} was refused ({}): it is not exported",
            stored.refusal.as_deref().unwrap_or("")
        )));
    }
    let exported = ExportedModel {
        version,
        status: stored.status.as_str().to_owned(),
        trainer: stored.trainer.clone(),
        trained_at: stored.trained_at,
        labels: stored.labels,
        cv_precision: stored.cv_precision,
        cv_recall: stored.cv_recall,
        rules_precision: stored.rules_precision,
        rules_recall: stored.rules_recall,
        model: model_of(&stored)?,
    };
    let mut bytes = serde_json::to_vec_pretty(&exported)?;
    bytes.push(b'\n');
    let name = out.display().to_string();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .with_context(|| format!("cannot create {name} (an existing file is never overwritten)"))?;
    std::io::Write::write_all(&mut f, &bytes).with_context(|| format!("writing {name}"))?;
    Ok(exported)
}

/// Reads and checks an exported model file.
pub fn read_model_file(path: &Path) -> Result<ExportedModel> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?;
    let m: ExportedModel = serde_json::from_str(&text)
        .map_err(|e| AppError::Invalid(format!("{name}: line {}: {e}", e.line())))?;
    m.model
        .check()
        .map_err(|e| AppError::Invalid(format!("{name}: {e}")))?;
    Ok(m)
}

/// Stores an exported model as the next version of this database: its
/// figures as measured where it was trained, the importer as its trainer
/// here (so another supervisor must activate it).
pub fn import_model(store: &mut dyn Store, path: &Path, actor: &str) -> Result<StoredModel> {
    let e = read_model_file(path)?;
    let name = path.display().to_string();
    if e.status == ModelStatus::Refused.as_str() {
        return Err(AppError::Invalid(format!(
            "{name}: a refused model is not imported"
        )));
    }
    let stored = store
        .save_model(
            &NewModel {
                refusal: None,
                labels: e.labels,
                threshold: e.model.threshold,
                cv_precision: e.cv_precision,
                cv_recall: e.cv_recall,
                rules_precision: e.rules_precision,
                rules_recall: e.rules_recall,
                body: serde_json::to_string(&e.model)?,
            },
            actor,
        )
        .with_context(|| format!("importing {name}"))?;
    tracing::info!(
        version = stored.version,
        from_version = e.version,
        "model imported"
    );
    Ok(stored)
}

/// The active model's verdict on a stored alert, if a model is active (the
/// rules' findings stand either way).
pub fn active_verdict(
    store: &mut dyn Store,
    alert: &StoredAlert,
    actor: &str,
) -> Result<Option<super::ModelScore>> {
    let Some(stored) = store.active_model(actor)? else {
        return Ok(None);
    };
    let model = model_of(&stored)?;
    Ok(Some(model.score(&alert_of(alert)?, Some(stored.version))))
}
