//! spur's traffic simulator and the evaluation of alerts against its ground truth.
//!
//! [`simulate`] writes synthetic payments (payments.csv) and the label of every party
//! that appears in them (truth.csv), following the published OSEC indicators and the
//! legitimate look-alikes of the domain brief. [`evaluate`] scores a detector's alerts
//! against truth.csv. The model and its calibration are described in `docs/simulator.md`.

mod eval;
mod geo;
mod names;
mod params;
mod party;
mod rng;
mod sim;
mod split;
mod time;

pub use eval::{
    evaluate, labelled_scores, EvalError, EvalReport, FalsePositives, RoleMetrics, Segment,
};
pub use geo::usd_rate;
pub use params::{
    Behaviour, ClientParams, DonorParams, FacilitatorParams, FamilyParams, NameParams,
    OffenderParams, OrdinaryParams, PartnerParams, RomanceParams, Span,
};
pub use party::{is_positive, Label, Role};
pub use sim::{simulate, SenderMix, SimConfig, SimSummary};
pub use split::{split, SplitMode, SplitSummary, HOME_SHARE, MAX_INSTITUTIONS};
pub use time::Timestamp;

/// Why a simulation could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("writing output: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing csv: {0}")]
    Csv(#[from] csv::Error),
}
