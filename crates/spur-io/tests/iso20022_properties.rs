//! Property tests of the ISO 20022 reader: no input makes it panic, a
//! damaged file yields a payment or reject per transaction it could read,
//! and the payments of an undamaged one all come back.

#[path = "support/pacs008.rs"]
mod pacs008;

use std::io::Cursor;
use std::ops::ControlFlow;

use proptest::prelude::*;
use spur_engine::model::{Country, Currency, Extra, Payment};
use spur_io::{open_reader, Format, InputError, Message, ReadStats};

fn read(format: Format, input: &[u8]) -> Result<(u64, ReadStats), InputError> {
    let mut reader = open_reader(format, Box::new(Cursor::new(input.to_vec())))?;
    let mut seen = 0u64;
    let stats = reader.read_all(&mut |line, r| {
        seen += 1;
        assert!(line >= 1);
        if let Err(reject) = r {
            assert_eq!(reject.line, line);
            assert!(!reject.reason.is_empty());
        }
        ControlFlow::Continue(())
    })?;
    Ok((seen, stats))
}

/// Three good transactions in two messages, written by the test writer.
fn document() -> Vec<u8> {
    let mut w = pacs008::Pacs008Writer::new(Vec::new(), 2).unwrap();
    for (i, name) in ["Ann & Co", "Bo <Lee>", "Cy \"D\""].iter().enumerate() {
        let id = format!("T{i}");
        w.push(&Payment {
            txn_id: &id,
            timestamp: 1_767_647_643 + i as i64,
            amount: 12.5,
            currency: Currency::new(b"USD"),
            sender_id: "s1",
            sender_country: Country::new(b"US"),
            sender_name: name,
            receiver_id: "r1",
            receiver_country: Country::new(b"PH"),
            receiver_name: "",
            channel: None,
            message: "for the show",
            extra: Extra::default(),
        })
        .unwrap();
    }
    w.finish().unwrap()
}

const FORMATS: [Format; 3] = [
    Format::Iso20022(None),
    Format::Iso20022(Some(Message::Pacs008)),
    Format::Iso20022(Some(Message::Camt053)),
];

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
    /// Copies a span of the document elsewhere (whole elements, often).
    Splice(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            prop::sample::select(vec![
                b'<', b'>', b'/', b'&', b';', b'"', b'=', b'!', b'?', 0xff, b'\n'
            ])
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 0usize..400, any::<usize>())
            .prop_map(|(a, n, b)| Mutation::Splice(a, n, b)),
    ]
}

fn mutate(doc: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut d = doc.to_vec();
    for m in mutations {
        match *m {
            Mutation::Flip(i, b) if !d.is_empty() => {
                let i = i % d.len();
                d[i] ^= b;
            }
            Mutation::Truncate(i) => d.truncate(i % (d.len() + 1)),
            Mutation::Insert(i, b) => d.insert(i % (d.len() + 1), b),
            Mutation::Splice(a, n, b) if !d.is_empty() => {
                let a = a % d.len();
                let span = d[a..(a + n).min(d.len())].to_vec();
                let b = b % (d.len() + 1);
                d.splice(b..b, span);
            }
            Mutation::Flip(..) | Mutation::Splice(..) => {}
        }
    }
    d
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        for format in FORMATS {
            if let Ok((seen, stats)) = read(format, &bytes) {
                prop_assert_eq!(seen, stats.accepted + stats.rejected);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_inside_a_message_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let doc = document();
        let cut = doc.windows(13).position(|w| w == b"<CdtTrfTxInf>").unwrap_or(0);
        let mut input = doc[..cut].to_vec();
        input.extend_from_slice(&bytes);
        let (seen, stats) = read(Format::Iso20022(None), &input).expect("a message has begun");
        prop_assert_eq!(seen, stats.accepted + stats.rejected);
    }

    #[test]
    fn damaged_documents_yield_a_payment_or_reject_each(
        mutations in prop::collection::vec(mutation(), 0..5)
    ) {
        let doc = document();
        let input = mutate(&doc, &mutations);
        match read(Format::Iso20022(None), &input) {
            Ok((seen, stats)) => {
                prop_assert_eq!(seen, stats.accepted + stats.rejected);
                if mutations.is_empty() {
                    prop_assert_eq!((stats.accepted, stats.rejected), (3, 0));
                }
            }
            // Damage before the first message may leave no ISO 20022 in it.
            Err(e) => prop_assert!(!mutations.is_empty(), "{}", e),
        }
    }
}

/// Deep nesting, a runaway text and an entity bomb end the reading with a
/// reject or an error, without holding the input in memory.
#[test]
fn hostile_shapes_are_refused_in_bounded_memory() {
    let doc = String::from_utf8(document()).unwrap();
    let cut = doc.find("<CdtTrfTxInf>").unwrap();
    let outcomes = |input: Vec<u8>| {
        let mut reader = open_reader(Format::Iso20022(None), Box::new(Cursor::new(input))).unwrap();
        let mut out = Vec::new();
        let r = reader.read_all(&mut |_, rec| {
            out.push(match rec {
                Ok(p) => format!("ok {}", p.txn_id),
                Err(r) => format!("{} {}: {}", r.line, r.field, r.reason),
            });
            ControlFlow::Continue(())
        });
        (out, r.map_err(|e| e.to_string()))
    };

    let mut deep = doc[..cut].to_string();
    deep.push_str(&"<a>".repeat(100_000));
    let (out, r) = outcomes(deep.into_bytes());
    assert!(r.is_ok());
    // The first message's two transactions stand; the rest is one reject.
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(out[2].contains("elements nest deeper than 100"), "{out:?}");

    let mut long = doc[..cut].to_string();
    long.push_str("<CdtTrfTxInf><RmtInf><Ustrd>");
    long.push_str(&"x".repeat(5 << 20));
    let (out, r) = outcomes(long.into_bytes());
    assert!(r.is_ok());
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(out[2].contains("longer than 4 MiB"), "{out:?}");

    let mut many = doc[..cut].to_string();
    many.push_str("<CdtTrfTxInf><RmtInf>");
    for _ in 0..200 {
        many.push_str(&format!("<Ustrd>{}</Ustrd>", "y".repeat(140)));
    }
    many.push_str("</RmtInf></CdtTrfTxInf>");
    many.push_str(&doc[doc.find("</FIToFICstmrCdtTrf>").unwrap()..]);
    let (out, _) = outcomes(many.into_bytes());
    assert!(
        out.iter()
            .any(|o| o.contains("message: ") && o.contains("is longer than 16384 bytes")),
        "{out:?}"
    );
}
