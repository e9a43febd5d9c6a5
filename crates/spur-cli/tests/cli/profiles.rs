//! Input profiles: a bank export scanned with its profile, or the same as flags.

use super::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spur-io/tests/fixtures/");

/// The synthetic German bank export, scanned with its profile, gives the
/// same alerts as its canonical twin; without the profile, spur names the
/// key to set.
#[test]
fn a_bank_export_scans_with_its_profile_like_its_canonical_twin() {
    let dir = Workdir::new("profile");
    let fixture = |name: &str| std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap();
    dir.write("export.csv", &fixture("bank-export.csv"));
    dir.write("twin.csv", &fixture("bank-export-canonical.csv"));
    dir.write("profile.toml", &fixture("bank-export.toml"));
    let run = dir
        .spur(&[
            "scan",
            "export.csv",
            "--config",
            "profile.toml",
            "--alerts",
            "export-alerts.jsonl",
            "--threshold",
            "0.1",
            "--quiet",
        ])
        .ok();
    assert!(run.stderr.contains("47"), "{}", run.stderr);
    assert!(run.stderr.contains("times twice"), "{}", run.stderr);
    assert!(!dir.join("rejects.csv").exists());
    dir.spur(&[
        "scan",
        "twin.csv",
        "--alerts",
        "twin-alerts.jsonl",
        "--threshold",
        "0.1",
        "--quiet",
    ])
    .ok();
    let alerts = dir.read("export-alerts.jsonl");
    assert!(!alerts.is_empty(), "the fixture raises alerts at 0.1");
    assert_eq!(alerts, dir.read("twin-alerts.jsonl"));

    // The same profile as flags.
    dir.spur(&[
        "scan",
        "export.csv",
        "--delimiter",
        ";",
        "--decimal-separator",
        ",",
        "--thousands-separator",
        ".",
        "--timestamp-format",
        "%d.%m.%Y %H:%M",
        "--time-zone",
        "Europe/Berlin",
        "--column",
        "txn_id=Buchungs-ID",
        "--column",
        "timestamp=Buchungsdatum",
        "--column",
        "amount=Betrag",
        "--column",
        "currency=Währung",
        "--column",
        "sender_id=Auftraggeber-IBAN",
        "--column",
        "sender_name=Auftraggeber",
        "--column",
        "sender_country=Auftraggeber-Land",
        "--column",
        "receiver_id=Empfänger-Konto",
        "--column",
        "receiver_name=Empfänger",
        "--column",
        "receiver_country=Empfänger-Land",
        "--column",
        "channel=Zahlungsart",
        "--column",
        "message=Verwendungszweck",
        "--alerts",
        "flag-alerts.jsonl",
        "--threshold",
        "0.1",
        "--quiet",
    ])
    .ok();
    assert_eq!(dir.read("flag-alerts.jsonl"), alerts);

    dir.spur(&["scan", "export.csv", "--quiet"]).fails_with(&[
        "export.csv",
        "the header has one column; is the delimiter ';'? set [input] delimiter",
    ]);
    dir.write("typo.toml", "[input]\ndelimeter = \";\"\n");
    dir.spur(&["scan", "export.csv", "--config", "typo.toml"])
        .fails_with(&["typo.toml", "unknown field `delimeter`"]);
}
