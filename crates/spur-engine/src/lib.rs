//! spur's detection engine.
//!
//! The engine never touches the disk, the network or the clock: its caller
//! feeds it [`Payment`]s and gets back [`Alert`]s. See ARCHITECTURE.md.
pub mod alert;
pub mod calibration;
pub mod config;
mod engine;
pub mod facts;
pub mod geo;
pub mod indicators;
mod intern;
pub mod model;
pub mod money;
pub mod names;
mod network;
pub mod outside;
mod prefetch;
pub mod remark;
mod scoring;
mod state;
mod table;
pub mod time;

pub use alert::{Alert, Finding};
pub use calibration::Calibration;
pub use config::{ConductConfig, EngineConfig, RiskConfig};
pub use engine::{
    AdoptError, ConfigError, DisplayTime, Engine, ForkSeed, Outcome, PartyScore, PartyTally,
    Prepared, RecordError, Settled, SettledNet, SnapshotError, StateBytes, Stats, MAX_AMOUNT,
    MAX_TIMESTAMP, MAX_USD, MIN_TIMESTAMP,
};
pub use indicators::{Indicator, Role};
pub use model::{Channel, Country, Currency, Extra, Payment, Sex, Timestamp};
