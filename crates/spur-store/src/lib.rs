//! spur's storage: users, alerts, the engine's state, cases, reports and a
//! hash-chained audit log, on an embedded SQLite file or a PostgreSQL server.
//!
//! [`open`] picks the backend from a location and applies the schema
//! migrations; everything else goes through the object-safe [`Store`] trait,
//! whose single implementation writes its SQL once for both dialects. Every
//! change runs in one database transaction together with its audit entry.
//! The store never reads the system clock: the caller passes a [`Clock`].
//! See docs/storage.md.

mod access;
mod alert_rows;
mod alert_view;
mod audit;
mod case;
mod census;
mod clock;
mod digest;
mod error;
mod learning;
mod lists;
mod log;
mod log_store;
mod matching;
mod migrations;
mod model;
mod page;
mod party_view;
mod payment_rows;
mod postgres;
mod report;
mod rows;
mod scan_batch;
mod sql;
mod sql_store;
mod sqlite;
mod stats_noise;
mod store;
mod token;

use std::path::PathBuf;
use std::sync::Arc;

pub use alert_view::{
    alert_detail, filtered_alerts, indicator_codes, AlertDetail, AlertFilter, Counterparty,
};
pub use census::{CensusHistories, CENSUS_MODE};
pub use clock::{Clock, ManualClock, SystemClock};
pub use digest::{payment_digest, PaymentDigest};
pub use error::{AuditBreak, StoreError};
pub use learning::{
    Label, LabelDisposition, LabelImport, LabelSource, ModelStatus, NewLabel, NewModel,
    StoredModel, MAX_IMPORT,
};
pub use lists::{CaseFilter, ReportFilter};
pub use log::{chunk_len, decode_chunk, find_in_chunk, ChunkWriter, LogError};
pub use log_store::{AlertUpdate, Checkpoint, LogChunk, LogCommit, LogCommitted, LogHead};
pub use matching::{MatchLists, MatchRun, OutsideEvidence};
pub use migrations::SCHEMA_VERSION;
pub use model::{
    entity_reference, AlertStatus, AuditEntry, AuditFilter, AuditSummary, Case, CaseStatus,
    Correction, Disposition, EngineState, IngestedTxn, KnownTxn, Note, PaymentRecord, Report,
    ReportContent, ReportPlan, ReportStatus, RowFinding, RowProblem, ScanBatch, StoredAlert, User,
    UserRole,
};
pub use page::{Page, PageRequest, DEFAULT_LIMIT, MAX_LIMIT};
pub use party_view::{
    Network, NetworkLink, NetworkParty, NodeAlert, PartySummary, PartyView, MAX_NETWORK_PARTIES,
    NETWORK_HOPS,
};
pub use store::{Store, SYSTEM_ACTOR};
pub use token::{IssuedToken, Token};

/// Where a store lives, parsed from the `--db` / `SPUR_DB` string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL, as libpq reads it.
    Postgres(String),
}

impl Location {
    /// `postgres://...` and `postgresql://...` are PostgreSQL; `sqlite:PATH`,
    /// `sqlite://PATH` and a plain path are SQLite; other schemes are refused.
    pub fn parse(location: &str) -> Result<Location, StoreError> {
        let bad = || StoreError::BadLocation(location.to_owned());
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            return Ok(Location::Postgres(location.to_owned()));
        }
        let path = if let Some(rest) = location.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = location.strip_prefix("sqlite:") {
            rest
        } else if location.contains("://") {
            return Err(bad());
        } else {
            location
        };
        if path.trim().is_empty() {
            return Err(bad());
        }
        Ok(Location::Sqlite(PathBuf::from(path)))
    }
}

/// Whether opening may create a database that holds no spur data yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the SQLite file (and its folders) or spur's tables in an empty
    /// PostgreSQL database: for the commands that start a database (a scan
    /// that stores, the first user).
    CreateIfMissing,
    /// Refuse with [`StoreError::NoDatabase`] unless spur's schema is already
    /// there: every other command, so that a mistyped `--db` or the wrong
    /// working folder does not silently start a second, empty database.
    Existing,
}

/// Opens (creating a SQLite file and its folders on first use) and migrates.
pub fn open(location: &str, clock: Arc<dyn Clock>) -> Result<Box<dyn Store>, StoreError> {
    open_with(location, clock, OpenMode::CreateIfMissing)
}

/// Opens and migrates; `mode` says whether a missing database may be created.
pub fn open_with(
    location: &str,
    clock: Arc<dyn Clock>,
    mode: OpenMode,
) -> Result<Box<dyn Store>, StoreError> {
    open_location(&Location::parse(location)?, clock, mode)
}

pub fn open_location(
    location: &Location,
    clock: Arc<dyn Clock>,
    mode: OpenMode,
) -> Result<Box<dyn Store>, StoreError> {
    let create = mode == OpenMode::CreateIfMissing;
    let (backend, place): (Box<dyn sql::Backend>, String) = match location {
        Location::Sqlite(path) => {
            let place = path.display().to_string();
            if !create && !path.exists() {
                return Err(StoreError::NoDatabase(place));
            }
            (Box::new(sqlite::Sqlite::open(path, create)?), place)
        }
        // Not the URL: it may carry a password.
        Location::Postgres(url) => (
            Box::new(postgres::Postgres::connect(url)?),
            "the given PostgreSQL database".to_owned(),
        ),
    };
    let existing = (!create).then_some(place.as_str());
    Ok(Box::new(sql_store::SqlStore::open(
        backend, clock, existing,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        let check = |input: &str, expected: Option<Location>| {
            assert_eq!(Location::parse(input).ok(), expected, "{input}");
        };
        check(
            "spur-data/spur.db",
            Some(Location::Sqlite("spur-data/spur.db".into())),
        );
        check(
            "sqlite:/tmp/x.db",
            Some(Location::Sqlite("/tmp/x.db".into())),
        );
        check(
            "sqlite:///tmp/x.db",
            Some(Location::Sqlite("/tmp/x.db".into())),
        );
        check("sqlite:rel.db", Some(Location::Sqlite("rel.db".into())));
        check(
            "postgres://u@127.0.0.1:5432/spur",
            Some(Location::Postgres(
                "postgres://u@127.0.0.1:5432/spur".into(),
            )),
        );
        check(
            "postgresql://h/db",
            Some(Location::Postgres("postgresql://h/db".into())),
        );
        check("mysql://h/db", None);
        check("", None);
        check("sqlite:", None);
    }
}
