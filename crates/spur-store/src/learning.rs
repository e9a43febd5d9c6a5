//! Learning from the analysts: their dispositions as labels, and the learned
//! models trained on them, versioned.
//!
//! A label is a (party, role, disposition) with where it came from: an
//! import of a file (`labels` table) or a closed case, whose disposition is
//! read from the case itself (each alert of the case labels its party and
//! role), so that a case and its label cannot disagree. The store does not
//! know what a model computes: it keeps its JSON and its figures, and decides
//! who may train (analysts, supervisors), who may activate (a supervisor
//! other than the trainer) and that a refused model is never active.

use serde::Serialize;
use spur_engine::{Role, Timestamp};

use crate::access::{require, READERS, WORKERS};
use crate::audit::{self, json, Change};
use crate::error::StoreError;
use crate::model::{CaseStatus, Disposition, UserRole};
use crate::rows;
use crate::sql::{params, Row, Tx};

/// An analyst's conclusion about a party, as a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LabelDisposition {
    Suspicious,
    NotSuspicious,
    FalsePositive,
}

impl LabelDisposition {
    pub const ALL: &'static [LabelDisposition] = &[
        LabelDisposition::Suspicious,
        LabelDisposition::NotSuspicious,
        LabelDisposition::FalsePositive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LabelDisposition::Suspicious => "suspicious",
            LabelDisposition::NotSuspicious => "not-suspicious",
            LabelDisposition::FalsePositive => "false-positive",
        }
    }

    /// Whether the label says the party is what spur looks for.
    pub fn is_positive(self) -> bool {
        self == LabelDisposition::Suspicious
    }

    /// A closed case's disposition as a label (`None` for undetermined).
    pub fn of_case(d: Disposition) -> Option<LabelDisposition> {
        match d {
            Disposition::Suspicious => Some(LabelDisposition::Suspicious),
            Disposition::NotSuspicious => Some(LabelDisposition::NotSuspicious),
            Disposition::FalsePositive => Some(LabelDisposition::FalsePositive),
            Disposition::Undetermined => None,
        }
    }
}

impl std::str::FromStr for LabelDisposition {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        LabelDisposition::ALL
            .iter()
            .copied()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "unknown disposition {s:?}; expected one of: suspicious, not-suspicious, false-positive"
                ))
            })
    }
}

impl std::fmt::Display for LabelDisposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One label to import.
#[derive(Clone, Debug, PartialEq)]
pub struct NewLabel {
    pub party_id: String,
    pub role: Role,
    pub disposition: LabelDisposition,
}

/// Where a label came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelSource {
    /// A closed case's disposition.
    Case(i64),
    /// An imported file, by the name it was imported under.
    Import(String),
}

/// A label as the store gives it back.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Label {
    pub party_id: String,
    pub role: Role,
    pub disposition: LabelDisposition,
    pub source: LabelSource,
    /// Who imported it, or the case's assignee (its opener when unassigned).
    pub who: String,
    pub at: Timestamp,
}

/// What an import stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LabelImport {
    pub imported: usize,
    pub audit_entry: i64,
}

/// Where a model version stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelStatus {
    /// Its cross-validated figures were worse than the rules': never active.
    Refused,
    /// Trained and may be activated by a supervisor other than its trainer.
    Candidate,
    /// Scores alerts (at most one version at a time).
    Active,
    /// Was active; another version was activated since.
    Retired,
}

impl ModelStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelStatus::Refused => "refused",
            ModelStatus::Candidate => "candidate",
            ModelStatus::Active => "active",
            ModelStatus::Retired => "retired",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "refused" => Ok(ModelStatus::Refused),
            "candidate" => Ok(ModelStatus::Candidate),
            "active" => Ok(ModelStatus::Active),
            "retired" => Ok(ModelStatus::Retired),
            other => Err(StoreError::Corrupt(format!("model status {other:?}"))),
        }
    }
}

impl std::fmt::Display for ModelStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A trained model to store, with its figures.
#[derive(Clone, Debug, PartialEq)]
pub struct NewModel {
    /// Why it is refused (`None`: a candidate).
    pub refusal: Option<String>,
    pub labels: i64,
    pub threshold: f64,
    pub cv_precision: f64,
    pub cv_recall: f64,
    pub rules_precision: f64,
    pub rules_recall: f64,
    /// The model itself as JSON (spur-app's `learn::Model`).
    pub body: String,
}

/// A stored model version.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredModel {
    pub version: i64,
    pub status: ModelStatus,
    pub refusal: Option<String>,
    pub trainer: String,
    pub trained_at: Timestamp,
    pub labels: i64,
    pub threshold: f64,
    pub cv_precision: f64,
    pub cv_recall: f64,
    pub rules_precision: f64,
    pub rules_recall: f64,
    pub body: String,
    pub activated_by: Option<String>,
    pub activated_at: Option<Timestamp>,
}

/// Who may import labels and train models.
const LEARNERS: &[UserRole] = WORKERS;
/// Who may activate a model.
const ACTIVATORS: &[UserRole] = &[UserRole::Supervisor];

/// Most labels one import may hold (each is a row and a row digest).
pub const MAX_IMPORT: usize = 1_000_000;

fn role_text(r: Role) -> &'static str {
    r.as_str()
}

fn role_from(s: &str) -> Result<Role, StoreError> {
    match s {
        "sender" => Ok(Role::Sender),
        "receiver" => Ok(Role::Receiver),
        other => Err(StoreError::Corrupt(format!("label role {other:?}"))),
    }
}

pub(crate) fn import(
    tx: &mut dyn Tx,
    now: Timestamp,
    file: &str,
    labels: &[NewLabel],
    actor: &str,
) -> Result<LabelImport, StoreError> {
    let user = require(tx, actor, LEARNERS, "import labels")?;
    if labels.is_empty() {
        return Err(StoreError::Invalid(format!("{file}: no labels to import")));
    }
    if labels.len() > MAX_IMPORT {
        return Err(StoreError::Invalid(format!(
            "{file}: {} labels, more than the {MAX_IMPORT} one import may hold",
            labels.len()
        )));
    }
    let mut ids = Vec::with_capacity(labels.len());
    for l in labels {
        if l.party_id.is_empty() {
            return Err(StoreError::Invalid(format!(
                "{file}: a label without a party id"
            )));
        }
        let id = tx
            .query_one(
                "INSERT INTO labels (party_id, role, disposition, source, source_file, labelled_by, labelled_at) \
                 VALUES ($1, $2, $3, 'import', $4, $5, $6) RETURNING id",
                params![
                    l.party_id.as_str(),
                    role_text(l.role),
                    l.disposition.as_str(),
                    file,
                    user.name.as_str(),
                    now
                ],
            )?
            .int(0)?;
        ids.push(id);
    }
    let row_digests = rows::labels(tx, Some(&ids))?;
    let counts = |d: LabelDisposition| labels.iter().filter(|l| l.disposition == d).count();
    let audit_entry = audit::append(
        tx,
        Change {
            at: now,
            actor: &user.name,
            action: "labels.import",
            object: format!("labels:{}", ids[0]),
            before: None,
            after: json(&serde_json::json!({
                "file": file,
                "labels": labels.len(),
                "suspicious": counts(LabelDisposition::Suspicious),
                "not_suspicious": counts(LabelDisposition::NotSuspicious),
                "false_positive": counts(LabelDisposition::FalsePositive),
                "first_id": ids[0],
                "last_id": ids[ids.len() - 1],
            }))?,
            rows: row_digests,
        },
    )?;
    Ok(LabelImport {
        imported: labels.len(),
        audit_entry,
    })
}

/// Every label: imported ones in import order, then closed cases'
/// dispositions (one per alert of the case), by case id.
pub(crate) fn all(tx: &mut dyn Tx, actor: &str) -> Result<Vec<Label>, StoreError> {
    require(tx, actor, READERS, "read labels")?;
    let mut out = Vec::new();
    for r in tx.query(
        "SELECT party_id, role, disposition, source_file, labelled_by, labelled_at FROM labels ORDER BY id",
        &[],
    )? {
        out.push(Label {
            party_id: r.text(0)?,
            role: role_from(&r.text(1)?)?,
            disposition: r
                .text(2)?
                .parse()
                .map_err(|_| StoreError::Corrupt("label disposition".into()))?,
            source: LabelSource::Import(r.opt_text(3)?.unwrap_or_default()),
            who: r.text(4)?,
            at: r.int(5)?,
        });
    }
    for r in tx.query(
        "SELECT c.id, c.disposition, COALESCE(c.assignee, c.opened_by), c.updated_at, a.subject, a.role \
         FROM cases c JOIN case_alerts ca ON ca.case_id = c.id JOIN alerts a ON a.id = ca.alert_id \
         WHERE c.status = $1 ORDER BY c.id, ca.seq",
        params![CaseStatus::Closed.as_str()],
    )? {
        let disposition: Disposition = r.text(1)?.parse()?;
        let Some(disposition) = LabelDisposition::of_case(disposition) else {
            continue;
        };
        out.push(Label {
            party_id: r.text(4)?,
            role: role_from(&r.text(5)?)?,
            disposition,
            source: LabelSource::Case(r.int(0)?),
            who: r.text(2)?,
            at: r.int(3)?,
        });
    }
    Ok(out)
}

pub(crate) const MODEL_COLUMNS: &str = "version, status, refusal, trainer, trained_at, labels, \
     threshold, cv_precision, cv_recall, rules_precision, rules_recall, body, activated_by, \
     activated_at FROM models";

fn model_from(r: &Row) -> Result<StoredModel, StoreError> {
    Ok(StoredModel {
        version: r.int(0)?,
        status: ModelStatus::parse(&r.text(1)?)?,
        refusal: r.opt_text(2)?,
        trainer: r.text(3)?,
        trained_at: r.int(4)?,
        labels: r.int(5)?,
        threshold: r.real(6)?,
        cv_precision: r.real(7)?,
        cv_recall: r.real(8)?,
        rules_precision: r.real(9)?,
        rules_recall: r.real(10)?,
        body: r.text(11)?,
        activated_by: r.opt_text(12)?,
        activated_at: r.opt_int(13)?,
    })
}

fn load(tx: &mut dyn Tx, version: i64, lock: bool) -> Result<StoredModel, StoreError> {
    let sql = format!(
        "SELECT {MODEL_COLUMNS} WHERE version = $1{}",
        if lock { tx.for_update() } else { "" }
    );
    let r = tx
        .query_opt(&sql, params![version])?
        .ok_or_else(|| StoreError::not_found("model version", version))?;
    model_from(&r)
}

/// The figures of a model as its audit entry records them (not its body).
fn audited(m: &StoredModel) -> serde_json::Value {
    serde_json::json!({
        "version": m.version,
        "status": m.status,
        "refusal": m.refusal,
        "trainer": m.trainer,
        "labels": m.labels,
        "threshold": m.threshold,
        "cv_precision": m.cv_precision,
        "cv_recall": m.cv_recall,
        "rules_precision": m.rules_precision,
        "rules_recall": m.rules_recall,
        "body_sha256": audit::sha256_hex(m.body.as_bytes()),
        "activated_by": m.activated_by,
    })
}

pub(crate) fn save(
    tx: &mut dyn Tx,
    now: Timestamp,
    m: &NewModel,
    actor: &str,
) -> Result<StoredModel, StoreError> {
    let user = require(tx, actor, LEARNERS, "train models")?;
    let figures = [
        m.threshold,
        m.cv_precision,
        m.cv_recall,
        m.rules_precision,
        m.rules_recall,
    ];
    if figures.iter().any(|x| !x.is_finite()) {
        return Err(StoreError::Invalid(
            "a model's threshold and figures must be finite numbers".into(),
        ));
    }
    let status = if m.refusal.is_some() {
        ModelStatus::Refused
    } else {
        ModelStatus::Candidate
    };
    let version = tx
        .query_one(
            "INSERT INTO models (status, refusal, trainer, trained_at, labels, threshold, cv_precision, \
             cv_recall, rules_precision, rules_recall, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING version",
            params![
                status.as_str(),
                m.refusal.as_deref(),
                user.name.as_str(),
                now,
                m.labels,
                m.threshold,
                m.cv_precision,
                m.cv_recall,
                m.rules_precision,
                m.rules_recall,
                m.body.as_str()
            ],
        )?
        .int(0)?;
    let stored = load(tx, version, false)?;
    let row_digests = rows::models(tx, Some(&[version]))?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &user.name,
            action: "model.train",
            object: format!("model:{version}"),
            before: None,
            after: json(&audited(&stored))?,
            rows: row_digests,
        },
    )?;
    Ok(stored)
}

pub(crate) fn all_models(tx: &mut dyn Tx, actor: &str) -> Result<Vec<StoredModel>, StoreError> {
    require(tx, actor, READERS, "read models")?;
    tx.query(&format!("SELECT {MODEL_COLUMNS} ORDER BY version"), &[])?
        .iter()
        .map(model_from)
        .collect()
}

pub(crate) fn one(tx: &mut dyn Tx, version: i64, actor: &str) -> Result<StoredModel, StoreError> {
    require(tx, actor, READERS, "read models")?;
    load(tx, version, false)
}

pub(crate) fn active(tx: &mut dyn Tx, actor: &str) -> Result<Option<StoredModel>, StoreError> {
    require(tx, actor, READERS, "read models")?;
    tx.query_opt(
        &format!("SELECT {MODEL_COLUMNS} WHERE status = 'active' ORDER BY version DESC LIMIT 1"),
        &[],
    )?
    .map(|r| model_from(&r))
    .transpose()
}

pub(crate) fn activate(
    tx: &mut dyn Tx,
    now: Timestamp,
    version: i64,
    actor: &str,
) -> Result<StoredModel, StoreError> {
    let user = require(tx, actor, ACTIVATORS, "activate models")?;
    let before = load(tx, version, true)?;
    match before.status {
        ModelStatus::Refused => {
            return Err(StoreError::ModelRefused {
                version,
                reason: before.refusal.clone().unwrap_or_default(),
            })
        }
        ModelStatus::Active => {
            return Err(StoreError::Invalid(format!(
                "model version {version} is active already"
            )))
        }
        ModelStatus::Candidate | ModelStatus::Retired => {}
    }
    if before.trainer == user.name {
        return Err(StoreError::SelfActivation(version));
    }
    let retired: Vec<i64> = tx
        .query("SELECT version FROM models WHERE status = 'active'", &[])?
        .iter()
        .map(|r| r.int(0))
        .collect::<Result<_, _>>()?;
    tx.execute(
        "UPDATE models SET status = 'retired' WHERE status = 'active'",
        &[],
    )?;
    tx.execute(
        "UPDATE models SET status = 'active', activated_by = $1, activated_at = $2 WHERE version = $3",
        params![user.name.as_str(), now, version],
    )?;
    let after = load(tx, version, false)?;
    let mut changed = retired.clone();
    changed.push(version);
    let row_digests = rows::models(tx, Some(&changed))?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &user.name,
            action: "model.activate",
            object: format!("model:{version}"),
            before: json(&audited(&before))?,
            after: json(&serde_json::json!({ "model": audited(&after), "retired": retired }))?,
            rows: row_digests,
        },
    )?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_read_back_from_their_text() {
        for d in LabelDisposition::ALL {
            assert_eq!(d.as_str().parse::<LabelDisposition>().unwrap(), *d);
        }
        assert!("not_suspicious".parse::<LabelDisposition>().is_err());
        assert!("".parse::<LabelDisposition>().is_err());
    }
}
