//! The census's promises, run between three to five institutions in
//! memory: the hub learns exactly the capture histories of the lists, the
//! blinding answers keep nothing of the order received, and a bad value is
//! refused by its index, never a panic.

use spur_match::{histories, Blinder, Identifier, Kind, MatchError, Message};

fn account(s: &str) -> Vec<u8> {
    Identifier {
        kind: Kind::Account,
        value: s.to_owned(),
    }
    .bytes()
}

/// Every list through every institution's secret, the hub (institution 0)
/// passing each on as `spur census` does; the histories it counts.
fn census(lists: &[Vec<Vec<u8>>]) -> Vec<u64> {
    let keys: Vec<Blinder> = lists.iter().map(|_| Blinder::new().unwrap()).collect();
    let done: Vec<Message> = lists
        .iter()
        .enumerate()
        .map(|(j, items)| {
            let mut m = keys[j].blind(items).unwrap();
            for (i, k) in keys.iter().enumerate() {
                if i != j {
                    m = k.reblind(&m).unwrap();
                }
            }
            m
        })
        .collect();
    histories(&done).unwrap()
}

/// The same counts from the plain lists.
fn plain(lists: &[Vec<Vec<u8>>]) -> Vec<u64> {
    let mut by: std::collections::BTreeMap<&[u8], usize> = Default::default();
    for (i, l) in lists.iter().enumerate() {
        for x in l {
            *by.entry(x.as_slice()).or_default() |= 1 << i;
        }
    }
    let mut counts = vec![0; (1 << lists.len()) - 1];
    for h in by.values() {
        counts[h - 1] += 1;
    }
    counts
}

fn range(prefix: &str, r: std::ops::Range<u32>) -> Vec<Vec<u8>> {
    r.map(|i| account(&format!("{prefix}-{i}"))).collect()
}

#[test]
fn the_histories_are_those_of_the_plain_lists() {
    let three = vec![
        range("PH", 0..100),
        range("PH", 60..180),
        [range("PH", 90..130), range("TH", 0..7)].concat(),
    ];
    let got = census(&three);
    assert_eq!(got, plain(&three));
    // By history (list 1 the lowest bit): 1 only 0..60, 2 only 130..180,
    // 1 and 2 60..90, 3 only the 7 TH, 1 and 3 none, 2 and 3 100..130, all
    // three 90..100.
    assert_eq!(got, [60, 50, 30, 7, 0, 30, 10]);
    let five: Vec<Vec<Vec<u8>>> = (0..5u32)
        .map(|i| range("ID", i * 20..i * 20 + 50))
        .collect();
    assert_eq!(census(&five), plain(&five));
    // A repeated item counts once; an empty list is a list.
    let with_empty = vec![
        vec![account("A"), account("A"), account("B")],
        vec![],
        vec![account("B")],
    ];
    assert_eq!(census(&with_empty), [1, 0, 0, 0, 1, 0, 0]);
}

#[test]
fn blinding_answers_are_sorted_and_fresh() {
    let k = Blinder::new().unwrap();
    let items = range("PH", 0..50);
    let mine = Blinder::new().unwrap().blind(&items).unwrap();
    assert!(mine.windows(2).all(|w| w[0] < w[1]), "a list goes sorted");
    let mut reversed = mine.clone();
    reversed.reverse();
    let a = k.reblind(&mine).unwrap();
    assert_eq!(a, k.reblind(&reversed).unwrap(), "the order sent survives");
    assert!(a.windows(2).all(|w| w[0] < w[1]));
    // Another census's secret: nothing in common with the last one's values.
    let other = Blinder::new().unwrap().blind(&items).unwrap();
    assert!(other.iter().all(|e| !mine.contains(e)));
}

#[test]
fn bad_values_are_refused_by_their_index() {
    let k = Blinder::new().unwrap();
    let good = Blinder::new().unwrap().blind(&[account("A")]).unwrap()[0];
    // The identity's encoding is 32 zero bytes; 0xff.. is no point.
    assert_eq!(
        k.reblind(&[good, [0u8; 32]]).err(),
        Some(MatchError::Identity { index: 1 })
    );
    assert_eq!(
        k.reblind(&[[0xff; 32]]).err(),
        Some(MatchError::BadPoint { index: 0 })
    );
    let six: Vec<Message> = vec![vec![]; 6];
    assert!(matches!(
        histories(&six),
        Err(MatchError::Lists { got: 6, max: 5 })
    ));
}
