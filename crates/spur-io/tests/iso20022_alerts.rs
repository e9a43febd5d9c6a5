//! The same payments as CSV and as pacs.008 give byte-identical alerts.
//!
//! Simulated traffic (spur-sim) is read once as CSV; each payment is written
//! out again both as a CSV row and as a pacs.008 transaction (with what
//! pacs.008 can carry: no channel, every payment is a bank transfer, and
//! no mcc, payout time, birth year or sex). Both files are scanned through
//! the engine and the alerts compared as JSON Lines, byte for byte.

#[path = "support/pacs008.rs"]
mod pacs008;

use std::io::Cursor;
use std::ops::ControlFlow;

use spur_engine::{Engine, EngineConfig};
use spur_io::{open_reader, CsvPaymentReader, Format, PaymentReader};
use spur_sim::SimConfig;

use pacs008::Pacs008Writer;

/// The CSV and the pacs.008 rendering of the same simulated payments.
fn both_files(senders: usize) -> (Vec<u8>, Vec<u8>, usize) {
    let cfg = SimConfig {
        senders,
        ..SimConfig::default()
    };
    let mut sim = Vec::new();
    spur_sim::simulate(&cfg, &mut sim, std::io::sink()).expect("simulation in memory");

    let mut csv = ::csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "txn_id",
        "timestamp",
        "amount",
        "currency",
        "sender_id",
        "sender_name",
        "sender_country",
        "receiver_id",
        "receiver_name",
        "receiver_country",
        "channel",
        "message",
        "receiver_phone",
    ])
    .unwrap();
    let mut xml = Pacs008Writer::new(Vec::new(), 500).unwrap();
    let mut n = 0;
    let mut reader = CsvPaymentReader::new(Cursor::new(sim)).expect("simulated header");
    reader
        .read_all(&mut |_, rec| {
            let p = rec.expect("simulated payments are valid");
            let amount = p.amount.to_string();
            let ts = spur_io::time::rfc3339(p.timestamp);
            csv.write_record([
                p.txn_id,
                &ts,
                &amount,
                p.currency.as_str(),
                p.sender_id,
                p.sender_name,
                p.sender_country.as_str(),
                p.receiver_id,
                p.receiver_name,
                p.receiver_country.as_str(),
                "bank",
                p.message,
                p.extra.receiver_phone,
            ])
            .unwrap();
            xml.push(&p).unwrap();
            n += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
    (csv.into_inner().unwrap(), xml.finish().unwrap(), n)
}

/// Scans `input`; the alerts as JSON Lines and the counts of payments
/// accepted by the reader and by the engine.
fn scan(format: Format, input: Vec<u8>) -> (Vec<u8>, u64, u64) {
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    let mut reader = open_reader(format, Box::new(Cursor::new(input))).unwrap();
    let mut pushed = 0;
    let stats = reader
        .read_all(&mut |_, rec| {
            let p = rec.unwrap_or_else(|r| panic!("{format:?}: {r}"));
            if engine.push(&p).is_ok() {
                pushed += 1;
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    let mut out = Vec::new();
    for a in &engine.finish().alerts {
        serde_json::to_writer(&mut out, a).unwrap();
        out.push(b'\n');
    }
    (out, stats.accepted, pushed)
}

#[test]
fn the_same_payments_as_csv_and_as_pacs008_give_identical_alerts() {
    let (csv, xml, n) = both_files(1_500);
    assert!(n > 5_000, "{n} payments");
    let (from_csv, read_csv, pushed_csv) = scan(Format::Csv, csv);
    let (from_xml, read_xml, pushed_xml) = scan(Format::Iso20022(None), xml);
    assert_eq!((read_csv, pushed_csv), (n as u64, n as u64));
    assert_eq!((read_xml, pushed_xml), (read_csv, pushed_csv));
    let alerts = from_csv.iter().filter(|&&b| b == b'\n').count();
    assert!(
        alerts > 10,
        "only {alerts} alerts: the comparison would say little"
    );
    assert!(
        from_csv == from_xml,
        "alerts differ: {} alerts from CSV, {} from pacs.008",
        alerts,
        from_xml.iter().filter(|&&b| b == b'\n').count()
    );
}
