//! `spur scan` on ISO 20022 files: the format from the extension, from the
//! content, or from `--format`; rejects and refusals as the reader gives them.

mod common;

use common::Workdir;

const PACS008: &str =
    include_str!("../../spur-io/tests/data/iso20022/pacs008_bad_transactions.xml");
const CAMT053: &str = include_str!("../../spur-io/tests/data/iso20022/camt053_v02.xml");
const NEWER: &str =
    include_str!("../../spur-io/tests/data/iso20022/pacs008_forced_newer_version.xml");
const BOMB: &str = include_str!("../../spur-io/tests/data/iso20022/entity_bomb.xml");

fn summary(run: &common::Run) -> String {
    format!("{}{}", run.stdout, run.stderr)
}

#[test]
fn scan_reads_pacs008_by_extension_and_writes_its_rejects() {
    let dir = Workdir::new("iso-pacs008");
    dir.write("in.xml", PACS008);
    let run = dir
        .spur(&["scan", "in.xml", "--alerts", "a.jsonl", "--quiet"])
        .ok();
    let text = summary(&run);
    assert!(text.contains("rejected 7"), "{text}");
    let rejects = dir.read("rejects.csv");
    assert!(
        rejects.contains("in.xml,12,amount,\"transaction 2 (EndToEndId \"\"BAD-AMOUNT\"\"), CdtTrfTxInf/IntrBkSttlmAmt: \"\"-5\"\" must be a positive decimal\""),
        "{rejects}"
    );
}

#[test]
fn scan_tells_xml_from_the_content_and_counts_entries_that_are_not_payments() {
    let dir = Workdir::new("iso-camt");
    dir.write("statement.dat", CAMT053);
    let run = dir
        .spur(&["scan", "statement.dat", "--alerts", "a.jsonl", "--quiet"])
        .ok();
    let text = summary(&run);
    assert!(text.contains("not payments"), "{text}");
    assert!(text.contains("3 entries left out"), "{text}");
}

#[test]
fn format_flag_reads_a_version_spur_was_not_tested_on() {
    let dir = Workdir::new("iso-forced");
    dir.write("new.xml", NEWER);
    // Its one message is a reject, so the scan fails (nothing was scanned).
    dir.spur(&["scan", "new.xml", "--alerts", "a.jsonl", "--quiet"])
        .fails_with(&[
            "every one of its 1 records was rejected",
            "--format pacs008",
        ]);
    assert!(dir
        .read("rejects.csv")
        .contains("pacs.008.001.12 is not a version spur reads"));
    let run = dir
        .spur_with(
            &[
                "scan",
                "-",
                "--format",
                "pacs008",
                "--alerts",
                "b.jsonl",
                "--rejects",
                "r2.csv",
                "--quiet",
            ],
            &[],
            Some(NEWER),
        )
        .ok();
    let text = summary(&run);
    assert!(
        text.contains("payments read") && text.contains("rejected 0"),
        "{text}"
    );
}

#[test]
fn an_entity_bomb_is_refused_as_a_whole() {
    let dir = Workdir::new("iso-bomb");
    dir.write("bomb.xml", BOMB);
    dir.spur(&["scan", "bomb.xml", "--quiet"])
        .fails_with(&["bomb.xml", "declares XML entities"]);
}
