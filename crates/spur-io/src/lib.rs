//! spur's input formats: canonical payments from CSV, JSON Lines and ISO
//! 20022 XML (pacs.008, pain.001, camt.053/054), and the rejects file for
//! records that could not be read.
//!
//! Every format implements [`PaymentReader`]; [`open_reader`] picks one by
//! [`Format`]. Problems with one record become a [`Reject`] and reading goes
//! on; only problems with the input as a whole are an [`InputError`].
//! The schema is documented in `docs/input-format.md`.

pub mod batch;
pub mod csv;
mod field;
mod input;
pub mod iso20022;
pub mod jsonl;
pub mod profile;
pub mod rejects;
#[cfg(test)]
mod testkit;
pub mod time;

pub use crate::batch::{Entry, PaymentBatch};
pub use crate::csv::CsvPaymentReader;
pub use crate::field::Field;
pub use crate::input::{
    open_reader, open_reader_with, Format, InputError, OnRecord, PaymentReader, ReadStats, Reject,
    WHOLE_RECORD,
};
pub use crate::iso20022::{Iso20022Reader, Message};
pub use crate::jsonl::JsonlPaymentReader;
pub use crate::profile::{AmbiguousTime, InputProfile, Profile, ProfileError};
pub use crate::rejects::RejectsWriter;
