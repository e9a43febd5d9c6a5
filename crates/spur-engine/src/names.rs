//! Names as written in payments: normalisation, family links, alias variants
//! and organisation-like names.
//!
//! Everything here runs once per new party, never per payment.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashSet, FxHasher};

use crate::model::Country;

/// A normalised token, hashed.
pub type Token = u64;

fn token(s: &str) -> Token {
    let mut h = FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

/// What spur reads out of a party's name.
#[derive(Clone, Debug, Default, PartialEq)]
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
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Given {
    pub first_letter: u8,
    /// `None` for an initial.
    pub full: Option<Token>,
}

/// Bit set of surname origins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

const PARTICLES: &[&str] = &[
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

fn word_list(text: &str) -> FxHashSet<Token> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace)
        .map(|w| token(&fold(w)))
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
        let reordered;
        let text = match folded.split_once(',') {
            Some((last, first)) if !first.trim().is_empty() && !last.trim().is_empty() => {
                reordered = format!("{} {}", first.trim(), last.trim());
                &reordered
            }
            _ => &folded,
        };
        // "Al-Otaibi", "Smith-Reyes": a hyphenated surname is one word.
        let text = text.replace('-', "");
        let raw: Vec<&str> = text
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
            .map(|w| w.trim_matches('.'))
            .filter(|w| !w.is_empty())
            .collect();
        let mut key = NameKey::default();
        if raw.iter().any(|w| self.org_words.contains(&token(w))) {
            key.organisation = true;
            return key;
        }
        // Join particles with what follows: "de la cruz" → "delacruz".
        let mut words: Vec<String> = Vec::with_capacity(raw.len());
        let mut pending = String::new();
        for (i, w) in raw.iter().enumerate() {
            let is_last = i + 1 == raw.len();
            // "Ma." and "Ma" for Maria only at the start of the given names.
            let w = if (*w == "ma" || *w == "ma.") && words.is_empty() && pending.is_empty() {
                "maria"
            } else {
                w
            };
            if !is_last && i > 0 && self.particles.contains(&token(w)) {
                pending.push_str(w);
                continue;
            }
            let mut full = std::mem::take(&mut pending);
            full.push_str(w);
            words.push(full);
        }
        let Some((last, rest)) = words.split_last() else {
            return key;
        };
        if rest.is_empty() {
            // A single word: most likely a surname written alone, or a handle.
            key.surname = Some(token(last));
        } else {
            key.surname = Some(token(last));
            if rest.len() >= 2 {
                let second = &rest[rest.len() - 1];
                if second.len() > 1 {
                    key.second = Some(token(second));
                }
            }
            key.given = rest
                .iter()
                .map(|g| Given {
                    first_letter: g.as_bytes()[0],
                    full: (g.len() > 1).then(|| token(g)),
                })
                .collect();
        }
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
        key.filipino = [key.surname, key.second].iter().flatten().any(distinct_ph)
            || key.given.iter().filter_map(|g| g.full).any(|g| self.given_ph.contains(&g))
            // "Mary Grace", "Mary Joy": compound given names written apart.
            || words.windows(2).take(rest.len().saturating_sub(1)).any(|w| self.given_ph.contains(&token(&format!("{}{}", w[0], w[1]))));
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
        assert!(n.key("Mylene Al-Harbi").filipino);
        assert!(
            n.key("Alvin Lumbao").filipino == false,
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
