//! The intake's two hash tables: party ids to indices ([`PartyTable`]) and
//! transaction ids seen ([`TxnTable`]).
//!
//! Both are open-addressing tables with linear probing, made for the one
//! thing that makes the intake slow: three lookups per payment among millions
//! of keys, nearly all of which miss the cache. A general-purpose map keeps
//! its control bytes apart from its entries, so a lookup waits for memory
//! twice, and cannot say where a key will be before looking. Here a slot holds
//! a 32-bit tag of the key's hash, the value and, for a party, the id itself
//! and what every payment reads of the party: one cache line per lookup, whose
//! address is known from the hash alone, so that the next payments' slots can
//! be fetched ahead ([`prefetch`](crate::prefetch::prefetch)).
//!
//! Tags only speed the search: a key is equal only when its bytes are.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

use crate::intern::Hot;
use crate::prefetch::prefetch;

/// The tables grow past 7 keys in 10 slots.
const LOAD_TENTHS: usize = 7;
const MIN_SLOTS: usize = 16;

#[inline]
fn hash(id: &str) -> u64 {
    let mut h = FxHasher::default();
    id.hash(&mut h);
    h.finish()
}

/// The slot index comes from the hash's low bits, the tag from its high
/// half; 0 marks an empty slot.
#[inline]
fn tag(h: u64) -> u32 {
    (h >> 32) as u32 | 1
}

fn slots_for(keys: usize) -> usize {
    (keys.saturating_mul(10) / LOAD_TENTHS + 1)
        .next_power_of_two()
        .max(MIN_SLOTS)
}

/// Longest party id held in the slot itself; longer ones live in
/// [`PartyTable::long`] and cost a second trip to memory.
pub(crate) const INLINE: usize = 47;
/// [`PartySlot::len`] of a long id.
const LONG: u8 = u8::MAX;

/// One cache line.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct PartySlot {
    tag: u32,
    index: u32,
    hot: Hot,
    /// The id's length, or `LONG`.
    len: u8,
    /// The id, or for a long one its place in `long` (4 bytes, little-endian).
    id: [u8; INLINE],
}

const EMPTY_PARTY: PartySlot = PartySlot {
    tag: 0,
    index: 0,
    hot: Hot {
        offset: 0,
        known: 0,
    },
    len: 0,
    id: [0; INLINE],
};

/// Party ids to their dense index (in order of first appearance) and [`Hot`].
pub(crate) struct PartyTable {
    slots: Vec<PartySlot>,
    len: usize,
    long: Vec<Box<str>>,
}

impl Default for PartyTable {
    fn default() -> Self {
        PartyTable {
            slots: vec![EMPTY_PARTY; MIN_SLOTS],
            len: 0,
            long: Vec::new(),
        }
    }
}

impl PartyTable {
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    fn id_of<'a>(&'a self, s: &'a PartySlot) -> &'a str {
        if s.len == LONG {
            let at = u32::from_le_bytes([s.id[0], s.id[1], s.id[2], s.id[3]]);
            &self.long[at as usize]
        } else {
            // Copied from a `str` whole, so always valid.
            std::str::from_utf8(&s.id[..usize::from(s.len)]).unwrap_or("")
        }
    }

    #[inline]
    fn holds(&self, s: &PartySlot, id: &str) -> bool {
        if id.len() <= INLINE {
            usize::from(s.len) == id.len() && &s.id[..id.len()] == id.as_bytes()
        } else {
            s.len == LONG && self.id_of(s) == id
        }
    }

    /// The slot holding `id`, or the empty slot where it would go.
    #[inline]
    fn find(&self, id: &str, h: u64) -> Result<usize, usize> {
        let t = tag(h);
        let mask = self.mask();
        let mut i = h as usize & mask;
        loop {
            let s = &self.slots[i];
            if s.tag == 0 {
                return Err(i);
            }
            if s.tag == t && self.holds(s, id) {
                return Ok(i);
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    pub fn prefetch(&self, id: &str) {
        prefetch(&self.slots[hash(id) as usize & self.mask()]);
    }

    pub fn get(&self, id: &str) -> Option<(u32, Hot)> {
        let s = &self.slots[self.find(id, hash(id)).ok()?];
        Some((s.index, s.hot))
    }

    pub fn get_mut(&mut self, id: &str) -> Option<(u32, &mut Hot)> {
        let i = self.find(id, hash(id)).ok()?;
        let s = &mut self.slots[i];
        Some((s.index, &mut s.hot))
    }

    /// Adds `id`, which must not be in the table, with the next index.
    pub fn insert_new(&mut self, id: &str, hot: Hot) -> u32 {
        self.insert_hashed(id, hash(id), hot)
    }

    fn insert_hashed(&mut self, id: &str, h: u64, hot: Hot) -> u32 {
        if (self.len + 1) * 10 > self.slots.len() * LOAD_TENTHS {
            self.grow_to(slots_for(self.len + 1).max(self.slots.len() * 2));
        }
        let Err(i) = self.find(id, h) else {
            debug_assert!(false, "insert_new of a present id");
            return self.slots[0].index;
        };
        let index = self.len as u32;
        let mut slot = PartySlot {
            tag: tag(h),
            index,
            hot,
            len: 0,
            id: [0; INLINE],
        };
        if id.len() <= INLINE {
            slot.len = id.len() as u8;
            slot.id[..id.len()].copy_from_slice(id.as_bytes());
        } else {
            slot.len = LONG;
            slot.id[..4].copy_from_slice(&(self.long.len() as u32).to_le_bytes());
            self.long.push(id.into());
        }
        self.slots[i] = slot;
        self.len += 1;
        index
    }

    /// Room for `more` keys without growing.
    /// Heap bytes held.
    pub fn bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<PartySlot>()
            + self.long.iter().map(|s| s.len() + 16).sum::<usize>()
    }

    pub fn reserve(&mut self, more: usize) {
        let want = slots_for(self.len + more);
        if want > self.slots.len() {
            self.grow_to(want);
        }
    }

    fn grow_to(&mut self, n: usize) {
        let old = std::mem::replace(&mut self.slots, vec![EMPTY_PARTY; n]);
        let mask = n - 1;
        for s in old.into_iter().filter(|s| s.tag != 0) {
            let mut i = hash(self.id_of(&s)) as usize & mask;
            while self.slots[i].tag != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

/// Transaction ids seen, each with its index: a slot is the id's tag (high
/// half) and index (low half), 0 when empty; the ids themselves are in the
/// caller's text, read back through `id_at` when tags match.
#[derive(Clone)]
pub(crate) struct TxnTable {
    slots: Vec<u64>,
    len: usize,
}

impl Default for TxnTable {
    fn default() -> Self {
        TxnTable {
            slots: vec![0; MIN_SLOTS],
            len: 0,
        }
    }
}

impl TxnTable {
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    #[inline]
    pub fn prefetch(&self, id: &str) {
        prefetch(&self.slots[hash(id) as usize & self.mask()]);
    }

    /// Adds `id` with index `next` unless an equal id is there already
    /// (`false`). `id_at` gives the id of an index added before.
    #[inline]
    pub fn insert<'t>(&mut self, id: &str, next: u32, id_at: impl Fn(u32) -> &'t str) -> bool {
        self.insert_hashed(id, hash(id), next, id_at)
    }

    #[inline]
    fn insert_hashed<'t>(
        &mut self,
        id: &str,
        h: u64,
        next: u32,
        id_at: impl Fn(u32) -> &'t str,
    ) -> bool {
        if (self.len + 1) * 10 > self.slots.len() * LOAD_TENTHS {
            self.grow_to(slots_for(self.len + 1).max(self.slots.len() * 2), &id_at);
        }
        let t = u64::from(tag(h)) << 32;
        let mask = self.mask();
        let mut i = h as usize & mask;
        loop {
            let s = self.slots[i];
            if s == 0 {
                self.slots[i] = t | u64::from(next);
                self.len += 1;
                return true;
            }
            if s & !u64::from(u32::MAX) == t && id_at(s as u32) == id {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    /// Room for `more` ids without growing.
    /// Heap bytes held.
    pub fn bytes(&self) -> usize {
        self.slots.capacity() * 8
    }

    pub fn reserve<'t>(&mut self, more: usize, id_at: impl Fn(u32) -> &'t str) {
        let want = slots_for(self.len + more);
        if want > self.slots.len() {
            self.grow_to(want, &id_at);
        }
    }

    fn grow_to<'t>(&mut self, n: usize, id_at: &impl Fn(u32) -> &'t str) {
        let old = std::mem::replace(&mut self.slots, vec![0; n]);
        let mask = n - 1;
        for s in old.into_iter().filter(|&s| s != 0) {
            let mut i = hash(id_at(s as u32)) as usize & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOT: Hot = Hot {
        offset: 3600,
        known: 0,
    };

    #[test]
    fn party_ids_short_long_and_at_the_limits() {
        let mut t = PartyTable::default();
        let edge = "e".repeat(INLINE);
        let past = "e".repeat(INLINE + 1);
        let ids = ["", "S1", "ñandú-ü", edge.as_str(), past.as_str(), "S10"];
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(t.get(id), None);
            assert_eq!(t.insert_new(id, HOT), n as u32);
        }
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(t.get(id).map(|g| g.0), Some(n as u32), "{id:?}");
        }
        assert_eq!(t.get("S"), None);
        assert_eq!(t.get(&"e".repeat(INLINE + 2)), None);
        let (_, hot) = t.get_mut("S10").unwrap();
        hot.known = Hot::NAME;
        assert_eq!(t.get("S10").unwrap().1.known, Hot::NAME);
    }

    #[test]
    fn party_table_grows_and_keeps_everything() {
        let mut t = PartyTable::default();
        let id = |i: u32| {
            if i.is_multiple_of(3) {
                format!("A-VERY-LONG-ACCOUNT-IDENTIFIER-{i:040}")
            } else {
                format!("P{i}")
            }
        };
        for i in 0..50_000 {
            assert_eq!(t.insert_new(&id(i), HOT), i);
        }
        assert_eq!(t.len, 50_000);
        assert!(t.slots.len() * LOAD_TENTHS >= t.len * 10);
        for i in (0..50_000).step_by(7) {
            assert_eq!(t.get(&id(i)).map(|g| g.0), Some(i));
        }
        assert_eq!(t.get("P50000"), None);
    }

    #[test]
    fn reserving_first_changes_nothing_but_room() {
        let mut a = PartyTable::default();
        let mut b = PartyTable::default();
        b.reserve(10_000);
        let before = b.slots.len();
        for i in 0..7_000u32 {
            let id = format!("R{i}");
            assert_eq!(a.insert_new(&id, HOT), b.insert_new(&id, HOT));
        }
        assert_eq!(b.slots.len(), before, "no growth within the reserve");
    }

    #[test]
    fn ids_with_one_hash_stay_apart() {
        let h = 0xdead_beef_0000_0005;
        let mut t = PartyTable::default();
        let long = "L".repeat(INLINE + 5);
        for (n, id) in ["a", "b", long.as_str(), "c"].iter().enumerate() {
            assert_eq!(t.find(id, h), Err(5 + n));
            assert_eq!(t.insert_hashed(id, h, HOT), n as u32);
        }
        assert_eq!(t.find("c", h), Ok(8));
        assert_eq!(t.find(&long, h), Ok(7));
        let text = ["x1", "x2", "x3"];
        let mut x = TxnTable::default();
        for (n, id) in text.iter().enumerate() {
            assert!(x.insert_hashed(id, h, n as u32, |k| text[k as usize]));
        }
        for id in text {
            assert!(!x.insert_hashed(id, h, 3, |k| text[k as usize]), "{id}");
        }
        assert!(x.insert_hashed("x4", h, 3, |k| ["x1", "x2", "x3", "x4"][k as usize]));
    }

    #[test]
    fn txn_ids_refuse_repeats_and_survive_tag_collisions() {
        let mut text: Vec<String> = Vec::new();
        let mut t = TxnTable::default();
        let n = 300_000u32;
        for i in 0..n {
            let id = format!("T{i:08}");
            assert!(t.insert(&id, i, |k| text[k as usize].as_str()));
            text.push(id);
        }
        // Among 300,000 ids some 32-bit tags repeat (about 10 expected):
        // those ids are told apart by their bytes.
        let mut tags: Vec<u32> = text.iter().map(|id| tag(hash(id))).collect();
        tags.sort_unstable();
        let repeats = tags.windows(2).filter(|w| w[0] == w[1]).count();
        assert!(repeats > 0, "the test needs colliding tags");
        for i in (0..n).step_by(7) {
            assert!(!t.insert(&format!("T{i:08}"), n, |k| text[k as usize].as_str()));
        }
        assert!(t.insert("T-new", n, |k| text[k as usize].as_str()));
    }
}
