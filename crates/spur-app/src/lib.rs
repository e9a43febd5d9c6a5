//! spur's application logic: what a user asks of spur, whether through the
//! `spur` command or the HTTP server. Configuration (`settings`), the scan
//! pipeline from a file to stored alerts (`scan`), durable ingestion
//! over the store's payment log (`live`, for `scan --db` and the server;
//! `settler`, the server's settles on a thread of their own), report drafting
//! from a case to a validated goAML report (`reports`, `outfile`).
//!
//! The binaries parse flags or requests, call these functions and print or
//! answer; they decide nothing that would differ between the two. Errors are
//! typed ([`AppError`]).

pub mod error;
pub mod live;
pub mod outfile;
pub mod reports;
pub mod scan;
pub mod settings;
pub mod settler;

pub use error::{AppError, Context, Result};
