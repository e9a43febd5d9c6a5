//! The PSI's promises, run between two sides in memory: both learn exactly
//! the intersection, nothing in the messages repeats across runs or shows
//! an item's plain hash, and a bad message is refused, never a panic.

use spur_match::{Identifier, Kind, MatchError, Side};

fn account(s: &str) -> Vec<u8> {
    Identifier {
        kind: Kind::Account,
        value: s.to_owned(),
    }
    .bytes()
}

/// Runs the three steps between `a` and `b`; each side's matches.
fn run(a: &[Vec<u8>], b: &[Vec<u8>]) -> (Vec<usize>, Vec<usize>) {
    let (sa, sb) = (Side::new(a).unwrap(), Side::new(b).unwrap());
    let (offer_a, offer_b) = (sa.offer(), sb.offer());
    let a_doubled = sb.answer(&offer_a).unwrap();
    let b_doubled = sa.answer(&offer_b).unwrap();
    (
        sa.matches(&a_doubled, &b_doubled).unwrap(),
        sb.matches(&b_doubled, &a_doubled).unwrap(),
    )
}

#[test]
fn both_sides_learn_exactly_the_intersection() {
    let a: Vec<Vec<u8>> = (0..200).map(|i| account(&format!("PH-{i}"))).collect();
    let b: Vec<Vec<u8>> = (150..400).map(|i| account(&format!("PH-{i}"))).collect();
    let (in_a, in_b) = run(&a, &b);
    assert_eq!(in_a, (150..200).collect::<Vec<_>>());
    assert_eq!(in_b, (0..50).collect::<Vec<_>>());
    // Nothing in common, or one side empty: nothing found.
    let c: Vec<Vec<u8>> = (0..10).map(|i| account(&format!("TH-{i}"))).collect();
    assert_eq!(run(&a, &c), (vec![], vec![]));
    assert_eq!(run(&a, &[]), (vec![], vec![]));
}

#[test]
fn kinds_are_separate_and_phones_are_canonical() {
    let phone = Identifier::phone("+63 917-123 (4567)").unwrap();
    assert_eq!(phone.value, "+639171234567");
    assert_eq!(Identifier::phone("0917 123 4567"), None, "no country code");
    assert_eq!(Identifier::phone("+63abc"), None);
    let as_account = Identifier {
        kind: Kind::Account,
        value: "+639171234567".into(),
    };
    let (a, b) = (vec![phone.bytes()], vec![as_account.bytes()]);
    assert_eq!(
        run(&a, &b),
        (vec![], vec![]),
        "an account id never matches a phone"
    );
    let same = Identifier::phone("+639171234567").unwrap();
    assert_eq!(run(&a, &[same.bytes()]), (vec![0], vec![0]));
}

#[test]
fn messages_are_fresh_each_run_and_never_the_plain_hash() {
    let items = vec![account("PH-1"), account("PH-2")];
    let (one, two) = (Side::new(&items).unwrap(), Side::new(&items).unwrap());
    let (o1, o2) = (one.offer(), two.offer());
    assert!(o1.iter().all(|e| !o2.contains(e)), "two runs can be linked");
    // The items' plain hashes to the group (what a peer could test guesses
    // against) are in no message.
    let plain: Vec<[u8; 32]> = items
        .iter()
        .map(|x| {
            let mut wide = [0u8; 64];
            wide.copy_from_slice(&<sha2::Sha512 as sha2::Digest>::digest(x));
            curve25519_dalek::ristretto::RistrettoPoint::from_uniform_bytes(&wide)
                .compress()
                .to_bytes()
        })
        .collect();
    let peer = Side::new(&items).unwrap();
    let answered = peer.answer(&o1).unwrap();
    for m in [&o1, &o2, &answered] {
        assert!(
            m.iter().all(|e| !plain.contains(e)),
            "a plain hash was sent"
        );
    }
    assert_eq!(one.len(), 2);
}

#[test]
fn bad_messages_are_refused() {
    let side = Side::new(&[account("PH-1")]).unwrap();
    // Not a canonical ristretto255 encoding.
    let bad = [[0xffu8; 32]];
    assert_eq!(side.answer(&bad), Err(MatchError::BadPoint { index: 0 }));
    // The identity (all zero bytes) blinds to itself: refused.
    let good = side.offer()[0];
    assert_eq!(
        side.answer(&[good, [0u8; 32]]),
        Err(MatchError::Identity { index: 1 })
    );
    // An answer of the wrong length.
    assert_eq!(
        side.matches(&[], &[]),
        Err(MatchError::Length { sent: 1, got: 0 })
    );
}

#[test]
fn duplicates_are_offered_once() {
    let side = Side::new(&[account("PH-1"), account("PH-1"), account("PH-2")]).unwrap();
    assert_eq!(side.len(), 2);
    let other = Side::new(&[account("PH-1")]).unwrap();
    let mine = other.answer(&side.offer()).unwrap();
    let theirs = side.answer(&other.offer()).unwrap();
    assert_eq!(side.matches(&mine, &theirs).unwrap(), vec![0]);
}

#[test]
fn both_sides_pair_the_same_items_by_position() {
    let a: Vec<Vec<u8>> = (0..50).map(|i| account(&format!("PH-{i}"))).collect();
    let b: Vec<Vec<u8>> = (40..90).map(|i| account(&format!("PH-{i}"))).collect();
    let (sa, sb) = (Side::new(&a).unwrap(), Side::new(&b).unwrap());
    let (offer_a, offer_b) = (sa.offer(), sb.offer());
    let a_doubled = sb.answer(&offer_a).unwrap();
    let b_doubled = sa.answer(&offer_b).unwrap();
    let pa = sa.pairs(&a_doubled, &b_doubled).unwrap();
    let pb = sb.pairs(&b_doubled, &a_doubled).unwrap();
    assert_eq!(pa.len(), 10);
    // a's (position, item, b's position) is b's (b's position, item, a's position).
    let mut from_b: Vec<(usize, usize)> = pb.iter().map(|(p, _, q)| (*q, *p)).collect();
    from_b.sort_unstable();
    let from_a: Vec<(usize, usize)> = pa.iter().map(|(p, _, q)| (*p, *q)).collect();
    assert_eq!(from_a, from_b);
    for (_, item, theirs) in &pa {
        let (_, b_item, _) = pb.iter().find(|(p, _, _)| p == theirs).unwrap();
        assert_eq!(a[*item], b[*b_item]);
    }
    assert!(sa.pairs(&a_doubled[1..], &b_doubled).is_err());
}
