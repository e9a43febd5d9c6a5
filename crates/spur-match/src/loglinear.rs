//! How many are there, from three to five lists: log-linear models of the
//! capture histories (Fienberg 1972; Cormack 1989; the International
//! Working Group for Disease Monitoring and Forecasting 1995).
//!
//! With `t` lists each party seen has a capture history, the lists it is on
//! (`101`: on the first and third). The counts of the 2^t − 1 observed
//! histories are modelled as Poisson with log μ_h = u + Σ uᵢ hᵢ + Σ uᵢⱼ hᵢ hⱼ
//! over a chosen set of two-list interactions (the dependence between two
//! institutions' lists that breaks Chapman's estimator); the unseen cell
//! (`000`) is estimated as exp(û). Every model from independence to all
//! pairs is fitted (Poisson regression by iteratively reweighted least
//! squares), the one with the smallest AIC is kept, and the interval is
//! exp(û ± z·se(û)) added to the parties seen (a log-normal interval; se
//! from the inverse Fisher information). The higher-order interactions are
//! assumed absent: with all pairs the model is saturated for three lists,
//! and nothing in the data can tell a three-list interaction from the
//! unseen cell.

use crate::chapman::EstimateError;

/// The most lists a fit takes (2^5 − 1 = 31 cells, 1,024 models).
pub const MAX_LISTS: usize = 5;

/// The kept model's estimate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LoglinearEstimate {
    pub lists: usize,
    /// Distinct parties on any list.
    pub seen: u64,
    /// The two-list interactions of the kept model, by list numbers from 1.
    pub interactions: Vec<(usize, usize)>,
    pub aic: f64,
    /// The estimated parties on no list.
    pub unseen: f64,
    pub estimate: f64,
    pub level: f64,
    pub low: f64,
    pub high: f64,
    /// Models fitted (those whose fit did not converge or whose unseen
    /// cell is not finite are left out).
    pub models: usize,
}

fn z_of(level: f64) -> Result<f64, EstimateError> {
    if (level - 0.90).abs() < 1e-9 {
        Ok(1.644_853_626_951_472_2)
    } else if (level - 0.95).abs() < 1e-9 {
        Ok(1.959_963_984_540_054)
    } else if (level - 0.99).abs() < 1e-9 {
        Ok(2.575_829_303_548_900_4)
    } else {
        Err(EstimateError::Level(level.to_string()))
    }
}

/// Estimates the population from the counts of the observed capture
/// histories of `lists` lists: `counts[h - 1]` is the count of history `h`,
/// the bit `1 << i` meaning list `i + 1` (so `counts` has 2^lists − 1
/// entries), with an interval at `level` (0.90, 0.95 or 0.99).
pub fn loglinear(
    lists: usize,
    counts: &[u64],
    level: f64,
) -> Result<LoglinearEstimate, EstimateError> {
    if !(3..=MAX_LISTS).contains(&lists) {
        return Err(EstimateError::Lists(lists));
    }
    let cells = (1usize << lists) - 1;
    if counts.len() != cells {
        return Err(EstimateError::Histories {
            lists,
            expected: cells,
            got: counts.len(),
        });
    }
    let z = z_of(level)?;
    let seen: u64 = counts.iter().sum();
    let pairs: Vec<(usize, usize)> = (0..lists)
        .flat_map(|i| (i + 1..lists).map(move |j| (i, j)))
        .collect();
    let y: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
    // (AIC, interactions, û, se(û)) of the best model so far.
    type Fit = (f64, Vec<(usize, usize)>, f64, f64);
    let mut best: Option<Fit> = None;
    let mut models = 0;
    for chosen in 0u32..(1 << pairs.len()) {
        let with: Vec<(usize, usize)> = pairs
            .iter()
            .enumerate()
            .filter(|(k, _)| chosen & (1 << k) != 0)
            .map(|(_, p)| *p)
            .collect();
        let columns = 1 + lists + with.len();
        // A model with as many parameters as cells fits them exactly and
        // still estimates the unseen cell; more would not be identified.
        if columns > cells {
            continue;
        }
        let x: Vec<Vec<f64>> = (1..=cells)
            .map(|h| {
                let on = |i: usize| f64::from(u8::from(h & (1 << i) != 0));
                let mut row = vec![1.0];
                row.extend((0..lists).map(on));
                row.extend(with.iter().map(|&(i, j)| on(i) * on(j)));
                row
            })
            .collect();
        let Some((beta, cov0, loglik)) = fit_poisson(&x, &y) else {
            continue;
        };
        let unseen = beta[0].exp();
        if !unseen.is_finite() || !cov0.is_finite() || cov0 < 0.0 {
            continue;
        }
        models += 1;
        let aic = 2.0 * columns as f64 - 2.0 * loglik;
        if best.as_ref().is_none_or(|b| aic < b.0 - 1e-9) {
            best = Some((aic, with, beta[0], cov0.sqrt()));
        }
    }
    let (aic, with, u, se) = best.ok_or(EstimateError::NoModel)?;
    let unseen = u.exp();
    Ok(LoglinearEstimate {
        lists,
        seen,
        interactions: with.iter().map(|&(i, j)| (i + 1, j + 1)).collect(),
        aic,
        unseen,
        estimate: seen as f64 + unseen,
        level,
        low: seen as f64 + (u - z * se).exp(),
        high: seen as f64 + (u + z * se).exp(),
        models,
    })
}

/// Poisson regression of `y` on the rows `x` by iteratively reweighted least
/// squares: the coefficients, the variance of the first (from the inverse
/// of XᵀWX at the fit) and the log-likelihood without its constant
/// (Σ y ln μ − μ). `None` when it does not converge.
fn fit_poisson(x: &[Vec<f64>], y: &[f64]) -> Option<(Vec<f64>, f64, f64)> {
    let p = x[0].len();
    let mut eta: Vec<f64> = y.iter().map(|v| (v + 0.5).ln()).collect();
    let mut beta = vec![0.0; p];
    for _ in 0..200 {
        let mu: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
        let mut a = vec![vec![0.0; p]; p];
        let mut b = vec![0.0; p];
        for (r, row) in x.iter().enumerate() {
            let w = mu[r];
            let zr = eta[r] + (y[r] - mu[r]) / mu[r];
            for i in 0..p {
                b[i] += row[i] * w * zr;
                for j in 0..p {
                    a[i][j] += row[i] * w * row[j];
                }
            }
        }
        let next = solve(a, b)?;
        let change = next
            .iter()
            .zip(&beta)
            .map(|(n, o)| (n - o).abs())
            .fold(0.0, f64::max);
        beta = next;
        eta = x
            .iter()
            .map(|row| row.iter().zip(&beta).map(|(v, c)| v * c).sum())
            .collect();
        if eta.iter().any(|e: &f64| !e.is_finite() || *e > 700.0) {
            return None;
        }
        if change < 1e-10 {
            let mu: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
            let mut info = vec![vec![0.0; p]; p];
            for (r, row) in x.iter().enumerate() {
                for i in 0..p {
                    for j in 0..p {
                        info[i][j] += row[i] * mu[r] * row[j];
                    }
                }
            }
            let mut e0 = vec![0.0; p];
            e0[0] = 1.0;
            let var0 = solve(info, e0)?[0];
            let loglik = y
                .iter()
                .zip(&mu)
                .map(|(&v, &m)| if v > 0.0 { v * m.ln() - m } else { -m })
                .sum();
            return Some((beta, var0, loglik));
        }
    }
    None
}

/// Solves `a v = b` by Gaussian elimination with partial pivoting; `None`
/// when `a` is singular.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col].clone();
        for r in col + 1..n {
            let f = a[r][col] / pivot_row[col];
            for (v, p) in a[r].iter_mut().zip(&pivot_row).skip(col) {
                *v -= f * p;
            }
            b[r] -= f * b[col];
        }
    }
    let mut v = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|c| a[r][c] * v[c]).sum();
        v[r] = (b[r] - s) / a[r][r];
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected counts of three independent lists catching with
    /// `p` from a population of `n`, rounded.
    fn independent(n: f64, p: [f64; 3]) -> Vec<u64> {
        (1..8usize)
            .map(|h| {
                let mut e = n;
                for (i, q) in p.iter().enumerate() {
                    e *= if h & (1 << i) != 0 { *q } else { 1.0 - q };
                }
                e.round() as u64
            })
            .collect()
    }

    #[test]
    fn independent_lists_give_back_the_population() {
        let counts = independent(1000.0, [0.3, 0.4, 0.5]);
        let e = loglinear(3, &counts, 0.95).unwrap();
        assert!((e.estimate - 1000.0).abs() < 10.0, "{e:?}");
        assert!(e.low < 1000.0 && e.high > 1000.0, "{e:?}");
        assert_eq!(e.seen, counts.iter().sum::<u64>());
        assert_eq!(e.models, 8, "independence to all three pairs");
    }

    #[test]
    fn two_dependent_lists_are_found_and_allowed_for() {
        // Lists 1 and 2 catch the same parties far more often than chance
        // (the same rules at two institutions): Chapman on 1 and 2 alone
        // would be far too low; the model with the 1×2 interaction is not.
        let n: f64 = 2000.0;
        let mut counts = vec![0u64; 7];
        for h in 1..8usize {
            let (a, b, c) = (h & 1 != 0, h & 2 != 0, h & 4 != 0);
            // P(1) = 0.3; P(2 | 1) = 0.8, P(2 | not 1) = 0.1; 3 independent at 0.4.
            let p1 = if a { 0.3 } else { 0.7 };
            let p2 = match (a, b) {
                (true, true) => 0.8,
                (true, false) => 0.2,
                (false, true) => 0.1,
                (false, false) => 0.9,
            };
            let p3 = if c { 0.4 } else { 0.6 };
            counts[h - 1] = (n * p1 * p2 * p3).round() as u64;
        }
        let e = loglinear(3, &counts, 0.95).unwrap();
        assert!(e.interactions.contains(&(1, 2)), "{e:?}");
        assert!((e.estimate - n).abs() < 0.05 * n, "{e:?}");
        let (n1, n2) = (
            counts
                .iter()
                .enumerate()
                .filter(|(h, _)| (h + 1) & 1 != 0)
                .map(|(_, c)| c)
                .sum::<u64>(),
            counts
                .iter()
                .enumerate()
                .filter(|(h, _)| (h + 1) & 2 != 0)
                .map(|(_, c)| c)
                .sum::<u64>(),
        );
        let m = counts[2] + counts[6];
        let two = crate::chapman(n1, n2, m, 0.95).unwrap();
        assert!(
            two.estimate < 0.8 * n,
            "Chapman on the dependent pair: {two:?}"
        );
    }

    #[test]
    fn the_all_pairs_model_of_three_lists_has_its_closed_form() {
        // Saturated on the seven cells: x000 = x111 x100 x010 x001 / (x110 x101 x011).
        let counts = [50, 40, 12, 30, 9, 8, 5]; // 100 010 110 001 101 011 111
        let x: Vec<Vec<f64>> = (1..8usize)
            .map(|h| {
                let on = |i: usize| f64::from(u8::from(h & (1 << i) != 0));
                vec![
                    1.0,
                    on(0),
                    on(1),
                    on(2),
                    on(0) * on(1),
                    on(0) * on(2),
                    on(1) * on(2),
                ]
            })
            .collect();
        let y: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        let (beta, _, _) = fit_poisson(&x, &y).unwrap();
        let closed = 5.0 * 50.0 * 40.0 * 30.0 / (12.0 * 9.0 * 8.0);
        assert!(
            (beta[0].exp() - closed).abs() < 1e-6,
            "{} vs {closed}",
            beta[0].exp()
        );
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(loglinear(2, &[1, 2, 3], 0.95), Err(EstimateError::Lists(2)));
        assert_eq!(loglinear(6, &[1; 63], 0.95), Err(EstimateError::Lists(6)));
        assert!(matches!(
            loglinear(3, &[1, 2, 3], 0.95),
            Err(EstimateError::Histories {
                expected: 7,
                got: 3,
                ..
            })
        ));
        assert!(loglinear(3, &[5; 7], 0.5).is_err());
    }
}
