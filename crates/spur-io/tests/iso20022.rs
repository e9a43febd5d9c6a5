//! ISO 20022 fixtures, data-driven: every `tests/data/iso20022/**/NAME.xml`
//! is read and its outcomes compared with `NAME.expected` beside it, one
//! line per payment (`ok` and its fields) or reject (`line field: reason`),
//! then the counts, or `error: ...` when the file as a whole is refused.
//! A first line `format: pacs008` in the expected file reads the fixture as
//! `--format pacs008` would. `SPUR_BLESS=1` rewrites the expected files
//! (review the diff before committing).

use std::fmt::Write as _;
use std::fs;
use std::io::Cursor;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use spur_engine::model::Payment;
use spur_io::time::rfc3339;
use spur_io::{open_reader, Format, Message};

fn render(p: &Payment<'_>) -> String {
    let mut s = format!(
        "ok {} {} {} {} {}({}) -> {}({})",
        p.txn_id,
        rfc3339(p.timestamp),
        p.amount,
        p.currency,
        p.sender_id,
        p.sender_country,
        p.receiver_id,
        p.receiver_country
    );
    for (k, v) in [
        ("sender_name", p.sender_name),
        ("receiver_name", p.receiver_name),
        ("message", p.message),
        ("phone", p.extra.receiver_phone),
    ] {
        if !v.is_empty() {
            let _ = write!(s, " {k}={v:?}");
        }
    }
    if let Some(c) = p.channel {
        let _ = write!(s, " channel={}", c.as_str());
    }
    s
}

/// The outcomes of reading `input` as `format`, as the expected files hold them.
fn outcomes(format: Format, input: &[u8]) -> String {
    let mut out = String::new();
    let result = open_reader(format, Box::new(Cursor::new(input.to_vec()))).and_then(|mut r| {
        r.read_all(&mut |line, rec| {
            match rec {
                Ok(p) => {
                    let _ = writeln!(out, "{line}: {}", render(&p));
                }
                Err(r) => {
                    assert_eq!(r.line, line);
                    let _ = writeln!(out, "{} {}: {}", r.line, r.field, r.reason);
                }
            }
            ControlFlow::Continue(())
        })
    });
    match result {
        Ok(s) => {
            let _ = writeln!(
                out,
                "accepted {} rejected {} skipped {} naive_times {}",
                s.accepted, s.rejected, s.skipped, s.naive_times
            );
        }
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
        }
    }
    out
}

fn fixtures(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("fixture directory") {
        let path = entry.expect("fixture entry").path();
        if path.is_dir() {
            fixtures(&path, found);
        } else if path.extension().is_some_and(|e| e == "xml") {
            found.push(path);
        }
    }
}

fn forced(name: &str) -> Option<Message> {
    Message::ALL
        .into_iter()
        .find(|m| m.id().replace('.', "") == name)
}

#[test]
fn fixtures_read_as_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/iso20022");
    let mut found = Vec::new();
    fixtures(&root, &mut found);
    found.sort();
    assert!(found.len() >= 20, "fixtures: {}", found.len());
    let bless = std::env::var_os("SPUR_BLESS").is_some();
    let mut failed = Vec::new();
    for xml in &found {
        let expected_path = xml.with_extension("expected");
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        let header = expected
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("format: "));
        let format = Format::Iso20022(header.map(|h| forced(h).expect("a message name")));
        let input = fs::read(xml).expect("fixture");
        let mut got = String::new();
        if let Some(h) = header {
            let _ = writeln!(got, "format: {h}");
        }
        got.push_str(&outcomes(format, &input));
        if got != expected {
            if bless {
                fs::write(&expected_path, &got).expect("write expected");
            } else {
                failed.push(format!(
                    "{}:\n--- expected\n{expected}--- got\n{got}",
                    xml.display()
                ));
            }
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// The line a reject or payment names is the line an editor shows for the
/// transaction's start tag, however the file breaks its lines.
#[test]
fn lines_are_the_lines_of_the_start_tags() {
    let tx = |id: &str| {
        format!(
            "<CdtTrfTxInf\n  ><PmtId><EndToEndId>{id}</EndToEndId></PmtId>\r\n<InstdAmt Ccy=\"EUR\">5</InstdAmt>\
             <Dbtr><Nm>A</Nm><PstlAdr><Ctry>DE</Ctry></PstlAdr></Dbtr><DbtrAcct><Id><IBAN>DE1</IBAN></Id></DbtrAcct>\
             <Cdtr><Nm>B</Nm><CtryOfRes>PH</CtryOfRes></Cdtr><CdtrAcct><Id><Othr><Id>R1</Id></Othr></Id></CdtrAcct></CdtTrfTxInf>"
        )
    };
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!-- a\ncomment -->\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08\">\
         <FIToFICstmrCdtTrf>\n<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-01-05T10:00:00Z</CreDtTm></GrpHdr>\n\n{}\n<![CDATA[\n\n]]>{}\n</FIToFICstmrCdtTrf></Document>\n",
        tx("A"),
        tx("B")
    );
    let mut lines = Vec::new();
    let mut reader = open_reader(
        Format::Iso20022(None),
        Box::new(Cursor::new(xml.clone().into_bytes())),
    )
    .unwrap();
    reader
        .read_all(&mut |line, rec| {
            assert!(rec.is_ok(), "{rec:?}");
            lines.push(line);
            ControlFlow::Continue(())
        })
        .unwrap();
    let want: Vec<u64> = xml
        .match_indices("<CdtTrfTxInf")
        .map(|(at, _)| 1 + xml[..at].matches('\n').count() as u64)
        .collect();
    assert_eq!(lines, want);
}
