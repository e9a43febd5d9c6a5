//! Read throughput of the input formats over an in-memory file of 200,000
//! payments shaped like a remittance export (and the same payments as
//! pacs.008, 500 per message, written by the tests' writer). The scan as a whole must do
//! 500,000 payments/s, so reading alone has to be well above 1,000,000 rows/s.

use std::hint::black_box;
use std::io::Cursor;
use std::ops::ControlFlow;

#[path = "../tests/support/pacs008.rs"]
mod pacs008;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use spur_io::time::rfc3339;
use spur_io::{
    CsvPaymentReader, InputProfile, Iso20022Reader, JsonlPaymentReader, PaymentReader, Profile,
};

const ROWS: usize = 200_000;

/// A deterministic pseudo-random stream, so runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const COUNTRIES: &[&str] = &["US", "GB", "DE", "AU", "CA", "PH", "RO", "NL", "SE", "KH"];
const CURRENCIES: &[&str] = &["USD", "EUR", "GBP", "AUD", "PHP"];
const CHANNELS: &[&str] = &["remittance", "wallet", "bank", "card", "crypto", "cash"];
const NAMES: &[&str] = &[
    "John Smith",
    "\"Cruz, Maria\"",
    "A. N. Other",
    "Li Wei",
    "José Álvarez",
];
const MESSAGES: &[&str] = &["", "rent", "for school", "\"gift, thanks\"", "load", "bday"];

fn csv_input() -> Vec<u8> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = String::with_capacity(ROWS * 200);
    out.push_str(
        "txn_id,timestamp,amount,currency,sender_id,sender_name,sender_country,receiver_id,\
         receiver_name,receiver_country,channel,message,receiver_phone,payout_time\n",
    );
    let mut ts = 1_767_225_600;
    for i in 0..ROWS {
        ts += (rng.next() % 20) as i64;
        let payout = if rng.next() % 3 == 1 {
            rfc3339(ts + 600)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "TX{i:09},{},{}.{:02},{},S{:06},{},{},R{:05},{},{},{},{},+63 917 {:07},{}\n",
            rfc3339(ts),
            rng.next() % 2000 + 1,
            rng.next() % 100,
            rng.pick(CURRENCIES),
            rng.next() % 50_000,
            rng.pick(NAMES),
            rng.pick(COUNTRIES),
            rng.next() % 20_000,
            rng.pick(NAMES),
            rng.pick(COUNTRIES),
            rng.pick(CHANNELS),
            rng.pick(MESSAGES),
            rng.next() % 10_000_000,
            payout,
        ));
    }
    out.into_bytes()
}

/// The same payments as JSON Lines.
fn jsonl_input(csv: &[u8]) -> Vec<u8> {
    let mut reader = csv::Reader::from_reader(csv);
    let headers = reader.headers().expect("generated header").clone();
    let mut out = Vec::with_capacity(csv.len() * 2);
    for record in reader.records() {
        let record = record.expect("generated record");
        let obj: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .zip(record.iter())
            .map(|(k, v)| (k.to_string(), v.into()))
            .collect();
        serde_json::to_writer(&mut out, &obj).expect("in memory");
        out.push(b'\n');
    }
    out
}

/// The same payments as a German bank exports them: semicolons, decimal
/// commas, `dd.mm.yyyy hh:mm:ss` in Europe/Berlin, German column names.
fn german_input(csv: &[u8]) -> Vec<u8> {
    let mut reader = csv::Reader::from_reader(csv);
    let headers = reader.headers().expect("generated header").clone();
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::with_capacity(csv.len()));
    let german = |h: &str| match h {
        "txn_id" => "Buchungs-ID".to_owned(),
        "timestamp" => "Buchungszeit".to_owned(),
        "amount" => "Betrag".to_owned(),
        other => other.to_owned(),
    };
    w.write_record(headers.iter().map(german))
        .expect("in memory");
    let berlin = jiff::tz::TimeZone::get("Europe/Berlin").expect("tzdb");
    for record in reader.records() {
        let record = record.expect("generated record");
        let fields: Vec<String> = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| match h {
                "amount" => v.replace('.', ","),
                "timestamp" | "payout_time" if !v.is_empty() => {
                    let ts: jiff::Timestamp = v.parse().expect("generated time");
                    ts.to_zoned_datetime(berlin.clone())
                        .strftime("%d.%m.%Y %H:%M:%S")
                        .to_string()
                }
                _ => v.to_owned(),
            })
            .collect();
        w.write_record(&fields).expect("in memory");
    }
    w.into_inner().expect("in memory")
}

/// The same payments as pacs.008.
fn pacs008_input(csv: &[u8]) -> Vec<u8> {
    let mut w =
        pacs008::Pacs008Writer::new(Vec::with_capacity(csv.len() * 8), 500).expect("in memory");
    let mut reader = CsvPaymentReader::new(Cursor::new(csv)).expect("generated header");
    reader
        .read_all(&mut |_, r| {
            w.push(&r.expect("generated record")).expect("in memory");
            ControlFlow::Continue(())
        })
        .expect("in memory");
    w.finish().expect("in memory")
}

fn count(reader: &mut dyn PaymentReader) -> u64 {
    let mut amount = 0.0;
    let stats = reader
        .read_all(&mut |_, r| {
            if let Ok(p) = r {
                amount += p.amount;
            }
            ControlFlow::Continue(())
        })
        .expect("in memory");
    assert_eq!(stats.rejected, 0);
    black_box(amount);
    stats.accepted
}

fn bench(c: &mut Criterion) {
    let csv = csv_input();
    let jsonl = jsonl_input(&csv);
    let pacs008 = pacs008_input(&csv);
    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(10);
    group.bench_function("csv_200k", |b| {
        b.iter(|| {
            let mut reader = CsvPaymentReader::new(Cursor::new(&csv[..])).expect("good header");
            assert_eq!(count(&mut reader), ROWS as u64);
        })
    });
    let german = german_input(&csv);
    let profile: InputProfile = toml::from_str(
        "delimiter = \";\"\ndecimal_separator = \",\"\ntimestamp_format = [\"%d.%m.%Y %H:%M:%S\"]\n\
         time_zone = \"Europe/Berlin\"\n[columns]\ntxn_id = \"Buchungs-ID\"\ntimestamp = \"Buchungszeit\"\namount = \"Betrag\"\n",
    )
    .expect("profile");
    let profile = Profile::new(&profile).expect("valid profile");
    group.bench_function("csv_profile_200k", |b| {
        b.iter(|| {
            let mut reader =
                CsvPaymentReader::with_profile(Cursor::new(&german[..]), profile.clone())
                    .expect("good header");
            assert_eq!(count(&mut reader), ROWS as u64);
        })
    });
    group.bench_function("jsonl_200k", |b| {
        b.iter(|| {
            let mut reader = JsonlPaymentReader::new(Cursor::new(&jsonl[..]));
            assert_eq!(count(&mut reader), ROWS as u64);
        })
    });
    group.bench_function("pacs008_200k", |b| {
        b.iter(|| {
            let mut reader = Iso20022Reader::new(Cursor::new(&pacs008[..]), None);
            assert_eq!(count(&mut reader), ROWS as u64);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
