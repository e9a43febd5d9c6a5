//! The intake: a payment's checks, its transaction id (duplicates refused)
//! and its parties' ids, interned to dense indices; and the party tables
//! those indices point into.
//!
//! Every payment looks up two party ids and one transaction id among a
//! million or more, and each lookup that misses the cache waits for memory. So
//! one trip per party: the party id is kept inside the hash table's own slot
//! (no trip to the heap to compare it), and beside it what every payment
//! reads of the party ([`Hot`]), instead of in the party's full record; and
//! the caller can ask for the slots of the payments to come ahead of time
//! ([`Intake::prefetch`]). The tables are in `table.rs`.

use crate::engine::{DisplayTime, RecordError, MAX_AMOUNT, MAX_TIMESTAMP, MAX_USD, MIN_TIMESTAMP};
use crate::geo::utc_offset;
use crate::model::{Country, Payment, Sex, Timestamp};
use crate::money::Rates;
use crate::names::{phone_key, NameKey, Names};
use crate::table::{PartyTable, TxnTable};

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct PartyInfo {
    pub id: Box<str>,
    /// The first name given for the party, as written.
    pub name: Box<str>,
    /// What spur reads out of `name`; valid once `keyed`.
    pub key: NameKey,
    pub keyed: bool,
    pub country: Country,
    pub offset: i64,
    pub phone: Option<u64>,
    pub birth_year: Option<u16>,
    pub sex: Option<Sex>,
}

/// What every payment reads of its parties, kept in the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hot {
    /// Seconds east of UTC where the party lives.
    pub offset: i32,
    /// Which of the optional details the party already has (`Hot::NAME` …).
    pub known: u8,
}

impl Hot {
    pub const NAME: u8 = 1;
    pub const BIRTH_YEAR: u8 = 2;
    pub const SEX: u8 = 4;
    pub const PHONE: u8 = 8;

    fn of(info: &PartyInfo) -> Hot {
        let mut known = 0;
        if !info.name.is_empty() {
            known |= Hot::NAME;
        }
        if info.birth_year.is_some() {
            known |= Hot::BIRTH_YEAR;
        }
        if info.sex.is_some() {
            known |= Hot::SEX;
        }
        if info.phone.is_some() {
            known |= Hot::PHONE;
        }
        Hot {
            offset: info.offset as i32,
            known,
        }
    }

    #[inline]
    pub fn knows(self, what: u8) -> bool {
        self.known & what != 0
    }
}

/// A snapshot's party tables do not fit together.
#[derive(Debug)]
pub(crate) struct Inconsistent(pub &'static str);

/// One side's party ids to dense indices, with what every payment reads of
/// each party ([`Hot`]).
#[derive(Default)]
pub(crate) struct Index {
    map: PartyTable,
}

/// What entering a party seen in a payment found, and what the party table
/// (`Parties`) must do about it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entered {
    pub index: u32,
    pub hot: Hot,
    /// First seen: the party table gets a new row.
    pub new: bool,
    /// Seen before without a name, now with one.
    pub renamed: bool,
    /// The payment brings details the party did not have (`Hot` bits).
    pub fill: u8,
}

impl Index {
    pub fn from_info(info: &[PartyInfo]) -> Result<Index, Inconsistent> {
        let mut map = PartyTable::default();
        map.reserve(info.len());
        for p in info {
            if map.get(&p.id).is_some() {
                return Err(Inconsistent("duplicate party id"));
            }
            map.insert_new(&p.id, Hot::of(p));
        }
        Ok(Index { map })
    }

    pub fn reserve(&mut self, more: usize) {
        self.map.reserve(more);
    }

    pub fn bytes(&self) -> usize {
        self.map.bytes()
    }

    /// The index of a party seen before.
    #[inline]
    pub fn get(&self, id: &str) -> Option<u32> {
        self.map.get(id).map(|(i, _)| i)
    }

    #[inline]
    pub fn prefetch(&self, id: &str) {
        self.map.prefetch(id);
    }

    /// Enters a party seen in a payment. `brings` tells, from what the
    /// party already has, which details (`Hot` bits) the payment adds.
    #[inline]
    pub fn enter(
        &mut self,
        id: &str,
        name: &str,
        country: Country,
        brings: impl FnOnce(Hot) -> u8,
    ) -> Entered {
        if let Some((index, hot)) = self.map.get_mut(id) {
            let renamed = !hot.knows(Hot::NAME) && !name.is_empty();
            if renamed {
                hot.known |= Hot::NAME;
            }
            let fill = brings(*hot) & !hot.known;
            hot.known |= fill;
            return Entered {
                index,
                hot: *hot,
                new: false,
                renamed,
                fill,
            };
        }
        let mut hot = Hot {
            offset: utc_offset(country) as i32,
            known: if name.is_empty() { 0 } else { Hot::NAME },
        };
        let fill = brings(hot) & !hot.known;
        hot.known |= fill;
        let index = self.map.insert_new(id, hot);
        Entered {
            index,
            hot,
            new: true,
            renamed: false,
            fill,
        }
    }
}

/// One side's parties, by index: who they are and their windowed state.
pub(crate) struct Parties<S> {
    pub info: Vec<PartyInfo>,
    /// Shorter than `info` while the newest parties' payments wait to be
    /// applied: the engine adds their rows when it applies them.
    pub state: Vec<S>,
    /// Parties from here on may have names not yet read.
    unkeyed: usize,
}

impl<S: Default> Parties<S> {
    pub fn new() -> Self {
        Parties {
            info: Vec::new(),
            state: Vec::new(),
            unkeyed: 0,
        }
    }

    pub fn from_parts(info: Vec<PartyInfo>, state: Vec<S>) -> Result<Self, Inconsistent> {
        if info.len() != state.len() {
            return Err(Inconsistent("party tables differ in length"));
        }
        let unkeyed = info.iter().position(|p| !p.keyed).unwrap_or(info.len());
        Ok(Parties {
            info,
            state,
            unkeyed,
        })
    }

    /// Room for `more` parties without growing the tables.
    pub fn reserve(&mut self, more: usize) {
        self.info.reserve(more);
        self.state.reserve(more);
    }

    /// Brings the party's row up to date with what entering it found; names
    /// are read later, in bulk (`read_names`).
    #[inline]
    pub fn update(&mut self, e: &Entered, id: &str, name: &str, country: Country) {
        if e.new {
            debug_assert_eq!(e.index as usize, self.info.len());
            self.info.push(PartyInfo {
                id: id.into(),
                name: name.into(),
                key: NameKey::default(),
                keyed: name.is_empty(),
                country,
                offset: i64::from(e.hot.offset),
                phone: None,
                birth_year: None,
                sex: None,
            });
        } else if e.renamed {
            let info = &mut self.info[e.index as usize];
            info.name = name.into();
            info.keyed = false;
            self.unkeyed = self.unkeyed.min(e.index as usize);
        }
    }

    /// Sets details party `i` did not have yet.
    pub fn fill(&mut self, i: u32, birth_year: Option<u16>, sex: Option<Sex>, phone: Option<u64>) {
        let info = &mut self.info[i as usize];
        if info.birth_year.is_none() {
            info.birth_year = birth_year;
        }
        if info.sex.is_none() {
            info.sex = sex;
        }
        if info.phone.is_none() {
            info.phone = phone;
        }
    }

    pub fn len(&self) -> usize {
        self.info.len()
    }

    /// Bytes held for the parties' details (ids, names), not their state.
    pub fn info_bytes(&self) -> usize {
        self.info.capacity() * std::mem::size_of::<PartyInfo>()
            + self
                .info
                .iter()
                .map(|p| p.id.len() + p.name.len())
                .sum::<usize>()
    }

    /// Reads the names of parties added or renamed since the last call, on
    /// two threads when there are many.
    pub fn read_names(&mut self, names: &Names) {
        let todo = &mut self.info[self.unkeyed..];
        let key = |p: &mut PartyInfo| {
            if !p.keyed {
                p.key = names.key(&p.name);
                p.keyed = true;
            }
        };
        if todo.len() < 4096 {
            todo.iter_mut().for_each(key);
        } else {
            let (a, b) = todo.split_at_mut(todo.len() / 2);
            std::thread::scope(|s| {
                s.spawn(|| a.iter_mut().for_each(key));
                b.iter_mut().for_each(key);
            });
        }
        self.unkeyed = self.info.len();
    }
}

/// The first stage of taking a payment: the checks that need nothing but
/// the ids seen so far. It refuses duplicates and gives both parties their
/// index; what it finds, the engine then takes into the windows. Holds no
/// windowed state, so it could run ahead on a thread of its own (tried: no
/// gain on two cores, which the reading and the windows keep busy).
pub(crate) struct Intake {
    pub rates: Rates,
    /// Payments older than this are refused as late (the reorder tolerance).
    pub refuse_before: Option<Timestamp>,
    /// Payments older than this are refused as behind what a snapshot or
    /// `finish` settled: the windows only go forward.
    pub settled_until: Option<Timestamp>,
    /// The wall clock at ingestion, as the caller read it: payments more
    /// than `future_margin` seconds after it are refused. `None`: no clock
    /// given, only the years are checked.
    pub now: Option<Timestamp>,
    pub future_margin: i64,
    /// Online: payments older than this are refused, as their txn ids may
    /// have left memory (`TxnIds::retain`).
    pub forgotten_before: Option<Timestamp>,
    pub txns: TxnIds,
    pub senders: Index,
    pub receivers: Index,
}

/// A payment through the intake: its amount in USD, its transaction index
/// and what entering its parties found.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Admitted {
    pub usd: f64,
    pub txn: u32,
    pub sender: Entered,
    pub receiver: Entered,
    /// The receiver's phone, read when it brings the first one.
    pub receiver_phone: Option<u64>,
}

impl Intake {
    pub fn new(rates: Rates) -> Intake {
        Intake {
            rates,
            refuse_before: None,
            settled_until: None,
            now: None,
            future_margin: 0,
            forgotten_before: None,
            txns: TxnIds::default(),
            senders: Index::default(),
            receivers: Index::default(),
        }
    }

    /// Starts loading the table slots a payment with these ids will need:
    /// a hint for a payment that comes soon.
    #[inline]
    pub fn prefetch(&self, txn_id: &str, sender_id: &str, receiver_id: &str) {
        self.txns.prefetch(txn_id);
        self.senders.prefetch(sender_id);
        self.receivers.prefetch(receiver_id);
    }

    /// Checks a payment and enters its txn id and parties. `in_order` sees
    /// the parties' indices (those already known) before anything is
    /// entered, so that a payment it refuses leaves no trace.
    pub fn admit(
        &mut self,
        p: &Payment<'_>,
        in_order: impl FnOnce(Option<u32>, Option<u32>) -> Result<(), RecordError>,
    ) -> Result<Admitted, RecordError> {
        if !(p.amount.is_finite() && p.amount > 0.0) {
            return Err(RecordError::BadAmount);
        }
        if p.amount > MAX_AMOUNT {
            return Err(RecordError::AmountTooLarge(p.amount));
        }
        let usd = self
            .rates
            .to_usd(p.amount, p.currency)
            .ok_or_else(|| RecordError::UnknownCurrency(p.currency.as_str().to_owned()))?;
        // A NaN from an odd rate is refused too.
        if usd.is_nan() || usd > MAX_USD {
            return Err(RecordError::UsdTooLarge(usd));
        }
        let ts = p.timestamp;
        if !(MIN_TIMESTAMP..=MAX_TIMESTAMP).contains(&ts) {
            return Err(RecordError::TimeOutOfRange(DisplayTime(ts)));
        }
        // A payment from the future would settle the windows past every
        // real one, and every later payment would be late.
        if let Some(now) = self.now {
            if ts - now > self.future_margin {
                return Err(RecordError::InFuture(
                    DisplayTime(ts),
                    ts - now,
                    DisplayTime(now),
                ));
            }
        }
        if let Some(until) = self.settled_until {
            if ts < until {
                return Err(RecordError::BehindState(until - ts, DisplayTime(until)));
            }
        }
        if let Some(until) = self.forgotten_before {
            if ts < until {
                return Err(RecordError::BeyondMemory(until - ts, DisplayTime(until)));
            }
        }
        if let Some(until) = self.refuse_before {
            if ts < until {
                return Err(RecordError::Late(until - ts));
            }
        }
        in_order(
            self.senders.get(p.sender_id),
            self.receivers.get(p.receiver_id),
        )?;
        let txn = self
            .txns
            .insert(p.txn_id, ts)
            .ok_or(RecordError::DuplicateTxn)?;
        let e = &p.extra;
        let sender = self
            .senders
            .enter(p.sender_id, p.sender_name, p.sender_country, |_| {
                let mut brings = 0;
                if e.sender_birth_year.is_some() {
                    brings |= Hot::BIRTH_YEAR;
                }
                if e.sender_sex.is_some() {
                    brings |= Hot::SEX;
                }
                brings
            });
        let mut receiver_phone = None;
        let receiver =
            self.receivers
                .enter(p.receiver_id, p.receiver_name, p.receiver_country, |hot| {
                    if !hot.knows(Hot::PHONE) && !e.receiver_phone.is_empty() {
                        receiver_phone = phone_key(e.receiver_phone);
                    }
                    if receiver_phone.is_some() {
                        Hot::PHONE
                    } else {
                        0
                    }
                });
        Ok(Admitted {
            usd,
            txn,
            sender,
            receiver,
            receiver_phone,
        })
    }
}

/// Transaction ids, kept once, and checked for duplicates; with each, its
/// payment's time, so that old ones can leave memory (`retain`).
#[derive(Default)]
pub(crate) struct TxnIds {
    pub text: String,
    pub ends: Vec<u32>,
    pub times: Vec<Timestamp>,
    seen: TxnTable,
}

impl TxnIds {
    pub fn get(&self, i: u32) -> &str {
        txn_at(&self.text, &self.ends, i)
    }

    /// Room for `more` ids of about `len` bytes without growing the tables.
    pub fn reserve(&mut self, more: usize, len: usize) {
        self.text.reserve(more * len);
        self.ends.reserve(more);
        self.times.reserve(more);
        let (text, ends) = (&self.text, &self.ends);
        self.seen.reserve(more, |i| txn_at(text, ends, i));
    }

    #[inline]
    pub fn prefetch(&self, id: &str) {
        self.seen.prefetch(id);
    }

    /// The id's index, or `None` when it was seen before.
    pub fn insert(&mut self, id: &str, ts: Timestamp) -> Option<u32> {
        let next = self.ends.len() as u32;
        let (text, ends) = (&self.text, &self.ends);
        if !self.seen.insert(id, next, |i| txn_at(text, ends, i)) {
            return None;
        }
        self.text.push_str(id);
        self.ends.push(self.text.len() as u32);
        self.times.push(ts);
        Some(next)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Heap bytes held.
    pub fn bytes(&self) -> usize {
        self.text.capacity()
            + self.ends.capacity() * 4
            + self.times.capacity() * 8
            + self.seen.bytes()
    }

    /// Keeps the ids `keep` (index, time) says, in their order, and lets
    /// the others go; returns every old index's new one (`u32::MAX`: gone).
    pub fn retain(&mut self, keep: impl Fn(u32, Timestamp) -> bool) -> Vec<u32> {
        let mut kept = TxnIds::default();
        let n = (0..self.len() as u32)
            .filter(|&i| keep(i, self.times[i as usize]))
            .count();
        kept.reserve(n, self.text.len() / self.len().max(1));
        let map = (0..self.len() as u32)
            .map(|i| {
                if keep(i, self.times[i as usize]) {
                    // Kept ids were unique here and stay so.
                    kept.insert(self.get(i), self.times[i as usize])
                        .unwrap_or(u32::MAX)
                } else {
                    u32::MAX
                }
            })
            .collect();
        *self = kept;
        map
    }
}

fn txn_at<'t>(text: &'t str, ends: &[u32], i: u32) -> &'t str {
    let start = if i == 0 {
        0
    } else {
        ends[i as usize - 1] as usize
    };
    &text[start..ends[i as usize] as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::SenderState;
    use crate::table::INLINE;

    const NOTHING: fn(Hot) -> u8 = |_| 0;

    #[test]
    fn short_and_long_ids_enter_to_one_index_each() {
        let long = "A-VERY-LONG-ACCOUNT-IDENTIFIER-0001-OF-A-BANK-IN-A-FAR-COUNTRY";
        let mut ix = Index::default();
        let c = Country(*b"PH");
        let mut enter = |id: &str| ix.enter(id, "", c, NOTHING);
        assert_eq!(
            (enter("S1").index, enter(long).index, enter("S10").index),
            (0, 1, 2)
        );
        assert!(!enter("S1").new);
        assert_eq!(enter(long).index, 1);
        assert_eq!(enter("").index, 3);
        assert_eq!(enter("").index, 3);
        // Exactly at the limit, and one past it.
        let edge = "x".repeat(INLINE);
        let past = "x".repeat(INLINE + 1);
        assert_eq!(enter(&edge).index, 4);
        assert_eq!(enter(&past).index, 5);
        assert_eq!(enter(&edge).index, 4);
        assert_eq!(enter("ñandú-ü").index, 6);
        assert_eq!(enter("ñandú-ü").index, 6);
    }

    #[test]
    fn the_index_is_rebuilt_from_the_party_table() {
        let mut ix = Index::default();
        let mut p: Parties<SenderState> = Parties::new();
        let c = Country(*b"AU");
        for id in ["S1", "A-VERY-LONG-ACCOUNT-IDENTIFIER-0001", "S2"] {
            let e = ix.enter(id, "Ann Lee", c, NOTHING);
            p.update(&e, id, "Ann Lee", c);
        }
        let back = Index::from_info(&p.info).map_err(|e| e.0).unwrap();
        assert_eq!(
            back.map
                .get("A-VERY-LONG-ACCOUNT-IDENTIFIER-0001")
                .map(|s| s.0),
            Some(1)
        );
        assert_eq!(back.map.get("S2").map(|s| s.0), Some(2));
        p.info.push(PartyInfo {
            ..clone_info(&p.info[0])
        });
        assert!(Index::from_info(&p.info).is_err(), "duplicate id");
    }

    fn clone_info(i: &PartyInfo) -> PartyInfo {
        PartyInfo {
            id: i.id.clone(),
            name: i.name.clone(),
            key: NameKey::default(),
            keyed: false,
            country: i.country,
            offset: i.offset,
            phone: i.phone,
            birth_year: i.birth_year,
            sex: i.sex,
        }
    }

    #[test]
    fn a_later_name_and_details_fill_in_once() {
        let mut ix = Index::default();
        let mut p: Parties<SenderState> = Parties::new();
        let c = Country(*b"AU");
        let see = |ix: &mut Index, p: &mut Parties<SenderState>, name: &str, brings: u8| {
            let e = ix.enter("S1", name, c, |_| brings);
            p.update(&e, "S1", name, c);
            e
        };
        let e = see(&mut ix, &mut p, "", 0);
        assert!(e.new && !e.hot.knows(Hot::NAME));
        assert_eq!(i64::from(e.hot.offset), utc_offset(c));
        let e = see(&mut ix, &mut p, "Ann Lee", Hot::BIRTH_YEAR);
        assert!(e.renamed && e.hot.knows(Hot::NAME));
        assert_eq!(e.fill, Hot::BIRTH_YEAR);
        let e = see(&mut ix, &mut p, "Someone Else", Hot::BIRTH_YEAR | Hot::SEX);
        assert!(!e.renamed);
        assert_eq!(e.fill, Hot::SEX, "only what the party lacks");
        assert_eq!(&*p.info[0].name, "Ann Lee");
        p.fill(0, Some(1960), None, None);
        p.fill(0, Some(1990), Some(Sex::Male), None);
        let info = &p.info[0];
        assert_eq!((info.birth_year, info.sex), (Some(1960), Some(Sex::Male)));
    }

    #[test]
    fn txn_ids_refuse_repeats() {
        let mut t = TxnIds::default();
        t.reserve(4, 8);
        assert_eq!(t.insert("T1", 10), Some(0));
        assert_eq!(t.insert("T2", 20), Some(1));
        assert_eq!(t.insert("T1", 30), None);
        assert_eq!(t.get(1), "T2");
        assert_eq!(t.insert("T3", 30), Some(2));
        let map = t.retain(|_, ts| ts >= 20);
        assert_eq!(map, vec![u32::MAX, 0, 1]);
        assert_eq!((t.len(), t.get(0), t.get(1)), (2, "T2", "T3"));
        assert_eq!(t.insert("T2", 40), None, "a kept id is still a duplicate");
        assert_eq!(t.insert("T1", 40), Some(2), "a forgotten one is not");
    }
}
