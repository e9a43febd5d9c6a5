//! The application's typed error: what went wrong, and where.
//!
//! Each layer adds what it was doing (`context`), so
//! that the CLI prints "reporting entity file x.toml: missing field" and the
//! server maps the innermost cause to an HTTP status ([`AppError::root`]).

use spur_engine::{ConfigError, SnapshotError};
use spur_io::{InputError, ProfileError};
use spur_report::ReportError;
use spur_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad configuration, flags, files or requests; the message says which
    /// and why.
    #[error("{0}")]
    Invalid(String),
    /// What was being done when `inner` went wrong. Shown as "what: inner"
    /// by `Display` itself (not as an error source, which would show it twice
    /// where a chain is printed), so that every caller prints the same.
    #[error("{what}: {inner}")]
    Context { what: String, inner: Box<AppError> },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    FiuProfile(#[from] spur_report::ProfileError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    State(#[from] SnapshotError),
    #[error(transparent)]
    Log(#[from] spur_store::LogError),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A match run's message could not be used (spur match).
    #[error(transparent)]
    Match(#[from] spur_match::MatchError),
    #[error(transparent)]
    TomlRead(#[from] toml::de::Error),
    #[error(transparent)]
    TomlWrite(#[from] toml::ser::Error),
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl AppError {
    /// The innermost cause, below every context.
    pub fn root(&self) -> &AppError {
        match self {
            AppError::Context { inner, .. } => inner.root(),
            other => other,
        }
    }

    /// The innermost cause, owned: what a caller maps (an HTTP status) when
    /// it needs the cause's own value, not a reference to it.
    pub fn into_root(self) -> AppError {
        match self {
            AppError::Context { inner, .. } => inner.into_root(),
            other => other,
        }
    }

    /// The kind of the I/O error at the root, if it is one (a closed pipe
    /// is not an error for a command whose reader went away).
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self.root() {
            AppError::Io(e) => Some(e.kind()),
            AppError::Json(e) => e.io_error_kind(),
            _ => None,
        }
    }
}

/// `context` / `with_context` on results and options, as the CLI had them
/// from anyhow, giving [`AppError::Context`].
pub trait Context<T> {
    fn context(self, what: impl Into<String>) -> Result<T>;
    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: Into<AppError>> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|e| AppError::Context {
            what: what.into(),
            inner: Box::new(e.into()),
        })
    }
    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| AppError::Context {
            what: what().into(),
            inner: Box::new(e.into()),
        })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.ok_or_else(|| AppError::Invalid(what.into()))
    }
    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.ok_or_else(|| AppError::Invalid(what().into()))
    }
}

/// Returns an [`AppError::Invalid`] with a formatted message.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::AppError::Invalid(format!($($arg)*)))
    };
}
