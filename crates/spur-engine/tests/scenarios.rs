//! End-to-end scenarios through the engine: the typologies of the brief and
//! their legitimate look-alikes, each built payment by payment.
//!
//! The scenarios are grouped by subject, one file each under
//! tests/scenarios/; the script and the helpers they share are here.

use spur_engine::model::{Channel, Country, Currency, Extra, Payment, DAY, HOUR, MINUTE};
use spur_engine::{Alert, Engine, EngineConfig, RecordError, Role};

/// 2026-01-05T00:00:00Z
const T0: i64 = 1_767_571_200;

struct Party {
    id: &'static str,
    name: &'static str,
    country: &'static str,
}

const fn p(id: &'static str, name: &'static str, country: &'static str) -> Party {
    Party { id, name, country }
}

struct Script {
    engine: Engine,
    n: u32,
    ids: Vec<String>,
}

impl Script {
    fn new() -> Script {
        Script::with(EngineConfig::default())
    }

    fn with(cfg: EngineConfig) -> Script {
        Script {
            engine: Engine::new(cfg).unwrap(),
            n: 0,
            ids: Vec::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn pay_full(
        &mut self,
        ts: i64,
        from: &Party,
        to: &Party,
        amount: f64,
        cur: &str,
        msg: &str,
        channel: Channel,
        extra: Extra<'_>,
    ) -> Result<(), RecordError> {
        self.n += 1;
        let id = format!("T{}", self.n);
        self.ids.push(id.clone());
        self.engine.push(&Payment {
            txn_id: &id,
            timestamp: ts,
            amount,
            currency: Currency::parse(cur.as_bytes()).unwrap(),
            sender_id: from.id,
            sender_country: Country::parse(from.country.as_bytes()).unwrap(),
            sender_name: from.name,
            receiver_id: to.id,
            receiver_country: Country::parse(to.country.as_bytes()).unwrap(),
            receiver_name: to.name,
            channel: Some(channel),
            message: msg,
            extra,
        })
    }

    fn pay(&mut self, ts: i64, from: &Party, to: &Party, amount: f64, cur: &str, msg: &str) {
        self.pay_full(
            ts,
            from,
            to,
            amount,
            cur,
            msg,
            Channel::Remittance,
            Extra::default(),
        )
        .unwrap();
    }

    fn alerts(&mut self) -> Vec<Alert> {
        self.engine.finish().alerts
    }
}

fn alerted(alerts: &[Alert], id: &str, role: Role) -> Option<Alert> {
    alerts
        .iter()
        .find(|a| a.subject == id && a.role == role)
        .cloned()
}

fn codes(a: &Alert) -> Vec<&str> {
    a.indicators.iter().map(|f| f.code.as_str()).collect()
}

// US customers pay at night in US time (UTC-6): 04:00-10:00 UTC.
fn us_night(day: i64, k: i64) -> i64 {
    T0 + day * DAY + 5 * HOUR + (k % 4) * HOUR + (k * 7 % 50) * MINUTE
}

fn us_day(day: i64) -> i64 {
    T0 + day * DAY + 17 * HOUR
}

const FACILITATORS: [Party; 4] = [
    p("R-F1", "Ma. Cristina Reyes", "PH"),
    p("R-F2", "Jocelyn Bautista", "PH"),
    p("R-F3", "Analyn Dela Cruz", "PH"),
    p("R-F4", "Rowena Ocampo", "PH"),
];

// The scenarios in files of their own, by subject (tests/scenarios/).
#[path = "scenarios/lookalikes.rs"]
mod lookalikes;
#[path = "scenarios/offenders.rs"]
mod offenders;
#[path = "scenarios/records.rs"]
mod records;
#[path = "scenarios/time_order.rs"]
mod time_order;
#[path = "scenarios/without_names.rs"]
mod without_names;
