//! spur's application logic: what a user asks of spur, whether through the
//! `spur` command or the HTTP server. Configuration (`settings`), the scan
//! pipeline from a file to stored alerts (`scan`), durable ingestion
//! over the store's payment log (`live`, for `scan --db` and the server;
//! `settler`, the server's settles on a thread of their own), report drafting
//! from a case to a validated goAML report (`reports`, `outfile`), the
//! dashboard's figures (`stats`) and the citable aggregate tables of
//! `spur stats` (`figures`), the engine measured over simulated worlds
//! (`worlds`).
//!
//! The binaries parse flags or requests, call these functions and print or
//! answer; they decide nothing that would differ between the two. Errors are
//! typed ([`AppError`]).

pub mod calibrate;
pub mod error;
pub mod figures;
pub mod figures_noise;
mod figures_population;
mod figures_private;
mod figures_svg;
pub mod learn;
pub mod live;
pub mod matching;
pub mod outfile;
pub mod reliability_svg;
pub mod reports;
pub mod scan;
pub mod settings;
pub mod settler;
pub mod stats;
pub mod worlds;

pub use error::{AppError, Context, Result};
