//! Names as written in payments: normalisation, family links, alias variants
//! and organisation-like names.
//!
//! Everything here runs once per new party, never per payment.

use std::hash::Hasher;

use rustc_hash::{FxHashSet, FxHasher};

use crate::model::Country;

/// A normalised token, hashed.
pub type Token = u64;

fn token(s: &str) -> Token {
    token_bytes(s.as_bytes())
}

fn token_bytes(b: &[u8]) -> Token {
    let mut h = FxHasher::default();
    h.write(b);
    h.write_u8(0xff);
    h.finish()
}

/// A word after particles are joined, as its token.
#[derive(Clone, Copy, Debug)]
struct Word {
    token: Token,
    first: u8,
    len: usize,
}

/// Two words read as one ("Mary" "Grace"): their tokens combined.
fn pair_token(a: Token, b: Token) -> Token {
    let mut h = FxHasher::default();
    h.write_u64(a);
    h.write_u64(b);
    h.finish()
}

/// Joins words on the stack ("de" + "la" + "cruz"); long names are cut at 32 bytes.
#[derive(Default)]
struct Joined {
    buf: [u8; 32],
    len: usize,
}

impl Joined {
    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn push(&mut self, w: &str) {
        let take = w.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + take].copy_from_slice(&w.as_bytes()[..take]);
        self.len += take;
    }

    fn word(&self) -> Word {
        let b = &self.buf[..self.len];
        Word {
            token: token_bytes(b),
            first: b.first().copied().unwrap_or(0),
            len: self.len,
        }
    }
}

/// What spur reads out of a party's name.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NameKey {
    /// Given names (or their initials), in order.
    pub given: Vec<Given>,
    /// Family name (last token, compound particles joined: "Dela Cruz" → delacruz).
    pub surname: Option<Token>,
    /// A second family name: the Filipino middle name (mother's maiden name) or
    /// the Spanish second surname.
    pub second: Option<Token>,
    /// The name reads like an organisation: a company, charity, school or church.
    pub organisation: bool,
    /// Countries whose common-surname list holds this surname (see [`Ties`]).
    pub ties: Ties,
    /// Diaspora markers: a given name or surname distinctive of the Philippines
    /// (not shared with the Spanish-speaking world).
    pub filipino: bool,
}

/// A given name or an initial.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Given {
    pub first_letter: u8,
    /// `None` for an initial.
    pub full: Option<Token>,
}

/// Bit set of surname origins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ties(u8);

impl Ties {
    pub const PH: Ties = Ties(1);
    pub const HISPANIC: Ties = Ties(2);
    pub const VN: Ties = Ties(4);

    pub fn contains(self, other: Ties) -> bool {
        self.0 & other.0 != 0
    }

    /// The surname origins that would suggest diaspora ties to `country`.
    pub fn for_destination(country: Country) -> Ties {
        match &country.0 {
            b"PH" => Ties(Ties::PH.0 | Ties::HISPANIC.0),
            b"CO" | b"MX" | b"PE" | b"EC" | b"DO" | b"AR" | b"CL" | b"VE" | b"GT" | b"HN"
            | b"SV" | b"NI" | b"CR" | b"PA" | b"BO" | b"PY" | b"UY" | b"CU" | b"ES" => {
                Ties::HISPANIC
            }
            b"VN" => Ties::VN,
            _ => Ties(0),
        }
    }
}

/// Words that join the next one into a family name ("de la cruz" → delacruz).
pub const PARTICLES: &[&str] = &[
    "de", "del", "dela", "della", "delas", "delos", "la", "las", "los", "da", "das", "do", "dos",
    "di", "van", "von", "der", "den", "ter", "san", "santa", "santo", "sta", "sto", "st", "mc",
    "mac",
];

const ORG_WORDS: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "company",
    "ltd",
    "limited",
    "llc",
    "llp",
    "plc",
    "gmbh",
    "ag",
    "bv",
    "nv",
    "ab",
    "oy",
    "pty",
    "sa",
    "srl",
    "kk",
    "foundation",
    "fundacion",
    "charity",
    "charities",
    "church",
    "ministries",
    "ministry",
    "mission",
    "association",
    "society",
    "trust",
    "fund",
    "orphanage",
    "school",
    "academy",
    "university",
    "college",
    "hospital",
    "clinic",
    "center",
    "centre",
    "org",
    "ngo",
    "parish",
    "diocese",
    "services",
    "solutions",
    "agency",
    "enterprises",
    "trading",
    "store",
    "shop",
    "digital",
    "group",
    "holdings",
    "consulting",
    "international",
    "cooperative",
    "coop",
    "sponsorship",
    "outreach",
    "relief",
    "shelter",
    "home",
    "homes",
    // Shops and services: tourists and online buyers pay them from abroad.
    "store",
    "stores",
    "shop",
    "mart",
    "market",
    "grocers",
    "grocery",
    "supermarket",
    "pharmacy",
    "drugstore",
    "hotel",
    "resort",
    "inn",
    "hostel",
    "tours",
    "tour",
    "travel",
    "travels",
    "dive",
    "fitness",
    "gym",
    "supplies",
    "supply",
    "fuel",
    "gas",
    "eats",
    "restaurant",
    "cafe",
    "bakery",
    "convenience",
    "studio",
    "realty",
    "software",
    "marketing",
    "commerce",
    "pawnshop",
    "tindahan",
    "sarisari",
    "salon",
    "spa",
    "boutique",
    "electronics",
    "hardware",
    "motors",
    "rentals",
];

/// The normaliser: holds the word lists, built once.
pub struct Names {
    particles: FxHashSet<Token>,
    org_words: FxHashSet<Token>,
    ph: FxHashSet<Token>,
    hispanic: FxHashSet<Token>,
    given_ph: FxHashSet<Token>,
    vn: FxHashSet<Token>,
}

/// Words of a list file; `mary+grace` stands for two words read as one.
fn word_list(text: &str) -> FxHashSet<Token> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace)
        .map(|w| match w.split_once('+') {
            Some((a, b)) => pair_token(token(&fold(a)), token(&fold(b))),
            None => token(&fold(w)),
        })
        .collect()
}

impl Default for Names {
    fn default() -> Self {
        Names::new()
    }
}

impl Names {
    pub fn new() -> Names {
        Names {
            particles: PARTICLES.iter().map(|p| token(p)).collect(),
            org_words: ORG_WORDS.iter().map(|p| token(p)).collect(),
            ph: word_list(include_str!("../data/surnames-ph.txt")),
            hispanic: word_list(include_str!("../data/surnames-hispanic.txt")),
            given_ph: word_list(include_str!("../data/given-ph.txt")),
            vn: word_list(include_str!("../data/surnames-vn.txt")),
        }
    }

    /// Reads a name as written ("Ma. Cristina Dela Cruz", "DELA CRUZ, MARIA").
    pub fn key(&self, name: &str) -> NameKey {
        let folded = fold(name);
        // "Metro Grocers #54": a branch number.
        if folded
            .as_bytes()
            .windows(2)
            .any(|w| w[0] == b'#' && w[1].is_ascii_digit())
        {
            return NameKey {
                organisation: true,
                ..NameKey::default()
            };
        }
        // "Surname, Given" → "Given Surname".
        let (head, tail) = match folded.split_once(',') {
            Some((last, first)) if !first.trim().is_empty() && !last.trim().is_empty() => {
                (first, last)
            }
            _ => (folded.as_str(), ""),
        };
        // Words; "Al-Otaibi" and "Smith-Reyes" are one word each.
        let mut raw: Vec<&str> = Vec::with_capacity(8);
        for part in [head, tail] {
            raw.extend(
                part.split(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-')
                    .map(|w| w.trim_matches(|c| c == '.' || c == '-'))
                    .filter(|w| !w.is_empty()),
            );
        }
        let mut key = NameKey::default();
        // Dotted abbreviations: "B.V.", "S.A.", "Co." (a bare "Co" is a surname).
        let dotted = |w: &str| {
            let mut j = Joined::default();
            w.split('.').for_each(|p| j.push(p));
            self.org_words.contains(&j.word().token)
        };
        if raw.iter().any(|w| self.org_words.contains(&token(w)))
            || folded
                .split_whitespace()
                .any(|w| w.ends_with('.') && w.len() > 2 && dotted(w))
            || folded.split_whitespace().any(|w| w == "co." || w == "co.,")
        {
            key.organisation = true;
            return key;
        }
        // Join particles with what follows: "de la cruz" → "delacruz".
        let mut words: Vec<Word> = Vec::with_capacity(raw.len());
        let mut pending = Joined::default();
        for (i, w) in raw.iter().enumerate() {
            let is_last = i + 1 == raw.len();
            // "Ma." and "Ma" for Maria only at the start of the given names.
            let w = if *w == "ma" && words.is_empty() && pending.is_empty() {
                "maria"
            } else {
                w
            };
            if !is_last && i > 0 && self.particles.contains(&token(w)) {
                pending.push(w);
                continue;
            }
            pending.push(w);
            words.push(pending.word());
            pending = Joined::default();
        }
        let Some((last, rest)) = words.split_last() else {
            return key;
        };
        key.surname = Some(last.token);
        if rest.len() >= 2 && rest[rest.len() - 1].len > 1 {
            key.second = Some(rest[rest.len() - 1].token);
        }
        key.given = rest
            .iter()
            .map(|g| Given {
                first_letter: g.first,
                full: (g.len > 1).then_some(g.token),
            })
            .collect();
        let mut ties = Ties::default();
        for t in [key.surname, key.second].into_iter().flatten() {
            if self.ph.contains(&t) {
                ties.0 |= Ties::PH.0;
            }
            if self.hispanic.contains(&t) {
                ties.0 |= Ties::HISPANIC.0;
            }
            if self.vn.contains(&t) {
                ties.0 |= Ties::VN.0;
            }
        }
        key.ties = ties;
        let distinct_ph = |t: &Token| self.ph.contains(t) && !self.hispanic.contains(t);
        // "Mary Grace", "Mary Joy": compound given names written apart.
        let compound = |pair: &[Word]| {
            self.given_ph
                .contains(&pair_token(pair[0].token, pair[1].token))
        };
        key.filipino = [key.surname, key.second].iter().flatten().any(distinct_ph)
            || key
                .given
                .iter()
                .filter_map(|g| g.full)
                .any(|g| self.given_ph.contains(&g))
            || rest.windows(2).any(compound);
        key
    }
}

impl NameKey {
    /// Family link: a shared family name (surname or second family name).
    /// Unknown names are never related.
    pub fn related(&self, other: &NameKey) -> bool {
        let mine = [self.surname, self.second];
        let theirs = [other.surname, other.second];
        mine.iter()
            .flatten()
            .any(|a| theirs.iter().flatten().any(|b| a == b))
    }

    /// Could both names be written by the same person: same surname and
    /// compatible given names ("Ma. Cristina" ~ "Maria C." ~ "M. C.").
    pub fn same_person_variant(&self, other: &NameKey) -> bool {
        if self.organisation
            || other.organisation
            || self.surname.is_none()
            || self.surname != other.surname
        {
            return false;
        }
        match (self.given.first(), other.given.first()) {
            (Some(a), Some(b)) => {
                a.first_letter == b.first_letter
                    && match (a.full, b.full) {
                        (Some(x), Some(y)) => x == y,
                        _ => true,
                    }
            }
            _ => false,
        }
    }
}

/// Lower case, diacritics removed, anything else kept.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => {
                'a'
            }
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' | 'Ø' => {
                'o'
            }
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ñ' | 'Ñ' => 'n',
            'ç' | 'Ç' => 'c',
            'ß' => 's',
            c => c,
        };
        out.extend(c.to_lowercase());
    }
    out
}

/// Digits of a phone number, without a leading country or trunk prefix, when
/// long enough to identify a line.
pub fn phone_key(phone: &str) -> Option<u64> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    // Compare on the last nine digits: "+63 917 123 4567" ~ "0917-123-4567".
    let tail = digits.get(digits.len().saturating_sub(9)..)?;
    (tail.len() >= 7).then(|| token(tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn related(a: &str, b: &str) -> bool {
        let n = Names::new();
        n.key(a).related(&n.key(b))
    }

    fn variant(a: &str, b: &str) -> bool {
        let n = Names::new();
        n.key(a).same_person_variant(&n.key(b))
    }

    #[test]
    fn family_links() {
        let cases = [
            ("Juan Dela Cruz", "Maria De La Cruz", true),
            ("Juan Dela Cruz", "MARIA DELA CRUZ", true),
            ("Jose De Leon", "Ana de leon", true),
            ("Rosa Peña", "Carlos Pena", true),
            ("Maria Lourdes Reyes Santos", "Pedro Reyes", true), // mother's maiden name
            ("John Smith", "Maria Santos", false),
            ("John Smith", "", false),
            ("", "", false),
            ("SANTOS, MARIA", "Jun Santos", true),
            ("Maricel Torres Al-Otaibi", "Sofia Jimenez Torres", true),
            ("Hope for Children Foundation Inc.", "Hope Santos", false),
        ];
        for (a, b, want) in cases {
            assert_eq!(related(a, b), want, "{a} ~ {b}");
        }
    }

    #[test]
    fn alias_variants() {
        let cases = [
            ("Ma. Cristina Reyes", "Maria Cristina Reyes", true),
            ("Ma. Cristina Reyes", "M. C. Reyes", true),
            ("MARIA CRISTINA REYES", "maria cristina reyes", true),
            ("Maria Cristina Reyes", "Marites Reyes", false),
            ("Maria Reyes", "Maria Santos", false),
            ("Reyes", "Maria Reyes", false),
        ];
        for (a, b, want) in cases {
            assert_eq!(variant(a, b), want, "{a} ~ {b}");
        }
    }

    #[test]
    fn ties_and_organisations() {
        let n = Names::new();
        assert!(n.key("Jun Dela Cruz").ties.contains(Ties::PH));
        assert!(n.key("Ana Ospina").ties.contains(Ties::HISPANIC));
        assert!(!n
            .key("Gary Whitfield")
            .ties
            .contains(Ties::for_destination(Country::new(b"PH"))));
        assert!(n.key("Brightpath Digital LLC").organisation);
        assert!(n.key("Hope for Children Foundation, Inc.").organisation);
        assert!(!n.key("Maria Santos").organisation);
        assert!(n.key("Tindahan ni Rosa #15").organisation);
        assert!(n.key("Corner Market #25").organisation);
        assert!(n.key("Sunrise Hotel").organisation);
        assert!(n.key("Redfern Analytics B.V.").organisation);
        assert!(n.key("Summit Media Co.").organisation);
        assert!(n.key("Nordlys AB").organisation);
        assert!(!n.key("Jerome Co").organisation, "Co is a surname");
        assert!(n.key("Mylene Al-Harbi").filipino);
        assert!(
            !n.key("Alvin Lumbao").filipino,
            "Lumbao is not in the list: no guess"
        );
        assert!(n.key("Jessa Tolentino Dizon").filipino);
        assert!(n.key("Mary Grace Lumbao").filipino);
        assert!(
            !n.key("Carlos Reyes").filipino,
            "Spanish surnames are shared"
        );
        assert!(!n.key("Gary Whitfield").filipino);
    }

    #[test]
    fn phones() {
        assert_eq!(phone_key("+63 917 123 4567"), phone_key("0917-123-4567"));
        assert_ne!(phone_key("+63 917 123 4567"), phone_key("+63 917 123 4568"));
        assert_eq!(phone_key("12"), None);
        assert_eq!(phone_key(""), None);
    }
}
