//! Reading the free-text remittance message, once per payment, without
//! allocating: words are folded to lower case and hashed one at a time, and
//! looked up in a small table of word classes.

use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;

/// Word classes found in a message, as bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Remark(pub u8);

impl Remark {
    /// Cover words of the published typologies ("school fees", "gift", "load" …).
    pub const COVER: Remark = Remark(1);
    /// A social-media handle (`@name`).
    pub const HANDLE: Remark = Remark(2);
    /// Invoice-like or salary remark: business payments.
    pub const BUSINESS: Remark = Remark(4);
    /// Donation or sponsorship.
    pub const DONATION: Remark = Remark(8);
    /// Emergency, travel-document and fee stories typical of romance scams.
    pub const ROMANCE: Remark = Remark(16);
    /// Filipino (Tagalog, Cebuano) family words: diaspora writing home.
    pub const FILIPINO: Remark = Remark(32);

    pub fn has(self, other: Remark) -> bool {
        self.0 & other.0 != 0
    }
}

/// Cover words (AUSTRAC 2019, FATF 2025, ACAMS). Families write the same words:
/// on its own a weak signal.
pub const COVER_WORDS: &[&str] = &[
    "school",
    "fees",
    "tuition",
    "gift",
    "gifts",
    "accommodation",
    "rent",
    "uniform",
    "uniforms",
    "medical",
    "medicine",
    "bills",
    "hospitalbill",
    "support",
    "education",
    "birthday",
    "bday",
    "treat",
    "load",
    "eload",
    "allowance",
    "baon",
    "snacks",
    "food",
    "groceries",
    "milk",
    "vitamins",
    "books",
    "tip",
];
pub const BUSINESS_WORDS: &[&str] = &[
    "invoice",
    "inv",
    "retainer",
    "salary",
    "payroll",
    "wages",
    "services",
    "service",
    "project",
    "milestone",
    "consulting",
    "contract",
    "contractor",
    "hours",
    "timesheet",
    "freelance",
    "design",
    "development",
    "va",
    "assistant",
    "commission",
];
pub const DONATION_WORDS: &[&str] = &[
    "donation",
    "donations",
    "donate",
    "sponsor",
    "sponsorship",
    "sponsoring",
    "tithe",
    "tithes",
    "offering",
    "charity",
    "pledge",
];
pub const ROMANCE_WORDS: &[&str] = &[
    "hospital",
    "visa",
    "customs",
    "ticket",
    "flight",
    "plane",
    "emergency",
    "surgery",
    "lawyer",
    "bail",
    "clearance",
    "fine",
    "passport",
    "loan",
    "debt",
    "stuck",
    "airport",
];

/// Family words of Filipino messages home ("para kay nanay", "ingat kayo").
/// Customers abroad rarely write them; overseas workers and diaspora do.
pub const FILIPINO_WORDS: &[&str] = &[
    "nay",
    "tay",
    "inay",
    "itay",
    "nanay",
    "tatay",
    "mama",
    "papa",
    "anak",
    "lola",
    "lolo",
    "kuya",
    "ate",
    "bunso",
    "ingat",
    "kayo",
    "pang",
    "gastos",
    "padala",
    "pamasko",
    "salamat",
    "mahal",
    "kita",
    "pambayad",
    "bayad",
    "upa",
    "gamot",
    "bigas",
    "kuryente",
    "tubig",
    "pamilya",
    "kay",
    "namin",
    "natin",
    "bahay",
    "pasko",
    "regalo",
    "pamaskong",
    "sahod",
    "utang",
    "po",
    "opo",
];

/// The word table.
#[derive(Clone, Debug)]
pub struct RemarkReader {
    words: FxHashMap<u64, u8>,
}

impl Default for RemarkReader {
    fn default() -> Self {
        RemarkReader::new(COVER_WORDS)
    }
}

fn hash_word(word: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    for b in word {
        h.write_u8(b.to_ascii_lowercase());
    }
    h.finish()
}

impl RemarkReader {
    /// A reader with the given cover words (configurable) and the built-in
    /// business, donation and romance-scam words.
    pub fn new<S: AsRef<str>>(cover_words: &[S]) -> RemarkReader {
        let mut words = FxHashMap::default();
        let mut add = |list: &mut dyn Iterator<Item = &str>, class: Remark| {
            for w in list {
                *words.entry(hash_word(w.as_bytes())).or_insert(0) |= class.0;
            }
        };
        add(&mut cover_words.iter().map(AsRef::as_ref), Remark::COVER);
        add(&mut BUSINESS_WORDS.iter().copied(), Remark::BUSINESS);
        add(&mut DONATION_WORDS.iter().copied(), Remark::DONATION);
        add(&mut ROMANCE_WORDS.iter().copied(), Remark::ROMANCE);
        add(&mut FILIPINO_WORDS.iter().copied(), Remark::FILIPINO);
        RemarkReader { words }
    }

    /// Classifies a message. Words are runs of ASCII letters; a word right
    /// after '@' is a handle.
    pub fn read(&self, message: &str) -> Remark {
        let bytes = message.as_bytes();
        let mut found = 0u8;
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_alphabetic() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            if start > 0 && bytes[start - 1] == b'@' {
                found |= Remark::HANDLE.0;
                continue;
            }
            if let Some(class) = self.words.get(&hash_word(&bytes[start..i])) {
                found |= class;
            }
        }
        Remark(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let r = RemarkReader::default();
        let cases: &[(&str, u8)] = &[
            ("", 0),
            ("School Fees", Remark::COVER.0),
            ("for load po", Remark::COVER.0 | Remark::FILIPINO.0),
            ("ingat kayo", Remark::FILIPINO.0),
            ("INV-1042", Remark::BUSINESS.0),
            ("March retainer", Remark::BUSINESS.0),
            ("sponsor a child", Remark::DONATION.0),
            ("customs fee for the parcel", Remark::ROMANCE.0),
            ("add me @ana_23", Remark::HANDLE.0),
            ("love you", 0),
            ("pañuelo ñ", 0),
        ];
        for (msg, want) in cases {
            assert_eq!(r.read(msg).0, *want, "{msg:?}");
        }
    }
}
