//! The messages of a run, as JSON: group elements in lowercase hex, and
//! evidence that names an item by its position in the server's offer, never
//! by an identifier.
//!
//! 1. `POST /v1/match/runs` [`StartRequest`]: the client's mode and blinded items;
//!    [`StartAnswer`]: the run id, the client's items blinded again by the
//!    server (in the order sent) and the server's own blinded items.
//! 2. `POST /v1/match/runs/{id}/finish` [`FinishRequest`]: the client's
//!    answer to the server's items, its evidence about matched items and the
//!    size of its alerted list; [`FinishAnswer`]: how many matched, the
//!    server's evidence about them and the size of its alerted list.

use serde::{Deserialize, Serialize};
use spur_match::Element;

use crate::AppError;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// `same-side` or `cross-border`.
    pub mode: String,
    pub items: Vec<String>,
    /// Cross-border: the payments offered by their facts too (the server
    /// offers its own likewise).
    #[serde(default)]
    pub facts: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StartAnswer {
    pub run: i64,
    /// The client's items blinded again, in the order received.
    pub answer: Vec<String>,
    /// The server's blinded items.
    pub offer: Vec<String>,
}

/// Evidence about one party behind a matched item: only a band and counts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// The item's position in the server's offer.
    pub at: usize,
    /// `sender` or `receiver`: which party of the item this is about.
    pub role: String,
    /// The lower end of the party's score band (`matching::BANDS`).
    pub band: f64,
    pub parties: u32,
    pub payments: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FinishRequest {
    /// The server's items blinded again by the client, in the order received.
    pub answer: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// The client's alerted parties in the matched role (a count).
    pub alerted: u64,
    /// Same side: the client's alerted senders (a count; 0 from a peer
    /// before sender matching).
    #[serde(default)]
    pub alerted_senders: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FinishAnswer {
    pub matched: u64,
    pub evidence: Vec<Evidence>,
    pub alerted: u64,
    #[serde(default)]
    pub alerted_senders: u64,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

pub fn to_hex(elements: &[Element]) -> Vec<String> {
    elements
        .iter()
        .map(|e| {
            let mut s = String::with_capacity(64);
            for b in e {
                s.push(HEX[(b >> 4) as usize] as char);
                s.push(HEX[(b & 15) as usize] as char);
            }
            s
        })
        .collect()
}

/// Elements from hex; a bad one is named by its field and index.
pub fn from_hex(field: &str, values: &[String]) -> Result<Vec<Element>, AppError> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let bad = || {
                AppError::Invalid(format!(
                    "{field}[{i}]: not 64 lowercase hex digits (a ristretto255 element)"
                ))
            };
            let b = v.as_bytes();
            if b.len() != 64 {
                return Err(bad());
            }
            let mut e = [0u8; 32];
            for (k, pair) in b.chunks_exact(2).enumerate() {
                e[k] = (digit(pair[0]).ok_or_else(bad)? << 4) | digit(pair[1]).ok_or_else(bad)?;
            }
            Ok(e)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_go_through_hex_and_bad_hex_is_named() {
        let e = [[0u8; 32], [0xab; 32]];
        assert_eq!(from_hex("items", &to_hex(&e)).unwrap(), e);
        let e = from_hex("items", &["zz".repeat(32)]).unwrap_err();
        assert!(e.to_string().contains("items[0]"), "{e}");
        assert!(from_hex("offer", &["AB".repeat(32)]).is_err());
        assert!(from_hex("offer", &["ab".into()]).is_err());
    }
}
