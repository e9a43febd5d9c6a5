//! What an analyst gets: one alert per party and role, explaining itself.

use serde::{Deserialize, Serialize};

use crate::indicators::Role;
use crate::model::Timestamp;

/// Serialised as the alert JSON (pinned by the CLI's snapshot tests) and
/// read back from it: `serde_json::from_str::<Alert>` of an alert line gives
/// the alert again.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Alert {
    /// The institution's id of the party.
    pub subject: String,
    pub role: Role,
    /// In [0, 1].
    pub score: f64,
    pub country: String,
    /// Highest contribution first; contributions add up to the score.
    pub indicators: Vec<Finding>,
    /// Relationship context that weighed the score down, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<String>,
    /// The evidence payments by txn_id: the most recent risk (or fan-in)
    /// payments and, for senders, risky card purchases.
    pub transactions: Vec<String>,
    /// All payments of the party in this role.
    pub payments: u32,
    #[serde(
        serialize_with = "crate::time::serialize",
        deserialize_with = "crate::time::deserialize"
    )]
    pub first_seen: Timestamp,
    #[serde(
        serialize_with = "crate::time::serialize",
        deserialize_with = "crate::time::deserialize"
    )]
    pub last_seen: Timestamp,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    /// The indicator's stable code (`Indicator::code`), e.g. `P-SHARED`.
    pub code: String,
    pub contribution: f64,
    pub reason: String,
    /// The other parties behind a network finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<String>,
}
