//! A synthetic export of a German bank's core system (semicolons, decimal
//! commas, `dd.mm.yyyy hh:mm` Europe/Berlin local times across both daylight
//! saving changes of 2026, German column names) reads, with its profile, as
//! the same payments as its canonical CSV twin.

use std::ops::ControlFlow;

use spur_io::time::rfc3339;
use spur_io::{open_reader_with, Format, InputProfile, Profile, ReadStats};

const EXPORT: &str = include_str!("fixtures/bank-export.csv");
const TWIN: &str = include_str!("fixtures/bank-export-canonical.csv");
const PROFILE: &str = include_str!("fixtures/bank-export.toml");

#[derive(serde::Deserialize)]
struct File {
    input: InputProfile,
}

fn read(text: &str, profile: &Profile) -> (Vec<String>, ReadStats) {
    let mut reader = open_reader_with(
        Format::Csv,
        Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        profile,
    )
    .expect("header");
    let mut out = Vec::new();
    let stats = reader
        .read_all(&mut |line, r| {
            out.push(match r {
                Ok(p) => format!(
                    "{} {} {} {} {}|{}|{} -> {}|{}|{} {:?} {:?}",
                    p.txn_id,
                    rfc3339(p.timestamp),
                    p.amount,
                    p.currency,
                    p.sender_id,
                    p.sender_name,
                    p.sender_country,
                    p.receiver_id,
                    p.receiver_name,
                    p.receiver_country,
                    p.channel,
                    p.message
                ),
                Err(e) => format!("line {line}: {e}"),
            });
            ControlFlow::Continue(())
        })
        .expect("in memory");
    (out, stats)
}

#[test]
fn the_bank_export_reads_as_its_canonical_twin() {
    let file: File = toml::from_str(PROFILE).expect("profile file");
    let profile = Profile::new(&file.input).expect("valid profile");
    let (export, stats) = read(EXPORT, &profile);
    let (twin, twin_stats) = read(TWIN, &Profile::default());
    assert_eq!(stats.rejected, 0, "{export:#?}");
    assert_eq!(twin_stats.rejected, 0, "{twin:#?}");
    assert_eq!(export.len(), 47);
    assert_eq!(export, twin);
    // Two payments fell in the hour of 25 October that happened twice.
    assert_eq!(stats.ambiguous_times, 2);
    assert_eq!(stats.naive_times, 0);
}

#[test]
fn the_bank_export_without_its_profile_names_the_delimiter() {
    let err = open_reader_with(
        Format::Csv,
        Box::new(std::io::Cursor::new(EXPORT.as_bytes().to_vec())),
        &Profile::default(),
    )
    .err()
    .expect("an error");
    assert_eq!(
        err.to_string(),
        "the header has one column; is the delimiter ';'? set [input] delimiter = \";\" (it is \",\")"
    );
}
