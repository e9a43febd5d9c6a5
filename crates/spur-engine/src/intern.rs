//! Interning: party ids and transaction ids to dense indices.
//!
//! Every payment looks up two party ids and one transaction id among a
//! million or more, and each lookup that misses the cache waits for memory. So
//! one trip per party: a short party id is kept inside the hash table's own
//! slot (no trip to the heap to compare it), and beside it what every payment
//! reads of the party ([`Hot`]), instead of in the party's full record.

use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use crate::geo::utc_offset;
use crate::model::{Country, Sex};
use crate::names::{NameKey, Names};

/// Longest id kept inside the key itself.
const SHORT: usize = 22;

/// A party id as a hash-map key.
#[derive(Clone)]
enum IdKey {
    Short { len: u8, bytes: [u8; SHORT] },
    Long(Box<str>),
}

impl IdKey {
    fn new(id: &str) -> IdKey {
        if id.len() <= SHORT {
            let mut bytes = [0; SHORT];
            bytes[..id.len()].copy_from_slice(id.as_bytes());
            IdKey::Short {
                len: id.len() as u8,
                bytes,
            }
        } else {
            IdKey::Long(id.into())
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // The bytes were copied from a `str` whole: always valid.
            IdKey::Short { len, bytes } => {
                std::str::from_utf8(&bytes[..*len as usize]).unwrap_or("")
            }
            IdKey::Long(s) => s,
        }
    }
}

impl PartialEq for IdKey {
    fn eq(&self, other: &IdKey) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for IdKey {}

impl Hash for IdKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Borrow<str> for IdKey {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

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
#[derive(Clone, Copy, Debug)]
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

/// One side's parties: ids interned to dense indices.
pub(crate) struct Parties<S> {
    index: FxHashMap<IdKey, (u32, Hot)>,
    pub info: Vec<PartyInfo>,
    pub state: Vec<S>,
    /// Parties from here on may have names not yet read.
    unkeyed: usize,
}

impl<S: Default> Parties<S> {
    pub fn new() -> Self {
        Parties {
            index: FxHashMap::default(),
            info: Vec::new(),
            state: Vec::new(),
            unkeyed: 0,
        }
    }

    pub fn from_parts(info: Vec<PartyInfo>, state: Vec<S>) -> Result<Self, Inconsistent> {
        if info.len() != state.len() {
            return Err(Inconsistent("party tables differ in length"));
        }
        let mut index = FxHashMap::default();
        index.reserve(info.len());
        for (i, p) in info.iter().enumerate() {
            if index
                .insert(IdKey::new(&p.id), (i as u32, Hot::of(p)))
                .is_some()
            {
                return Err(Inconsistent("duplicate party id"));
            }
        }
        let unkeyed = info.iter().position(|p| !p.keyed).unwrap_or(info.len());
        Ok(Parties {
            index,
            info,
            state,
            unkeyed,
        })
    }

    /// Room for `more` parties without growing the tables.
    pub fn reserve(&mut self, more: usize) {
        self.index.reserve(more);
        self.info.reserve(more);
        self.state.reserve(more);
    }

    /// The party's index and what every payment reads of it; names are read
    /// later, in bulk (`read_names`).
    #[inline]
    pub fn intern(&mut self, id: &str, name: &str, country: Country) -> (u32, Hot) {
        if let Some((i, hot)) = self.index.get_mut(id) {
            if !hot.knows(Hot::NAME) && !name.is_empty() {
                hot.known |= Hot::NAME;
                let info = &mut self.info[*i as usize];
                info.name = name.into();
                info.keyed = false;
                self.unkeyed = self.unkeyed.min(*i as usize);
            }
            return (*i, *hot);
        }
        let i = self.info.len() as u32;
        let info = PartyInfo {
            id: id.into(),
            name: name.into(),
            key: NameKey::default(),
            keyed: name.is_empty(),
            country,
            offset: utc_offset(country),
            phone: None,
            birth_year: None,
            sex: None,
        };
        let hot = Hot::of(&info);
        self.index.insert(IdKey::new(id), (i, hot));
        self.info.push(info);
        self.state.push(S::default());
        (i, hot)
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
        if let Some(slot) = self.index.get_mut(&*info.id) {
            slot.1 = Hot::of(info);
        }
    }

    pub fn len(&self) -> usize {
        self.info.len()
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

/// Transaction ids, kept once, and checked for duplicates.
#[derive(Default)]
pub(crate) struct TxnIds {
    pub text: String,
    pub ends: Vec<u32>,
    seen: FxHashMap<u64, u32>,
    /// Distinct ids whose 64-bit hashes collide with an earlier one.
    collided: FxHashMap<Box<str>, ()>,
}

impl TxnIds {
    pub fn get(&self, i: u32) -> &str {
        txn_at(&self.text, &self.ends, i)
    }

    /// Room for `more` ids of about `len` bytes without growing the tables.
    pub fn reserve(&mut self, more: usize, len: usize) {
        self.text.reserve(more * len);
        self.ends.reserve(more);
        self.seen.reserve(more);
    }

    /// The id's index, or `None` when it was seen before.
    pub fn insert(&mut self, id: &str) -> Option<u32> {
        let mut h = FxHasher::default();
        id.hash(&mut h);
        let hash = h.finish();
        let next = self.ends.len() as u32;
        match self.seen.entry(hash) {
            Entry::Vacant(v) => {
                v.insert(next);
            }
            Entry::Occupied(o) => {
                if txn_at(&self.text, &self.ends, *o.get()) == id || self.collided.contains_key(id)
                {
                    return None;
                }
                self.collided.insert(id.into(), ());
            }
        }
        self.text.push_str(id);
        self.ends.push(self.text.len() as u32);
        Some(next)
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

    #[test]
    fn short_and_long_ids_intern_to_one_index_each() {
        let long = "A-VERY-LONG-ACCOUNT-IDENTIFIER-0001";
        let mut p: Parties<SenderState> = Parties::new();
        let c = Country(*b"PH");
        let (a, _) = p.intern("S1", "", c);
        let (b, _) = p.intern(long, "", c);
        let (c2, _) = p.intern("S10", "", c);
        assert_eq!((a, b, c2), (0, 1, 2));
        assert_eq!(p.intern("S1", "", c).0, 0);
        assert_eq!(p.intern(long, "", c).0, 1);
        assert_eq!(p.intern("", "", c).0, 3);
        assert_eq!(p.intern("", "", c).0, 3);
        // Exactly at the limit, and one past it.
        let edge = "x".repeat(SHORT);
        let past = "x".repeat(SHORT + 1);
        assert_eq!(p.intern(&edge, "", c).0, 4);
        assert_eq!(p.intern(&past, "", c).0, 5);
        assert_eq!(p.intern(&edge, "", c).0, 4);
        assert_eq!(p.intern("ñandú-ü", "", c).0, 6);
        assert_eq!(p.intern("ñandú-ü", "", c).0, 6);
        let back = Parties::<SenderState>::from_parts(
            std::mem::take(&mut p.info),
            std::mem::take(&mut p.state),
        )
        .map_err(|e| e.0)
        .unwrap();
        assert_eq!(back.index.get(long).map(|s| s.0), Some(1));
        assert_eq!(back.index.get(edge.as_str()).map(|s| s.0), Some(4));
    }

    #[test]
    fn a_later_name_and_details_fill_in_once() {
        let mut p: Parties<SenderState> = Parties::new();
        let c = Country(*b"AU");
        let (i, hot) = p.intern("S1", "", c);
        assert!(!hot.knows(Hot::NAME));
        assert_eq!(hot.offset as i64, utc_offset(c));
        let (_, hot) = p.intern("S1", "Ann Lee", c);
        assert!(hot.knows(Hot::NAME));
        p.intern("S1", "Someone Else", c);
        assert_eq!(&*p.info[i as usize].name, "Ann Lee");
        p.fill(i, Some(1960), None, None);
        p.fill(i, Some(1990), Some(Sex::Male), None);
        let info = &p.info[i as usize];
        assert_eq!((info.birth_year, info.sex), (Some(1960), Some(Sex::Male)));
        let hot = p.intern("S1", "", c).1;
        assert!(hot.knows(Hot::BIRTH_YEAR) && hot.knows(Hot::SEX) && !hot.knows(Hot::PHONE));
    }

    #[test]
    fn txn_ids_refuse_repeats() {
        let mut t = TxnIds::default();
        t.reserve(4, 8);
        assert_eq!(t.insert("T1"), Some(0));
        assert_eq!(t.insert("T2"), Some(1));
        assert_eq!(t.insert("T1"), None);
        assert_eq!(t.get(1), "T2");
    }
}
