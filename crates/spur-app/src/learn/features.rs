//! What the learned model reads of an alert: the strength of each indicator
//! (its contribution to the rules' score) and a few context features, each
//! with a name that reads in a sentence.
//!
//! The indicator features are those the training alerts carried (sorted by
//! code), so a model names only indicators it has seen; an indicator it did
//! not see counts for nothing in its score (the rules' score, a feature too,
//! still carries it).

use spur_engine::{Alert, Role};

/// The context features, after the indicators.
const CONTEXT: &[(&str, &str)] = &[
    ("score", "the rules' score"),
    (
        "context",
        "relationship context that weighed the score down (sentences)",
    ),
    ("payments", "payments in this role (log)"),
    ("days", "days between first and last payment (log)"),
    ("parties", "parties behind network findings (log)"),
    ("receiver", "the party is a receiver"),
];

/// Feature names for the indicator codes seen in `alerts`, then the context.
pub fn names_for<'a>(alerts: impl IntoIterator<Item = &'a Alert>) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for a in alerts {
        for f in &a.indicators {
            if !codes.contains(&f.code) {
                codes.push(f.code.clone());
            }
        }
    }
    codes.sort();
    codes
        .into_iter()
        .chain(CONTEXT.iter().map(|(n, _)| (*n).to_owned()))
        .collect()
}

/// An alert's values for the features `names`, in that order.
pub fn values(names: &[String], a: &Alert) -> Vec<f64> {
    names.iter().map(|n| value(n, a)).collect()
}

fn value(name: &str, a: &Alert) -> f64 {
    match name {
        "score" => a.score,
        "context" => a.context.len() as f64,
        "payments" => f64::from(a.payments).ln_1p(),
        "days" => ((a.last_seen - a.first_seen).max(0) as f64 / 86_400.0).ln_1p(),
        "parties" => (a.indicators.iter().map(|f| f.parties.len()).sum::<usize>() as f64).ln_1p(),
        "receiver" => f64::from(u8::from(a.role == Role::Receiver)),
        code => a
            .indicators
            .iter()
            .filter(|f| f.code == code)
            .map(|f| f.contribution)
            .sum(),
    }
}

/// The feature in words, for the sentences of an alert.
pub fn describe(name: &str) -> String {
    match CONTEXT.iter().find(|(n, _)| *n == name) {
        Some((_, words)) => (*words).to_owned(),
        None => format!("indicator {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spur_engine::Finding;

    fn alert(codes: &[(&str, f64)]) -> Alert {
        Alert {
            subject: "S-1".into(),
            role: Role::Sender,
            score: codes.iter().map(|c| c.1).sum(),
            country: "US".into(),
            indicators: codes
                .iter()
                .map(|(c, v)| Finding {
                    code: (*c).into(),
                    contribution: *v,
                    reason: String::new(),
                    parties: vec!["R-1".into()],
                })
                .collect(),
            context: vec!["pays one recurring beneficiary".into()],
            transactions: vec![],
            payments: 9,
            first_seen: 0,
            last_seen: 9 * 86_400,
        }
    }

    #[test]
    fn indicators_then_context_each_read_from_the_alert() {
        let a = alert(&[("S-TIME", 0.25), ("P-SHARED", 0.5)]);
        let b = alert(&[("S-AMOUNT", 0.25)]);
        let names = names_for([&a, &b]);
        assert_eq!(
            names,
            [
                "P-SHARED", "S-AMOUNT", "S-TIME", "score", "context", "payments", "days",
                "parties", "receiver"
            ]
        );
        let v = values(&names, &a);
        assert_eq!(v[..5], [0.5, 0.0, 0.25, 0.75, 1.0]);
        assert!((v[5] - 10f64.ln()).abs() < 1e-12);
        assert!((v[6] - 10f64.ln()).abs() < 1e-12);
        assert!((v[7] - 3f64.ln()).abs() < 1e-12);
        assert_eq!(v[8], 0.0);
        assert_eq!(describe("P-SHARED"), "indicator P-SHARED");
        assert_eq!(describe("score"), "the rules' score");
    }
}
