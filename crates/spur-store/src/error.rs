//! What can go wrong, typed; [`StoreError::code`] gives each kind a stable
//! snake_case code for the CLI and the HTTP API.

use crate::model::{CaseStatus, ReportStatus, RowFinding, UserRole};

/// Where and why the audit chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditBreak {
    /// The first entry that does not verify (for a log cut short at its end,
    /// the id the recorded head names).
    pub entry_id: i64,
    pub reason: String,
}

impl std::fmt::Display for AuditBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "audit log broken at entry {}: {}",
            self.entry_id, self.reason
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    // The user's mistakes.
    #[error(
        "unsupported database location {0:?}: give a file path, sqlite:PATH or postgres://..."
    )]
    BadLocation(String),
    #[error("no spur database at {0}; run `spur scan FILE --db ...` or `spur user add` first, or pass --db")]
    NoDatabase(String),
    #[error("the database has schema version {found}, newer than version {supported} that this spur knows: upgrade spur to use it")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("no {kind} with id {id}")]
    NotFound { kind: &'static str, id: String },
    #[error("no user named {0:?}")]
    UnknownUser(String),
    #[error("a user named {0:?} already exists")]
    UserExists(String),
    #[error("user {0:?} is disabled")]
    UserDisabled(String),
    #[error("{0:?} is the last active admin: add or enable another admin first")]
    LastAdmin(String),
    #[error("the first user must be an admin, who then adds the others")]
    FirstUserNotAdmin,
    #[error("at most {per_hour} {what} per hour: try again later")]
    RateLimited { what: &'static str, per_hour: u32 },
    #[error("match run {0} is finished already")]
    MatchRunFinished(i64),
    #[error("a user with role {role} may not {action}")]
    Forbidden {
        role: UserRole,
        action: &'static str,
    },
    #[error("case {case} cannot go from {from} to {to}{hint}")]
    IllegalTransition {
        case: i64,
        from: CaseStatus,
        to: CaseStatus,
        hint: &'static str,
    },
    #[error("case {0} is closed and can no longer change")]
    CaseClosed(i64),
    #[error("alert {alert} is already in case {case}")]
    AlertInCase { alert: i64, case: i64 },
    #[error("report {report} is {status}: cannot {action} it")]
    IllegalReportTransition {
        report: i64,
        status: ReportStatus,
        action: &'static str,
    },
    #[error("report {0} is filed and can no longer change")]
    ReportFiled(i64),
    #[error("self-approval refused: an author of report {0} (whoever drafted or redrafted it) cannot approve it; another supervisor must")]
    SelfApproval(i64),
    #[error("report {report} is on case {case}, which is closed: it cannot be {action}")]
    ReportCaseClosed {
        report: i64,
        case: i64,
        action: &'static str,
    },
    #[error("case {0} has no disposition (it is undetermined): set it to suspicious, not_suspicious or false_positive before closing the case")]
    NoDisposition(i64),
    #[error("case {case} already has report {report} ({status}), not yet filed: a case has at most one open report; redraft report {report} instead")]
    OpenReport {
        case: i64,
        report: i64,
        status: ReportStatus,
    },
    #[error("case {case} has filed report {filed}: a later report on it is a correction and must name the filed report it corrects (report {filed})")]
    CorrectionRequired { case: i64, filed: i64 },
    #[error("report {report} cannot be corrected here: {reason}")]
    BadCorrection { report: i64, reason: String },
    #[error("the report's XML does not carry its entity_reference {0:?}: write it with the reference the store gave it")]
    WrongReference(String),
    #[error("model version {version} was refused when it was trained ({reason}): it cannot be activated; the rules stay in use")]
    ModelRefused { version: i64, reason: String },
    #[error("self-activation refused: model version {0} was trained by this user; another supervisor must activate it")]
    SelfActivation(i64),
    #[error("missing, unknown or revoked API token")]
    BadToken,
    #[error("token {0} is already revoked")]
    TokenRevoked(i64),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("{0}; start again from the first page (no cursor)")]
    BadCursor(String),
    #[error("another scan was stored while this one ran (engine state version {found}, this scan started from version {expected}): nothing of this scan was stored; run it again")]
    ScanConflict { expected: i64, found: i64 },
    #[error("the payment log moved on while this writer held its state (it was at chunk {expected}, it is at chunk {found}): nothing was stored; open again to catch up")]
    LogConflict { expected: i64, found: i64 },
    #[error("{} txn id(s) were ingested before: {}; nothing of this commit was stored", .0.len(), .0.iter().take(5).map(|k| k.txn_id.as_str()).collect::<Vec<_>>().join(", "))]
    AlreadyIngested(Vec<crate::model::KnownTxn>),

    // What was found in the database.
    #[error("{0}")]
    AuditBreak(AuditBreak),
    #[error("{} protected row(s) differ from the audit log: {}", .0.len(), .0.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; "))]
    RowsDiffer(Vec<RowFinding>),
    #[error("stored data is not what spur wrote: {0}")]
    Corrupt(String),

    // The outside world.
    #[error("database error: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("cannot create the database file: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// A stable code per kind, for machine-readable errors.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::BadLocation(_) => "bad_location",
            StoreError::NoDatabase(_) => "no_database",
            StoreError::SchemaTooNew { .. } => "schema_too_new",
            StoreError::NotFound { .. } => "not_found",
            StoreError::UnknownUser(_) => "unknown_user",
            StoreError::UserExists(_) => "user_exists",
            StoreError::UserDisabled(_) => "user_disabled",
            StoreError::LastAdmin(_) => "last_admin",
            StoreError::FirstUserNotAdmin => "first_user_not_admin",
            StoreError::Forbidden { .. } => "forbidden",
            StoreError::RateLimited { .. } => "rate_limited",
            StoreError::MatchRunFinished(_) => "match_run_finished",
            StoreError::IllegalTransition { .. } => "illegal_transition",
            StoreError::CaseClosed(_) => "case_closed",
            StoreError::AlertInCase { .. } => "alert_in_case",
            StoreError::IllegalReportTransition { .. } => "illegal_report_transition",
            StoreError::ReportFiled(_) => "report_filed",
            StoreError::SelfApproval(_) => "self_approval",
            StoreError::ReportCaseClosed { .. } => "case_closed",
            StoreError::NoDisposition(_) => "no_disposition",
            StoreError::OpenReport { .. } => "open_report",
            StoreError::CorrectionRequired { .. } => "correction_required",
            StoreError::BadCorrection { .. } => "bad_correction",
            StoreError::WrongReference(_) => "wrong_reference",
            StoreError::ModelRefused { .. } => "model_refused",
            StoreError::SelfActivation(_) => "self_activation",
            StoreError::BadToken => "bad_token",
            StoreError::TokenRevoked(_) => "token_revoked",
            StoreError::Invalid(_) => "invalid_input",
            StoreError::BadCursor(_) => "bad_cursor",
            StoreError::ScanConflict { .. } => "scan_conflict",
            StoreError::LogConflict { .. } => "log_conflict",
            StoreError::AlreadyIngested(_) => "already_ingested",
            StoreError::AuditBreak(_) => "audit_break",
            StoreError::RowsDiffer(_) => "audit_rows_differ",
            StoreError::Corrupt(_) => "corrupt_data",
            StoreError::Database(_) => "database_error",
            StoreError::Io(_) => "io_error",
        }
    }

    pub(crate) fn not_found(kind: &'static str, id: impl ToString) -> Self {
        StoreError::NotFound {
            kind,
            id: id.to_string(),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(Box::new(e))
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::Database(Box::new(e))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(format!("json: {e}"))
    }
}
