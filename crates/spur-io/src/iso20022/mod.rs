//! ISO 20022 customer credit transfers as canonical payments: pacs.008
//! (FI to FI), pain.001 (customer to bank) and the booked credit-transfer
//! entries of camt.053 / camt.054 (bank to customer).
//!
//! One streaming core ([`stream`]) walks the XML with quick-xml, finds the
//! messages wherever an envelope puts them (a `Document` beside a head.001
//! `AppHdr`, a clearing system's wrapper around several), keeps only the
//! group header, the enclosing batch or entry and the transaction at hand
//! ([`slots`]), and hands each finished transaction to its message family
//! ([`Family`]: `pacs008.rs`, `pain001.rs`, `camt.rs`). A family maps element
//! paths to slots and slots to the canonical fields ([`assemble`]); the
//! fields then go through the same checks as CSV and JSON Lines
//! (`field::build`). The mapping is documented in docs/input-format.md.

mod assemble;
mod camt;
mod pacs008;
mod pain001;
mod party;
mod path;
mod slots;
mod stream;

use std::fmt;

pub use stream::Iso20022Reader;

use crate::iso20022::slots::{Level, Slot};

/// A message type spur reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Message {
    /// FI to FI customer credit transfer.
    Pacs008,
    /// Customer credit transfer initiation.
    Pain001,
    /// Bank to customer statement.
    Camt053,
    /// Bank to customer debit/credit notification.
    Camt054,
}

impl Message {
    pub const ALL: [Message; 4] = [
        Message::Pacs008,
        Message::Pain001,
        Message::Camt053,
        Message::Camt054,
    ];

    /// The message's identifier without its version, e.g. `pacs.008`.
    pub fn id(self) -> &'static str {
        match self {
            Message::Pacs008 => "pacs.008",
            Message::Pain001 => "pain.001",
            Message::Camt053 => "camt.053",
            Message::Camt054 => "camt.054",
        }
    }

    /// The message's root element (the child of `Document`).
    pub fn root(self) -> &'static str {
        match self {
            Message::Pacs008 => "FIToFICstmrCdtTrf",
            Message::Pain001 => "CstmrCdtTrfInitn",
            Message::Camt053 => "BkToCstmrStmt",
            Message::Camt054 => "BkToCstmrDbtCdtNtfctn",
        }
    }

    /// The versions spur was built and tested against (`001.08` for
    /// pacs.008.001.08); others are read only when `--format` names the
    /// message, since a later version may move a field.
    pub fn versions(self) -> &'static [&'static str] {
        match self {
            Message::Pacs008 => &["001.07", "001.08", "001.09", "001.10"],
            Message::Pain001 => &["001.03", "001.09"],
            Message::Camt053 | Message::Camt054 => &["001.02", "001.08"],
        }
    }

    fn from_root(local_name: &[u8]) -> Option<Message> {
        Message::ALL
            .into_iter()
            .find(|m| m.root().as_bytes() == local_name)
    }

    fn family(self) -> &'static dyn Family {
        match self {
            Message::Pacs008 => &pacs008::Pacs008,
            Message::Pain001 => &pain001::Pain001,
            Message::Camt053 => &camt::STATEMENT,
            Message::Camt054 => &camt::NOTIFICATION,
        }
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Why a finished transaction is not handed on as a payment.
#[derive(Debug)]
pub(crate) enum NotAPayment {
    /// Not a payment by rule (a camt entry that is not a booked credit
    /// transfer): counted, not rejected.
    Skip,
    /// A reject of this canonical field with this reason.
    Reject(crate::Field, String),
}

/// The slots of the group header (`GrpHdr`) that every family reads.
pub(crate) fn group_header_slot(path: &str) -> Option<Slot> {
    match path {
        "MsgId" => Some(Slot::MsgId),
        "CreDtTm" => Some(Slot::CreDtTm),
        _ => None,
    }
}

/// What a message family tells the shared streaming core.
pub(crate) trait Family: Sync {
    /// The scope an element opens, by its path below the message root
    /// (`"PmtInf/CdtTrfTxInf"`).
    fn level(&self, path: &str) -> Option<Level>;

    /// The slot an element's text fills, by its path below the element of
    /// the innermost open scope, which is at `level`.
    fn slot(&self, level: Level, path: &str) -> Option<Slot>;

    /// A scope whose element is one payment by itself when it closes with no
    /// transaction inside (a camt entry without details).
    fn childless_payment(&self) -> Option<Level> {
        None
    }

    /// The canonical fields of the transaction in view.
    fn assemble(&self, view: &slots::View<'_>, out: &mut assemble::Out) -> Result<(), NotAPayment>;
}
