//! Two stages' kept values compared bit for bit: for the tests of
//! `Net::update` against `Net::full`.

use super::*;

impl Net {
    /// Where this differs from `other` (the first difference), comparing
    /// every kept value bit for bit: for tests of `update` against `full`.
    pub fn differs_from(&self, other: &Net) -> Option<String> {
        fn bits(a: &[f64], b: &[f64], what: &str) -> Option<String> {
            if a.len() != b.len() {
                return Some(format!("{what}: {} against {} parties", a.len(), b.len()));
            }
            let k = (0..a.len()).find(|&k| a[k].to_bits() != b[k].to_bits())?;
            Some(format!("{what}[{k}]: {} against {}", a[k], b[k]))
        }
        fn same<T: PartialEq + std::fmt::Debug>(a: &[T], b: &[T], what: &str) -> Option<String> {
            if a.len() != b.len() {
                return Some(format!("{what}: {} against {} parties", a.len(), b.len()));
            }
            let k = (0..a.len()).find(|&k| a[k] != b[k])?;
            Some(format!("{what}[{k}]: {:?} against {:?}", a[k], b[k]))
        }
        let sorted = |r: &[Vec<u32>]| -> Vec<Vec<u32>> {
            r.iter()
                .map(|p| {
                    let mut p = p.clone();
                    p.sort_unstable();
                    p
                })
                .collect()
        };
        let groups = |n: &Net| -> Vec<(u32, Vec<u32>, Vec<u32>)> {
            let mut g: Vec<_> = n
                .members
                .iter()
                .map(|(r, m)| (*r, m.clone(), n.pool.get(r).cloned().unwrap_or_default()))
                .collect();
            g.sort();
            g
        };
        same(&self.conduct, &other.conduct, "conduct")
            .or_else(|| same(&self.sole, &other.sole, "sole"))
            .or_else(|| same(&self.routed, &other.routed, "routed"))
            .or_else(|| bits(&self.s_local, &other.s_local, "s_local"))
            .or_else(|| same(&self.roots, &other.roots, "roots"))
            .or_else(|| same(&groups(self), &groups(other), "groups"))
            .or_else(|| bits(&self.r_first, &other.r_first, "r_first"))
            .or_else(|| same(&self.gf, &other.gf, "gf"))
            .or_else(|| same(&self.susp3, &other.susp3, "susp3"))
            .or_else(|| same(&sorted(&self.ring), &sorted(&other.ring), "ring"))
            .or_else(|| bits(&self.r_scored, &other.r_scored, "r_scored"))
            .or_else(|| same(&self.shared, &other.shared, "shared"))
            .or_else(|| bits(&self.s_final, &other.s_final, "s_final"))
            .or_else(|| bits(&self.r_final, &other.r_final, "r_final"))
    }
}
