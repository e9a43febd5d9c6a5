//! End to end: the real `spur` binary on small synthetic inputs, each test in
//! its own temporary folder. All names and ids here are made up.
//!
//! The tests are grouped by subject, one file each under tests/cli/; the
//! scenario and the helpers they share are here.

use std::fmt::Write as _;

use serde_json::Value;

mod common;

use common::{Run, Workdir};

/// The text with every run of spaces squashed to one, for the summary's columns.
fn squash(text: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") + "\n")
        .collect()
}

fn parse_alerts(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("alert line is not JSON ({e}): {l}"))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The scenario: one customer, one facilitator with six customers, and two
// legitimate patterns that must stay quiet.

const COLUMNS: [&str; 12] = [
    "txn_id",
    "timestamp",
    "amount",
    "currency",
    "sender_id",
    "sender_country",
    "sender_name",
    "receiver_id",
    "receiver_country",
    "receiver_name",
    "channel",
    "message",
];

#[derive(Clone)]
struct Row {
    fields: [String; 12],
}

/// 2026-01-05T00:00:00Z
const T0: i64 = 1_767_571_200;
const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// Seconds since the epoch as an RFC 3339 time in UTC.
fn rfc3339(t: i64) -> String {
    let (days, secs) = (t.div_euclid(DAY), t.rem_euclid(DAY));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / HOUR,
        secs % HOUR / 60,
        secs % 60
    )
}

struct Party(&'static str, &'static str, &'static str);

const CUSTOMER: Party = Party("S-1001", "Walter Pike", "US");
const FACILITATORS: [Party; 5] = [
    Party("R-2001", "Liza Mabini", "PH"),
    Party("R-2002", "Rhea Soriano", "PH"),
    Party("R-2003", "Joy Navarro", "PH"),
    Party("R-2004", "Carmela Aquino", "PH"),
    Party("R-2005", "Mylene Torres", "PH"),
];
const HUB: Party = Party("R-3001", "Cherry Lagman", "PH");
const HUB_CUSTOMERS: [(Party, &str, &str); 6] = [
    (Party("S-4001", "Dale Hooper", "US"), "USD", "50.00"),
    (Party("S-4002", "Niels Bruun", "DK"), "DKK", "300.00"),
    (Party("S-4003", "Graham Pell", "GB"), "GBP", "30.00"),
    (Party("S-4004", "Kevin Rudd-Hale", "AU"), "AUD", "80.00"),
    (Party("S-4005", "Jonas Feld", "DE"), "EUR", "40.00"),
    (Party("S-4006", "Brent Lachance", "CA"), "CAD", "60.00"),
];
const WORKER: Party = Party("S-5001", "Ernesto Villareal", "AE");
const MOTHER: Party = Party("R-5002", "Lourdes Villareal", "PH");
const TENANT: Party = Party("S-6001", "Amy Corbin", "US");
const LANDLORD: Party = Party("R-6002", "Hal Brennan", "US");

fn payment(t: i64, from: &Party, to: &Party, amount: &str, currency: &str, message: &str) -> Row {
    Row {
        fields: [
            String::new(), // txn_id, numbered in time order
            rfc3339(t),
            amount.into(),
            currency.into(),
            from.0.into(),
            from.2.into(),
            from.1.into(),
            to.0.into(),
            to.2.into(),
            to.1.into(),
            "remittance".into(),
            message.into(),
        ],
    }
}

fn scenario() -> Vec<Row> {
    let mut rows = Vec::new();
    // The customer: 30 payments over 60 days to five unrelated receivers in
    // the Philippines, USD 35-45, between 22:00 and 03:00 US time.
    for k in 0..30 {
        let t = T0 + 2 * k * DAY + (5 + k % 3) * HOUR + (k * 7 % 50) * 60;
        let amount = ["35.00", "40.00", "45.00"][(k % 3) as usize];
        rows.push(payment(
            t,
            &CUSTOMER,
            &FACILITATORS[(k % 5) as usize],
            amount,
            "USD",
            "",
        ));
    }
    // The facilitator: six unrelated senders abroad, two payments each.
    for (k, (sender, currency, amount)) in HUB_CUSTOMERS.iter().enumerate() {
        let k = k as i64;
        rows.push(payment(
            T0 + 5 * k * DAY + 9 * HOUR,
            sender,
            &HUB,
            amount,
            currency,
            "",
        ));
        // A quoted message over two lines: later line numbers must not shift.
        let message = if k == 0 {
            "for the\nshow, thanks"
        } else {
            "gift"
        };
        rows.push(payment(
            T0 + (5 * k + 10) * DAY + 10 * HOUR,
            sender,
            &HUB,
            amount,
            currency,
            message,
        ));
    }
    // A worker abroad supporting his mother, and a tenant paying rent.
    for m in 0..2 {
        rows.push(payment(
            T0 + (30 * m + 3) * DAY + 10 * HOUR,
            &WORKER,
            &MOTHER,
            "250.00",
            "USD",
            "for the house",
        ));
    }
    for w in 0..9 {
        rows.push(payment(
            T0 + 7 * w * DAY + 17 * HOUR,
            &TENANT,
            &LANDLORD,
            "400.00",
            "USD",
            "rent",
        ));
    }
    rows.sort_by(|a, b| {
        a.fields[1]
            .cmp(&b.fields[1])
            .then_with(|| a.fields[4].cmp(&b.fields[4]))
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.fields[0] = format!("TX{:04}", i + 1);
    }
    rows
}

fn csv_line(fields: &[String]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    quoted.join(",") + "\n"
}

fn to_csv(rows: &[Row]) -> String {
    let mut out = COLUMNS.join(",") + "\n";
    for r in rows {
        out += &csv_line(&r.fields);
    }
    out
}

fn to_jsonl(rows: &[Row]) -> String {
    let mut out = String::new();
    for r in rows {
        let obj: serde_json::Map<String, Value> = COLUMNS
            .iter()
            .zip(&r.fields)
            .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
            .collect();
        writeln!(out, "{}", Value::Object(obj)).unwrap();
    }
    out
}

/// Scans `input` (a file in `dir`) and returns the alerts text and the run.
fn scan(dir: &Workdir, input: &str, extra: &[&str]) -> (String, Run) {
    let mut args = vec![
        "scan",
        input,
        "--alerts",
        "alerts.jsonl",
        "--rejects",
        "rejects.csv",
    ];
    args.extend_from_slice(extra);
    let run = dir.spur(&args).ok();
    (dir.read("alerts.jsonl"), run)
}

/// The alerts of the clean scenario, computed once per test that needs them.
fn scenario_alerts(dir: &Workdir) -> String {
    dir.write("clean.csv", &to_csv(&scenario()));
    let mut args = vec![
        "scan",
        "clean.csv",
        "--alerts",
        "clean-alerts.jsonl",
        "--rejects",
        "clean-rejects.csv",
    ];
    args.push("--quiet");
    dir.spur(&args).ok();
    dir.read("clean-alerts.jsonl")
}

// The tests in files of their own, by subject (tests/cli/).
#[path = "cli/configuration.rs"]
mod configuration;
#[path = "cli/formats.rs"]
mod formats;
#[path = "cli/input.rs"]
mod input;
#[path = "cli/profiles.rs"]
mod profiles;
#[path = "cli/scan.rs"]
mod scan;
#[path = "cli/simulate.rs"]
mod simulate;
