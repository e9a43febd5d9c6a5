//! Private set intersection between two spur installations: each learns
//! which of its own items the other also holds, and nothing about the
//! other's items that do not match.
//!
//! The protocol is Diffie–Hellman PSI on ristretto255 (the prime-order group
//! over Curve25519, from `curve25519-dalek`; nothing here is new
//! cryptography). Each side hashes its items to group elements (SHA-512 of a
//! domain-separated identifier, then the group's standard hash-to-point) and
//! raises them to a fresh secret scalar of its own. Then:
//!
//! 1. each side sends its blinded items, `H(x)·a`, sorted by their bytes (a
//!    pseudorandom order: nothing of the input order is revealed);
//! 2. each side blinds the other's items with its own secret, `H(x)·a·b`,
//!    and sends them back in the order received;
//! 3. each side compares its own doubly blinded items with the other's:
//!    equal values are the same identifier, so both learn the same
//!    intersection.
//!
//! Neither side ever sees `H(x)` of the other's items, only values blinded
//! with a secret it does not know, so it cannot test guesses (a phone
//! number, a name) against them offline: the dictionary attack a shared-key
//! HMAC would allow. What a side can do is put guesses into its own set; the
//! caller bounds that with set-size limits, rate limits and the audit log.
//! The security holds for parties that follow the protocol
//! (semi-honest), under the decisional Diffie–Hellman assumption in the
//! group. No I/O: the caller carries the messages ([`Message`]) and writes
//! the transcript.

mod census;
mod chapman;
mod identifier;
mod loglinear;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use sha2::{Digest, Sha512};

pub use census::{estimate, histories, Blinder, HistoriesEstimate};
pub use chapman::{chapman, Estimate, EstimateError};
pub use identifier::{Identifier, Kind};
pub use loglinear::{loglinear, LoglinearEstimate, MAX_LISTS};

/// The most items one side may offer in one run.
pub const MAX_ITEMS: usize = 1_000_000;

/// A message's element: a compressed ristretto255 point, 32 bytes.
pub type Element = [u8; 32];

/// Why a peer's message cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    #[error("element {index} of the peer's message is not a valid ristretto255 point")]
    BadPoint { index: usize },
    #[error("element {index} of the peer's message is the identity, which no item hashes to")]
    Identity { index: usize },
    #[error("the peer's message has {got} elements; at most {max} are taken")]
    TooMany { got: usize, max: usize },
    #[error("the peer answered {got} elements for the {sent} sent")]
    Length { sent: usize, got: usize },
    #[error("{got} lists; capture histories take at most {max}")]
    Lists { got: usize, max: usize },
    #[error("the operating system gave no randomness: {0}")]
    Randomness(String),
}

/// The elements one side sends: its blinded items, or the other's
/// blinded again.
pub type Message = Vec<Element>;

/// One side of a run: its items and its secret. A fresh secret each run,
/// so that no two runs can be linked by their messages.
pub struct Side {
    secret: Scalar,
    /// The blinded items in the order sent, with the index of the item each is.
    sent: Vec<(Element, usize)>,
}

fn point(item: &[u8]) -> RistrettoPoint {
    let mut wide = [0u8; 64];
    wide.copy_from_slice(&Sha512::digest(item));
    RistrettoPoint::from_uniform_bytes(&wide)
}

/// `values` blinded again with `secret`, in the order given; a value that
/// is no point of the group, or its identity, is refused by its index.
fn blind_again(values: &[Element], secret: &Scalar) -> Result<Message, MatchError> {
    values
        .iter()
        .enumerate()
        .map(|(index, e)| {
            let p = CompressedRistretto(*e)
                .decompress()
                .ok_or(MatchError::BadPoint { index })?;
            if p == RistrettoPoint::identity() {
                return Err(MatchError::Identity { index });
            }
            Ok((p * secret).compress().to_bytes())
        })
        .collect()
}

impl Side {
    /// A side holding `items` (the byte strings of [`Identifier::bytes`];
    /// duplicates keep their first index).
    pub fn new<I: AsRef<[u8]>>(items: &[I]) -> Result<Side, MatchError> {
        if items.len() > MAX_ITEMS {
            return Err(MatchError::TooMany {
                got: items.len(),
                max: MAX_ITEMS,
            });
        }
        let mut wide = [0u8; 64];
        getrandom::fill(&mut wide).map_err(|e| MatchError::Randomness(e.to_string()))?;
        let secret = Scalar::from_bytes_mod_order_wide(&wide);
        let mut sent: Vec<(Element, usize)> = items
            .iter()
            .enumerate()
            .map(|(i, x)| ((point(x.as_ref()) * secret).compress().to_bytes(), i))
            .collect();
        // Sorted by the blinded bytes: an order nobody can relate to the input's.
        sent.sort_unstable();
        sent.dedup_by(|a, b| a.0 == b.0);
        Ok(Side { secret, sent })
    }

    /// Step 1: this side's blinded items.
    pub fn offer(&self) -> Message {
        self.sent.iter().map(|(e, _)| *e).collect()
    }

    /// Step 2: the peer's offer blinded again with this side's secret, in
    /// the order received.
    pub fn answer(&self, offer: &[Element]) -> Result<Message, MatchError> {
        if offer.len() > MAX_ITEMS {
            return Err(MatchError::TooMany {
                got: offer.len(),
                max: MAX_ITEMS,
            });
        }
        blind_again(offer, &self.secret)
    }

    /// Step 3: the indices (into the items given to [`Side::new`]) of this
    /// side's items the peer also holds, ascending. `mine` is the peer's
    /// answer to this side's offer; `theirs` this side's answer to the
    /// peer's offer.
    pub fn matches(&self, mine: &[Element], theirs: &[Element]) -> Result<Vec<usize>, MatchError> {
        if mine.len() != self.sent.len() {
            return Err(MatchError::Length {
                sent: self.sent.len(),
                got: mine.len(),
            });
        }
        let mut theirs: Vec<&Element> = theirs.iter().collect();
        theirs.sort_unstable();
        let mut found: Vec<usize> = mine
            .iter()
            .zip(&self.sent)
            .filter(|(e, _)| theirs.binary_search(e).is_ok())
            .map(|(_, (_, i))| *i)
            .collect();
        found.sort_unstable();
        Ok(found)
    }

    /// Step 3, paired: for each item the peer also holds, `(position,
    /// item, theirs_at)`: its position in this side's offer, its index into
    /// the items given to [`Side::new`], and the position in the peer's
    /// offer of the same identifier. Both sides can name an item by its
    /// position in one offer, so that evidence about matched items can be
    /// exchanged, and checked to be about matched items only. Ordered by
    /// position.
    pub fn pairs(
        &self,
        mine: &[Element],
        theirs: &[Element],
    ) -> Result<Vec<(usize, usize, usize)>, MatchError> {
        if mine.len() != self.sent.len() {
            return Err(MatchError::Length {
                sent: self.sent.len(),
                got: mine.len(),
            });
        }
        let mut at: Vec<(&Element, usize)> = theirs.iter().zip(0..).collect();
        at.sort_unstable();
        Ok(mine
            .iter()
            .zip(&self.sent)
            .enumerate()
            .filter_map(|(position, (e, (_, item)))| {
                let k = at.partition_point(|(x, _)| *x < e);
                at.get(k)
                    .filter(|(x, _)| *x == e)
                    .map(|(_, theirs_at)| (position, *item, *theirs_at))
            })
            .collect())
    }

    /// How many distinct items this side offers.
    pub fn len(&self) -> usize {
        self.sent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sent.is_empty()
    }
}
