//! One simulated world split between institutions, each seeing its slice
//! of the traffic (`spur simulate --institutions N`).
//!
//! - **Same side**: two to five sending firms abroad. Each customer has a
//!   firm it mostly uses ([`HOME_SHARE`] of its payments) and sends the rest
//!   through the others, each payment through one of them drawn evenly, so
//!   every firm sees the receiving accounts, each with part of their payers.
//! - **Cross-border**: a sending firm (institution A, holding half the
//!   customers) and a receiving e-wallet or bank (institution B, holding
//!   half the receiving accounts). A sees its customers' payments, B the
//!   payments into its accounts; the payments from A's customers to B's
//!   accounts are seen by both, under the same reference (txn id).
//!
//! Who is where is decided by a hash of the seed and the party's (or the
//! payment's) id: the split depends only on the seed and the world.

use std::collections::HashSet;
use std::io::{Read, Write};

use crate::SimError;

/// How the world is split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitMode {
    SameSide,
    CrossBorder,
}

/// A customer's share of payments through the firm it mostly uses (same side).
pub const HOME_SHARE: f64 = 0.7;

/// The most institutions a world is split between.
pub const MAX_INSTITUTIONS: usize = 5;

/// What each institution got.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SplitSummary {
    /// Payments of each institution (A, B, ...).
    pub payments: Vec<usize>,
    /// Payments two institutions see (cross-border only).
    pub shared_payments: usize,
    /// Parties (sender or receiver) in each institution's truth file.
    pub parties: Vec<usize>,
}

/// SplitMix64 of the seed and the bytes: a uniform draw in [0, 1) per id.
fn draw(seed: u64, salt: u8, id: &[u8]) -> f64 {
    // FNV-1a over the id, then SplitMix64's finaliser with the seed.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(salt);
    for b in id {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut z = h ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Which of `n` institutions see one payment (bit `i` for institution `i`).
fn seen_by(
    mode: SplitMode,
    n: usize,
    seed: u64,
    txn: &[u8],
    sender: &[u8],
    receiver: &[u8],
) -> u32 {
    let pick = |d: f64, among: usize| ((d * among as f64) as usize).min(among - 1);
    match mode {
        SplitMode::SameSide => {
            let home = pick(draw(seed, 1, sender), n);
            let firm = if draw(seed, 2, txn) < HOME_SHARE {
                home
            } else {
                // One of the others, evenly (with two, the other one).
                (home + 1 + pick(draw(seed, 5, txn), n - 1)) % n
            };
            1 << firm
        }
        SplitMode::CrossBorder => {
            u32::from(draw(seed, 3, sender) < 0.5) | u32::from(draw(seed, 4, receiver) < 0.5) << 1
        }
    }
}

fn column(headers: &csv::ByteRecord, name: &str) -> Result<usize, SimError> {
    headers
        .iter()
        .position(|h| h == name.as_bytes())
        .ok_or_else(|| SimError::Config(format!("payments: no column {name:?} in the header")))
}

/// Splits `payments` and `truth` (as [`crate::simulate`] wrote them) into
/// each institution's payments and the truth of the parties it sees: one
/// writer of each per institution, 2 to [`MAX_INSTITUTIONS`] same side,
/// exactly 2 cross-border.
pub fn split(
    mode: SplitMode,
    seed: u64,
    payments: impl Read,
    truth: impl Read,
    out_payments: Vec<&mut dyn Write>,
    out_truth: Vec<&mut dyn Write>,
) -> Result<SplitSummary, SimError> {
    let n = out_payments.len();
    let allowed = match mode {
        SplitMode::SameSide => 2..=MAX_INSTITUTIONS,
        SplitMode::CrossBorder => 2..=2,
    };
    if !allowed.contains(&n) || out_truth.len() != n {
        return Err(SimError::Config(format!(
            "{n} institutions ({} truth files): same side splits between 2 and {MAX_INSTITUTIONS}, cross-border between 2",
            out_truth.len()
        )));
    }
    let mut reader = csv::Reader::from_reader(payments);
    let headers = reader.byte_headers()?.clone();
    let (t, s, r) = (
        column(&headers, "txn_id")?,
        column(&headers, "sender_id")?,
        column(&headers, "receiver_id")?,
    );
    let mut writers: Vec<_> = out_payments
        .into_iter()
        .map(csv::Writer::from_writer)
        .collect();
    for w in &mut writers {
        w.write_byte_record(&headers)?;
    }
    let mut seen: Vec<HashSet<(Vec<u8>, &'static str)>> = vec![HashSet::new(); n];
    let mut summary = SplitSummary {
        payments: vec![0; n],
        shared_payments: 0,
        parties: vec![0; n],
    };
    let mut rec = csv::ByteRecord::new();
    while reader.read_byte_record(&mut rec)? {
        let field = |i: usize| rec.get(i).unwrap_or_default();
        let (txn, sender, receiver) = (field(t), field(s), field(r));
        let by = seen_by(mode, n, seed, txn, sender, receiver);
        if by.count_ones() > 1 {
            summary.shared_payments += 1;
        }
        for i in 0..n {
            if by & (1 << i) != 0 {
                writers[i].write_byte_record(&rec)?;
                summary.payments[i] += 1;
                seen[i].insert((sender.to_vec(), "sender"));
                seen[i].insert((receiver.to_vec(), "receiver"));
            }
        }
    }
    for w in &mut writers {
        w.flush()?;
    }
    let mut truth = csv::Reader::from_reader(truth);
    let theaders = truth.byte_headers()?.clone();
    let (id, role) = (column(&theaders, "party_id")?, column(&theaders, "role")?);
    let mut twriters: Vec<_> = out_truth
        .into_iter()
        .map(csv::Writer::from_writer)
        .collect();
    for w in &mut twriters {
        w.write_byte_record(&theaders)?;
    }
    while truth.read_byte_record(&mut rec)? {
        let role = match rec.get(role) {
            Some(b"sender") => "sender",
            Some(b"receiver") => "receiver",
            other => {
                return Err(SimError::Config(format!(
                    "truth: line {}: role {:?} is neither sender nor receiver",
                    rec.position().map_or(0, |p| p.line()),
                    other.map(String::from_utf8_lossy)
                )))
            }
        };
        let key = (rec.get(id).unwrap_or_default().to_vec(), role);
        for i in 0..n {
            if seen[i].contains(&key) {
                twriters[i].write_byte_record(&rec)?;
                summary.parties[i] += 1;
            }
        }
    }
    for w in &mut twriters {
        w.flush()?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYMENTS: &str = "txn_id,sender_id,receiver_id,amount\n";

    fn world() -> (String, String) {
        let mut p = PAYMENTS.to_owned();
        let mut t = String::from("party_id,role,label\n");
        for s in 0..200 {
            t.push_str(&format!("S{s:06},sender,ordinary\n"));
        }
        for r in 0..50 {
            t.push_str(&format!("R{r:06},receiver,ordinary\n"));
        }
        for i in 0..4000 {
            p.push_str(&format!(
                "T{i:08},S{:06},R{:06},5.00\n",
                i % 200,
                (i * 7) % 50
            ));
        }
        (p, t)
    }

    fn run(mode: SplitMode, seed: u64) -> (SplitSummary, [String; 2], [String; 2]) {
        let (p, t) = world();
        let (mut a, mut b, mut ta, mut tb) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let s = split(
            mode,
            seed,
            p.as_bytes(),
            t.as_bytes(),
            vec![&mut a, &mut b],
            vec![&mut ta, &mut tb],
        )
        .unwrap();
        let text = |v: Vec<u8>| String::from_utf8(v).unwrap();
        (s, [text(a), text(b)], [text(ta), text(tb)])
    }

    #[test]
    fn same_side_gives_every_payment_to_exactly_one_firm() {
        let (s, files, _) = run(SplitMode::SameSide, 7);
        assert_eq!(s.payments[0] + s.payments[1], 4000);
        assert_eq!(s.shared_payments, 0);
        assert!(s.payments.iter().all(|n| (1500..2500).contains(n)), "{s:?}");
        // A customer's payments go mostly, not only, through its home firm.
        let a_of = |who: &str| files[0].lines().filter(|l| l.contains(who)).count();
        let b_of = |who: &str| files[1].lines().filter(|l| l.contains(who)).count();
        let both = (0..200)
            .filter(|i| {
                let who = format!(",S{i:06},");
                a_of(&who) > 0 && b_of(&who) > 0
            })
            .count();
        assert!(both > 100, "{both} customers at both firms");
    }

    #[test]
    fn same_side_splits_between_up_to_five_firms_and_cross_border_between_two() {
        let (p, t) = world();
        let mut outs: Vec<Vec<u8>> = vec![Vec::new(); 6];
        let mut truths: Vec<Vec<u8>> = vec![Vec::new(); 6];
        let s = split(
            SplitMode::SameSide,
            7,
            p.as_bytes(),
            t.as_bytes(),
            outs.iter_mut()
                .take(3)
                .map(|w| w as &mut dyn Write)
                .collect(),
            truths
                .iter_mut()
                .take(3)
                .map(|w| w as &mut dyn Write)
                .collect(),
        )
        .unwrap();
        assert_eq!(s.payments.iter().sum::<usize>(), 4000);
        assert!(s.payments.iter().all(|n| (900..1800).contains(n)), "{s:?}");
        // Customers pay through every firm: most through all three.
        let at = |i: usize, who: &str| String::from_utf8_lossy(&outs[i]).contains(who);
        let everywhere = (0..200)
            .filter(|k| {
                let who = format!(",S{k:06},");
                (0..3).all(|i| at(i, &who))
            })
            .count();
        assert!(everywhere > 100, "{everywhere} customers at all three");
        for (mode, n) in [
            (SplitMode::SameSide, 6),
            (SplitMode::CrossBorder, 3),
            (SplitMode::SameSide, 1),
        ] {
            let (mut o, mut tr): (Vec<Vec<u8>>, Vec<Vec<u8>>) =
                (vec![Vec::new(); n], vec![Vec::new(); n]);
            let e = split(
                mode,
                7,
                p.as_bytes(),
                t.as_bytes(),
                o.iter_mut().map(|w| w as &mut dyn Write).collect(),
                tr.iter_mut().map(|w| w as &mut dyn Write).collect(),
            )
            .unwrap_err();
            assert!(e.to_string().contains(&format!("{n} institutions")), "{e}");
        }
    }

    #[test]
    fn cross_border_shares_the_payments_from_a_customers_to_b_accounts() {
        let (s, files, truth) = run(SplitMode::CrossBorder, 7);
        let shared = files[0]
            .lines()
            .skip(1)
            .filter(|l| files[1].contains(*l))
            .count();
        assert_eq!(shared, s.shared_payments);
        assert!(s.shared_payments > 500 && s.shared_payments < 1500, "{s:?}");
        // Each truth file holds exactly the parties of its payments.
        for i in 0..2 {
            for line in truth[i].lines().skip(1) {
                let id = line.split(',').next().unwrap();
                assert!(
                    files[i].contains(&format!(",{id},")),
                    "{id} not in {i}'s payments"
                );
            }
        }
    }

    #[test]
    fn the_split_depends_on_the_seed_only() {
        assert_eq!(
            run(SplitMode::CrossBorder, 3),
            run(SplitMode::CrossBorder, 3)
        );
        assert_ne!(
            run(SplitMode::CrossBorder, 3).1,
            run(SplitMode::CrossBorder, 4).1
        );
    }

    #[test]
    fn a_file_without_the_columns_is_refused_with_the_column() {
        let (mut a, mut b, mut ta, mut tb) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let e = split(
            SplitMode::SameSide,
            1,
            "txn_id,sender\nT1,S1\n".as_bytes(),
            "party_id,role,label\n".as_bytes(),
            vec![&mut a, &mut b],
            vec![&mut ta, &mut tb],
        )
        .unwrap_err();
        assert!(e.to_string().contains("sender_id"), "{e}");
    }
}
