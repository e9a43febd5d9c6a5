//! What an analyst gets: one alert per party and role, explaining itself.

use serde::Serialize;

use crate::indicators::Role;
use crate::model::Timestamp;

#[derive(Clone, Debug, Serialize, PartialEq)]
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<String>,
    /// The evidence payments by txn_id: the most recent risk (or fan-in)
    /// payments and, for senders, risky card purchases.
    pub transactions: Vec<String>,
    /// All payments of the party in this role.
    pub payments: u32,
    #[serde(serialize_with = "crate::time::serialize")]
    pub first_seen: Timestamp,
    #[serde(serialize_with = "crate::time::serialize")]
    pub last_seen: Timestamp,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Finding {
    pub code: &'static str,
    pub contribution: f64,
    pub reason: String,
    /// The other parties behind a network finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<String>,
}
