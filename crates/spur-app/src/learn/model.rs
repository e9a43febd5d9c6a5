//! A learned model as it is stored and exported: its features, its fitted
//! regression, its threshold, and how it scores an alert in sentences.

use serde::{Deserialize, Serialize};
use spur_engine::Alert;

use super::features;
use super::logistic::Logistic;

/// The version of this JSON layout.
pub const FORMAT: u32 = 1;

/// The probability at or above which the model flags an alert. Fixed, not
/// tuned: a logistic regression's output is a probability, and 0.5 is where
/// a flag is more likely right than wrong.
pub const THRESHOLD: f64 = 0.5;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub format: u32,
    /// Feature names, in the order of the regression's weights.
    pub features: Vec<String>,
    pub fit: Logistic,
    pub threshold: f64,
    /// The lowest rules' score of the alerts it was trained on and may judge:
    /// a scan with the model raises candidates from this score on.
    pub candidate_threshold: f64,
}

/// One feature's part in an alert's model score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub feature: String,
    /// The feature's value in the alert.
    pub value: f64,
    /// Weight × standardised value, in log-odds.
    pub log_odds: f64,
    pub sentence: String,
}

/// The model's verdict on one alert; `intercept` plus the contributions'
/// log-odds is the log-odds of `probability`, exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelScore {
    pub version: Option<i64>,
    pub probability: f64,
    pub threshold: f64,
    pub flagged: bool,
    pub intercept: f64,
    /// Largest effect first.
    pub contributions: Vec<Contribution>,
}

/// An alert with the model's verdict beside the rules' findings: the alert
/// JSON as always, plus `model`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScoredAlert {
    #[serde(flatten)]
    pub alert: Alert,
    pub model: ModelScore,
}

impl Model {
    /// Checks what a file may hold wrong: lengths and finite numbers.
    pub fn check(&self) -> Result<(), String> {
        let d = self.features.len();
        if self.format != FORMAT {
            return Err(format!(
                "model format {} (this spur reads {FORMAT})",
                self.format
            ));
        }
        if self.fit.weights.len() != d || self.fit.mean.len() != d || self.fit.scale.len() != d {
            return Err(format!(
                "{d} features but {} weights, {} means and {} scales",
                self.fit.weights.len(),
                self.fit.mean.len(),
                self.fit.scale.len()
            ));
        }
        let numbers = self.fit.weights.iter().chain(&self.fit.mean).chain([
            &self.fit.intercept,
            &self.threshold,
            &self.candidate_threshold,
        ]);
        if numbers.clone().any(|v| !v.is_finite())
            || self.fit.scale.iter().any(|s| !s.is_finite() || *s <= 0.0)
        {
            return Err(
                "a weight, mean, scale or threshold is not a finite number (scales > 0)".into(),
            );
        }
        if !(0.0..=1.0).contains(&self.threshold)
            || !(0.0..=1.0).contains(&self.candidate_threshold)
        {
            return Err("thresholds must lie in [0, 1]".into());
        }
        Ok(())
    }

    /// The probability alone (no sentences), for measuring.
    pub fn probability(&self, a: &Alert) -> f64 {
        self.fit.probability(&features::values(&self.features, a))
    }

    pub fn score(&self, a: &Alert, version: Option<i64>) -> ModelScore {
        let values = features::values(&self.features, a);
        let parts = self.fit.contributions(&values);
        let probability = self.fit.probability(&values);
        let mut contributions: Vec<Contribution> = self
            .features
            .iter()
            .zip(values)
            .zip(parts)
            .map(|((name, value), log_odds)| Contribution {
                sentence: sentence(name, value, log_odds),
                feature: name.clone(),
                value,
                log_odds,
            })
            .collect();
        contributions.sort_by(|a, b| {
            b.log_odds
                .abs()
                .total_cmp(&a.log_odds.abs())
                .then_with(|| a.feature.cmp(&b.feature))
        });
        ModelScore {
            version,
            probability,
            threshold: self.threshold,
            flagged: probability >= self.threshold && a.score >= self.candidate_threshold,
            intercept: self.fit.intercept,
            contributions,
        }
    }
}

fn sentence(name: &str, value: f64, log_odds: f64) -> String {
    let direction = if log_odds >= 0.0 { "raised" } else { "lowered" };
    format!(
        "{} at {value:.3} {direction} the model's log-odds by {:.3}",
        features::describe(name),
        log_odds.abs()
    )
}

impl ModelScore {
    /// The few largest contributions as sentences, then the verdict.
    pub fn sentences(&self, most: usize) -> Vec<String> {
        let mut out: Vec<String> = self
            .contributions
            .iter()
            .filter(|c| c.log_odds != 0.0)
            .take(most)
            .map(|c| c.sentence.clone())
            .collect();
        out.push(format!(
            "the model gives {:.3} against its threshold {:.3}: {}",
            self.probability,
            self.threshold,
            if self.flagged { "alert" } else { "no alert" }
        ));
        out
    }
}
