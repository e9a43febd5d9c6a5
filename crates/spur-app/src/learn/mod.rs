//! Learning from the analysts (issue 11): their dispositions as labels, an
//! explainable model trained on them with guard rails, and its use.
//!
//! - `labels_csv.rs`: the labels file and its per-line errors;
//! - `features.rs`: what the model reads of an alert;
//! - `logistic.rs`: L2-regularised logistic regression by Newton / IRLS;
//! - `model.rs`: the stored model, its score and its sentences;
//! - `train.rs`: guard rails, cross-validation, comparison with the rules;
//! - `db.rs`: the commands over a store (import, train, shadow, export);
//! - `simulated.rs`: `spur eval --learn` over simulated worlds.
//!
//! See docs/learning.md.

pub mod db;
pub mod features;
pub mod labels_csv;
pub mod logistic;
pub mod model;
pub mod simulated;
pub mod train;

pub use model::{Model, ModelScore, ScoredAlert};
