//! What a report is made of: plain data, filled in by the caller from the
//! configuration (reporting entity) and the case (alerts, payments).

use serde::{Deserialize, Serialize};
use spur_engine::{Alert, Role, Timestamp};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    pub entity: ReportingEntity,
    pub meta: ReportMeta,
    /// The analyst's own words on why the case is suspicious; may be empty.
    #[serde(default)]
    pub reason: String,
    /// What the institution did about it (account blocked, relationship ended); may be empty.
    #[serde(default)]
    pub action: String,
    pub alerts: Vec<AlertSummary>,
    pub transactions: Vec<Transaction>,
}

impl ReportInput {
    /// For each alert, (the party's payments in the report, all its payments
    /// in its role); equal when the engine's count is not known.
    pub fn evidence_shown(&self) -> Vec<(u64, u64)> {
        self.alerts
            .iter()
            .map(|a| {
                let subject = a.subject.trim();
                let shown = self
                    .transactions
                    .iter()
                    .filter(|t| match a.role {
                        Role::Sender => t.from.id.trim() == subject,
                        Role::Receiver => t.to.id.trim() == subject,
                    })
                    .count() as u64;
                (shown, a.payments.max(shown))
            })
            .collect()
    }

    /// The sums of [`ReportInput::evidence_shown`]: what the report says when
    /// it shows fewer payments than the alerted parties made or received.
    pub fn shown_of_total(&self) -> (u64, u64) {
        self.evidence_shown()
            .iter()
            .fold((0, 0), |(s, t), e| (s + e.0, t + e.1))
    }
}

/// The institution that files the report, from configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportingEntity {
    /// The id the FIU gave the institution when it registered with goAML.
    pub rentity_id: u32,
    /// The branch or business unit that files.
    pub branch: String,
    /// The institution's name, written where its clients' accounts are held.
    pub name: String,
    /// The institution's code (FIU-assigned or BIC), written with its clients' accounts.
    pub institution_code: String,
    pub reporting_person: ReportingPerson,
    pub address: Address,
}

/// The compliance officer who files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportingPerson {
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub occupation: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Address {
    pub address: String,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub state: String,
    #[serde(default)]
    pub zip: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportMeta {
    /// The case id.
    pub case_id: String,
    /// The report's `entity_reference`, unique per report (the store gives
    /// it: the case id for a case's first report, `CASE-cN` for a
    /// correction); empty reads as the case id.
    #[serde(default)]
    pub entity_reference: String,
    /// Seconds since 1970-01-01 UTC.
    pub submission_date: Timestamp,
    /// ISO 4217 code of the institution's local currency.
    pub currency_code_local: String,
    /// Set when this report corrects (replaces in full) a filed one.
    #[serde(default)]
    pub corrects: Option<CorrectedReport>,
}

impl ReportMeta {
    /// What `entity_reference` says.
    pub fn reference(&self) -> &str {
        match self.entity_reference.trim() {
            "" => self.case_id.trim(),
            r => r,
        }
    }
}

/// The filed report a correction replaces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorrectedReport {
    /// Its `entity_reference`.
    pub entity_reference: String,
    /// When it was filed, seconds since 1970-01-01 UTC.
    pub filed_at: Timestamp,
    /// The FIU's reference of it (from the FIU's acknowledgement), written
    /// as `fiu_ref_number`; empty when not known.
    #[serde(default)]
    pub fiu_ref_number: String,
}

/// One alert of the case, as the report needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertSummary {
    /// The institution's id of the party.
    pub subject: String,
    pub role: Role,
    pub score: f64,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    pub indicators: Vec<IndicatorReason>,
    /// All payments of the party in its role, as the engine counted them;
    /// the report says so when it shows fewer. 0: not known.
    #[serde(default)]
    pub payments: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorReason {
    /// spur's indicator code, e.g. `R-FANIN`.
    pub code: String,
    /// The indicator's one-line explanation.
    pub reason: String,
}

impl From<&Alert> for AlertSummary {
    fn from(alert: &Alert) -> AlertSummary {
        AlertSummary {
            subject: alert.subject.clone(),
            role: alert.role,
            score: alert.score,
            first_seen: alert.first_seen,
            last_seen: alert.last_seen,
            payments: alert.payments.into(),
            indicators: alert
                .indicators
                .iter()
                .map(|f| IndicatorReason {
                    code: f.code.to_string(),
                    reason: f.reason.clone(),
                })
                .collect(),
        }
    }
}

/// One payment of the case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    pub txn_id: String,
    /// Seconds since 1970-01-01 UTC.
    pub timestamp: Timestamp,
    /// In the report's local currency.
    pub amount_local: f64,
    /// The amount as paid, when not in the local currency.
    #[serde(default)]
    pub foreign: Option<ForeignAmount>,
    /// `remittance`, `wallet`, `bank`, `card`, `crypto`, `cash`; anything else or
    /// empty reads as other.
    #[serde(default)]
    pub channel: String,
    pub from: Party,
    pub to: Party,
    /// Free text sent with the payment.
    #[serde(default)]
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForeignAmount {
    /// ISO 4217.
    pub currency: String,
    pub amount: f64,
}

/// One side of a payment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Party {
    /// The institution's id of the party: written as the account number.
    pub id: String,
    /// As written in the payment; may be empty.
    #[serde(default)]
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// A company or organisation rather than a person.
    #[serde(default)]
    pub organisation: bool,
}
