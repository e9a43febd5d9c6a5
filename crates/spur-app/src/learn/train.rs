//! Training with its guard rails: enough labels of each class, 5-fold
//! cross-validated precision and recall at the model's threshold, the rules'
//! precision and recall on the same labels, and a refusal when the model is
//! worse than the rules on either.

use serde::Serialize;
use spur_engine::Alert;

use super::features;
use super::logistic::Logistic;
use super::model::{Model, FORMAT, THRESHOLD};
use crate::{AppError, Result};

/// Fewest labelled alerts a model is trained on.
pub const MIN_LABELS: usize = 50;
/// Fewest labelled alerts of each class (suspicious; not suspicious or false positive).
pub const MIN_CLASS: usize = 10;
/// Folds of the cross-validation.
pub const FOLDS: usize = 5;
/// The L2 penalty on the standardised weights (not tuned on any test data:
/// one unit of prior per weight, the usual default).
pub const LAMBDA: f64 = 1.0;

/// One labelled party and role.
#[derive(Clone, Debug)]
pub struct Example {
    /// A key that places the example in its fold (party id and role).
    pub key: String,
    /// Its alert, if the rules raised one (at the candidate threshold).
    pub alert: Option<Alert>,
    /// Whether the rules alert it.
    pub rules_alerted: bool,
    /// Whether the analysts found it suspicious.
    pub positive: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Figures {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub precision: f64,
    pub recall: f64,
}

impl Figures {
    pub fn of(pairs: impl IntoIterator<Item = (bool, bool)>) -> Figures {
        let mut f = Figures::default();
        for (predicted, actual) in pairs {
            match (predicted, actual) {
                (true, true) => f.true_positives += 1,
                (true, false) => f.false_positives += 1,
                (false, true) => f.false_negatives += 1,
                (false, false) => {}
            }
        }
        let ratio = |a: usize, b: usize| {
            if a + b == 0 {
                0.0
            } else {
                a as f64 / (a + b) as f64
            }
        };
        f.precision = ratio(f.true_positives, f.false_positives);
        f.recall = ratio(f.true_positives, f.false_negatives);
        f
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Trained {
    pub model: Model,
    /// Labelled parties and roles, with an alert and without.
    pub labels: usize,
    /// Of them, those with an alert the model was fitted on.
    pub fitted_on: usize,
    pub cv: Figures,
    pub rules: Figures,
    /// Why it may not be activated (worse than the rules).
    pub refusal: Option<String>,
}

/// Whether an example is one the model judges (and is fitted on).
fn judged(e: &Example, candidate_threshold: f64) -> Option<&Alert> {
    e.alert.as_ref().filter(|a| a.score >= candidate_threshold)
}

/// Trains on `examples`; too few labels is an error (nothing to store), a
/// model worse than the rules comes back with its `refusal`.
pub fn train(examples: &[Example], candidate_threshold: f64) -> Result<Trained> {
    let fit_set: Vec<&Example> = examples
        .iter()
        .filter(|e| judged(e, candidate_threshold).is_some())
        .collect();
    let positives = fit_set.iter().filter(|e| e.positive).count();
    let negatives = fit_set.len() - positives;
    if fit_set.len() < MIN_LABELS || positives < MIN_CLASS || negatives < MIN_CLASS {
        return Err(AppError::Invalid(format!(
            "too few labels to train: {} labelled alerts ({positives} suspicious, {negatives} not suspicious \
             or false positive); a model needs at least {MIN_LABELS}, with at least {MIN_CLASS} of each \
             (docs/learning.md). The rules stay in use",
            fit_set.len()
        )));
    }
    let names = features::names_for(fit_set.iter().filter_map(|e| e.alert.as_ref()));
    let fold = folds(examples);
    let mut predicted = vec![false; examples.len()];
    for k in 0..FOLDS {
        let (x, y) = design(examples, &names, candidate_threshold, |i| fold[i] != k);
        let fit = Logistic::fit(&x, &y, LAMBDA)
            .map_err(|e| AppError::Invalid(format!("fold {k}: {e}")))?;
        let model = Model {
            format: FORMAT,
            features: names.clone(),
            fit,
            threshold: THRESHOLD,
            candidate_threshold,
        };
        for (i, e) in examples.iter().enumerate().filter(|(i, _)| fold[*i] == k) {
            predicted[i] = judged(e, candidate_threshold)
                .is_some_and(|a| model.probability(a) >= model.threshold);
        }
    }
    let cv = Figures::of(
        predicted
            .iter()
            .zip(examples)
            .map(|(p, e)| (*p, e.positive)),
    );
    let rules = Figures::of(examples.iter().map(|e| (e.rules_alerted, e.positive)));
    let (x, y) = design(examples, &names, candidate_threshold, |_| true);
    let fit = Logistic::fit(&x, &y, LAMBDA).map_err(|e| AppError::Invalid(e.to_string()))?;
    let mut worse = Vec::new();
    if cv.precision < rules.precision {
        worse.push(format!(
            "cross-validated precision {:.3} is below the rules' {:.3}",
            cv.precision, rules.precision
        ));
    }
    if cv.recall < rules.recall {
        worse.push(format!(
            "cross-validated recall {:.3} is below the rules' {:.3}",
            cv.recall, rules.recall
        ));
    }
    Ok(Trained {
        model: Model {
            format: FORMAT,
            features: names,
            fit,
            threshold: THRESHOLD,
            candidate_threshold,
        },
        labels: examples.len(),
        fitted_on: fit_set.len(),
        cv,
        rules,
        refusal: (!worse.is_empty()).then(|| worse.join("; ")),
    })
}

fn design(
    examples: &[Example],
    names: &[String],
    candidate_threshold: f64,
    take: impl Fn(usize) -> bool,
) -> (Vec<Vec<f64>>, Vec<bool>) {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for (i, e) in examples.iter().enumerate() {
        if let Some(a) = judged(e, candidate_threshold).filter(|_| take(i)) {
            x.push(features::values(names, a));
            y.push(e.positive);
        }
    }
    (x, y)
}

/// Each example's fold: stratified by class, in the order of a hash of its
/// key, so that the folds do not depend on the labels' order.
fn folds(examples: &[Example]) -> Vec<usize> {
    let mut fold = vec![0; examples.len()];
    for class in [true, false] {
        let mut members: Vec<(u64, usize)> = examples
            .iter()
            .enumerate()
            .filter(|(_, e)| e.positive == class)
            .map(|(i, e)| (fnv1a(e.key.as_bytes()), i))
            .collect();
        members.sort_unstable();
        for (rank, (_, i)) in members.into_iter().enumerate() {
            fold[i] = rank % FOLDS;
        }
    }
    fold
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use spur_engine::{Finding, Role};

    fn alert(id: usize, code: &str, strength: f64) -> Alert {
        Alert {
            subject: format!("S-{id}"),
            role: Role::Sender,
            score: 0.5 + strength / 2.0,
            country: "US".into(),
            indicators: vec![Finding {
                code: code.into(),
                contribution: strength,
                reason: String::new(),
                parties: vec![],
            }],
            context: vec![],
            transactions: vec![],
            payments: 5,
            first_seen: 0,
            last_seen: 86_400,
        }
    }

    /// Positives carry S-TIME, negatives S-AMOUNT: a model tells them apart
    /// where the rules, alerting all, cannot.
    fn world(n: usize) -> Vec<Example> {
        (0..n)
            .map(|i| {
                let positive = i % 3 != 0;
                let code = if positive { "S-TIME" } else { "S-AMOUNT" };
                Example {
                    key: format!("S-{i}/sender"),
                    alert: Some(alert(i, code, 0.2 + (i % 7) as f64 / 20.0)),
                    rules_alerted: true,
                    positive,
                }
            })
            .collect()
    }

    #[test]
    fn a_model_better_than_the_rules_is_a_candidate() {
        let t = train(&world(90), 0.5).unwrap();
        assert_eq!(t.labels, 90);
        assert_eq!(t.rules.precision, 60.0 / 90.0);
        assert_eq!(t.rules.recall, 1.0);
        assert_eq!(t.cv.precision, 1.0);
        assert_eq!(t.cv.recall, 1.0);
        assert_eq!(t.refusal, None);
    }

    #[test]
    fn too_few_labels_or_too_few_of_a_class_are_refused() {
        let e = train(&world(49), 0.5).unwrap_err().to_string();
        assert!(
            e.starts_with("too few labels to train: 49 labelled alerts"),
            "{e}"
        );
        let mut one_sided = world(90);
        for (i, e) in one_sided.iter_mut().enumerate() {
            e.positive = i >= 9;
        }
        let e = train(&one_sided, 0.5).unwrap_err().to_string();
        assert!(e.contains("(81 suspicious, 9 not suspicious"), "{e}");
        // Labels without an alert are not what a model is fitted on.
        let mut unalerted = world(90);
        for e in unalerted.iter_mut().take(45) {
            e.alert = None;
        }
        assert!(train(&unalerted, 0.5).is_err());
    }

    /// Labels the features cannot predict (the class does not follow the
    /// indicator): cross-validation finds the model no better than chance,
    /// below the rules' recall, and it is refused.
    #[test]
    fn a_model_worse_than_the_rules_is_refused() {
        let mut noise = world(100);
        for (i, e) in noise.iter_mut().enumerate() {
            e.positive = fnv1a(format!("{i}").as_bytes()).is_multiple_of(2);
        }
        let t = train(&noise, 0.5).unwrap();
        let refusal = t.refusal.expect("refused");
        assert!(refusal.contains("below the rules'"), "{refusal}");
        assert_eq!(t.rules.recall, 1.0);
        assert!(t.cv.recall < 1.0);
    }

    #[test]
    fn folds_are_stratified_and_independent_of_order() {
        let w = world(50);
        let f = folds(&w);
        for k in 0..FOLDS {
            let pos = (0..50).filter(|&i| f[i] == k && w[i].positive).count();
            assert!((6..=7).contains(&pos), "fold {k}: {pos}");
        }
        let mut reversed = w.clone();
        reversed.reverse();
        let g = folds(&reversed);
        assert!((0..50).all(|i| f[i] == g[49 - i]));
    }
}
