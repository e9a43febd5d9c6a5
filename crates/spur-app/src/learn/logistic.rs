//! L2-regularised logistic regression fitted by Newton's method (iteratively
//! reweighted least squares), in plain Rust: a few dozen features and a few
//! thousand examples need no linear-algebra crate.
//!
//! Features are standardised (mean 0, standard deviation 1 over the training
//! examples) so that one penalty weighs every feature alike and a weight
//! reads as "log-odds per standard deviation". The intercept is not
//! penalised. The objective is strictly convex (the penalty), so Newton's
//! method converges from zero in a handful of steps, also on separable data.

use serde::{Deserialize, Serialize};

/// Newton steps at most; the fit stops earlier once the step is tiny.
const MAX_STEPS: usize = 100;
/// Largest change of a coefficient below which the fit has converged.
const TOLERANCE: f64 = 1e-9;

/// A fitted model over standardised features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    /// Per feature: the training mean and standard deviation (1 where the
    /// feature was constant).
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
    /// Per standardised feature: log-odds per standard deviation.
    pub weights: Vec<f64>,
    pub intercept: f64,
    /// The L2 penalty it was fitted with.
    pub lambda: f64,
}

/// Why a fit could not be made.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FitError {
    #[error("no training examples")]
    Empty,
    #[error("example {0} has {1} features, not {2}")]
    Ragged(usize, usize, usize),
    #[error("a feature value is not a finite number (example {0})")]
    NotFinite(usize),
    #[error("the Newton system is singular: the features leave the fit undetermined")]
    Singular,
}

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Logistic {
    /// Fits `y` (true: positive) on the rows of `x`, with penalty `lambda`.
    // Matrix arithmetic reads plainest by index.
    #[allow(clippy::needless_range_loop)]
    pub fn fit(x: &[Vec<f64>], y: &[bool], lambda: f64) -> Result<Logistic, FitError> {
        let n = x.len();
        if n == 0 || y.len() != n {
            return Err(FitError::Empty);
        }
        let d = x[0].len();
        for (i, row) in x.iter().enumerate() {
            if row.len() != d {
                return Err(FitError::Ragged(i, row.len(), d));
            }
            if row.iter().any(|v| !v.is_finite()) {
                return Err(FitError::NotFinite(i));
            }
        }
        let mut mean = vec![0.0; d];
        for row in x {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v / n as f64;
            }
        }
        let mut scale = vec![0.0; d];
        for row in x {
            for j in 0..d {
                scale[j] += (row[j] - mean[j]).powi(2) / n as f64;
            }
        }
        for s in &mut scale {
            *s = if *s > 1e-12 { s.sqrt() } else { 1.0 };
        }
        // Standardised design with a leading 1 for the intercept.
        let z: Vec<Vec<f64>> = x
            .iter()
            .map(|row| {
                std::iter::once(1.0)
                    .chain((0..d).map(|j| (row[j] - mean[j]) / scale[j]))
                    .collect()
            })
            .collect();
        let p = d + 1;
        let mut beta = vec![0.0; p];
        for _ in 0..MAX_STEPS {
            // Gradient of the penalised negative log-likelihood, and its Hessian.
            let mut grad = vec![0.0; p];
            let mut hess = vec![vec![0.0; p]; p];
            for (zi, &yi) in z.iter().zip(y) {
                let eta: f64 = zi.iter().zip(&beta).map(|(a, b)| a * b).sum();
                let mu = sigmoid(eta);
                let w = (mu * (1.0 - mu)).max(1e-12);
                let r = mu - if yi { 1.0 } else { 0.0 };
                for a in 0..p {
                    grad[a] += r * zi[a];
                    let wa = w * zi[a];
                    for b in a..p {
                        hess[a][b] += wa * zi[b];
                    }
                }
            }
            for a in 1..p {
                grad[a] += lambda * beta[a];
                hess[a][a] += lambda;
            }
            for a in 0..p {
                for b in 0..a {
                    hess[a][b] = hess[b][a];
                }
            }
            let step = solve(hess, grad).ok_or(FitError::Singular)?;
            let mut largest: f64 = 0.0;
            for (b, s) in beta.iter_mut().zip(&step) {
                *b -= s;
                largest = largest.max(s.abs());
            }
            if largest < TOLERANCE {
                break;
            }
        }
        Ok(Logistic {
            mean,
            scale,
            intercept: beta[0],
            weights: beta[1..].to_vec(),
            lambda,
        })
    }

    /// Each feature's standardised value times its weight: the log-odds are
    /// the intercept plus their sum, exactly.
    pub fn contributions(&self, x: &[f64]) -> Vec<f64> {
        (0..self.weights.len())
            .map(|j| {
                let v = x.get(j).copied().unwrap_or(0.0);
                self.weights[j] * (v - self.mean[j]) / self.scale[j]
            })
            .collect()
    }

    pub fn probability(&self, x: &[f64]) -> f64 {
        sigmoid(self.intercept + self.contributions(x).iter().sum::<f64>())
    }
}

/// Solves `a · s = b` by Gaussian elimination with partial pivoting.
#[allow(clippy::needless_range_loop)]
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let f = a[row][col] / a[col][col];
            if f != 0.0 {
                for k in col..n {
                    a[row][k] -= f * a[col][k];
                }
                b[row] -= f * b[col];
            }
        }
    }
    let mut s = vec![0.0; n];
    for row in (0..n).rev() {
        let mut v = b[row];
        for k in row + 1..n {
            v -= a[row][k] * s[k];
        }
        s[row] = v / a[row][row];
    }
    s.iter().all(|v| v.is_finite()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = 1 when x0 > 0.5, with noise-free data: the weight on x0 is
    /// positive and large, the irrelevant x1 gets almost none.
    #[test]
    fn the_fit_finds_the_feature_that_separates() {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..200 {
            let x0 = (i % 20) as f64 / 20.0;
            let x1 = ((i * 7) % 13) as f64;
            x.push(vec![x0, x1]);
            y.push(x0 > 0.5);
        }
        let m = Logistic::fit(&x, &y, 1.0).unwrap();
        assert!(m.weights[0] > 3.0, "{m:?}");
        assert!(m.weights[1].abs() < 0.5, "{m:?}");
        assert!(m.probability(&[0.9, 3.0]) > 0.9);
        assert!(m.probability(&[0.1, 3.0]) < 0.1);
        let c = m.contributions(&[0.9, 3.0]);
        let logit = m.intercept + c.iter().sum::<f64>();
        assert!((sigmoid(logit) - m.probability(&[0.9, 3.0])).abs() < 1e-12);
    }

    /// Against a known optimum: with no features, the intercept is the
    /// log-odds of the base rate.
    #[test]
    fn the_intercept_alone_is_the_base_rate() {
        let x = vec![vec![1.0]; 10];
        let y = [
            true, true, true, false, false, false, false, false, false, false,
        ];
        let m = Logistic::fit(&x, &y, 1.0).unwrap();
        assert!((m.intercept - (0.3f64 / 0.7).ln()).abs() < 1e-9);
        assert_eq!(m.weights[0], 0.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(Logistic::fit(&[], &[], 1.0), Err(FitError::Empty));
        assert_eq!(
            Logistic::fit(&[vec![1.0], vec![1.0, 2.0]], &[true, false], 1.0),
            Err(FitError::Ragged(1, 2, 1))
        );
        assert_eq!(
            Logistic::fit(&[vec![f64::NAN]], &[true], 1.0),
            Err(FitError::NotFinite(0))
        );
    }
}
