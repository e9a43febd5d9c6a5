//! Synthetic names: embedded lists of common given names and surnames per naming
//! style, Filipino naming conventions, spelling variants and organisation names.
//!
//! Filipino convention: given name(s), middle name = mother's maiden surname, surname
//! ("Maria Lourdes Reyes Santos"); "Ma." abbreviates Maria; compound surnames like
//! "Dela Cruz" are common. Hispanic names carry two surnames (father's, mother's).

use crate::rng::Rng;
use std::fmt::Write;

mod lists;
use lists::*;
pub(crate) use lists::{PH_FEMALE, PH_SURNAMES};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    English,
    Hispanic,
    German,
    Dutch,
    French,
    Italian,
    Spanish,
    Nordic,
    Japanese,
    Chinese,
    Arabic,
    Filipino,
    Thai,
    Indian,
    WestAfrican,
    Vietnamese,
    Malay,
}

/// A person's name before rendering; `middle` is the Filipino mother's maiden surname or
/// the Hispanic second surname.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PersonName {
    pub given: &'static str,
    pub middle: Option<&'static str>,
    pub surname: &'static str,
    pub style: Style,
}

impl PersonName {
    /// Draws a person; `female` is the probability of a female given name.
    pub(crate) fn draw(rng: &mut Rng, style: Style, female: f64) -> Self {
        let (m, f, s) = lists(style);
        let given = if rng.chance(female) {
            *rng.pick(f)
        } else {
            *rng.pick(m)
        };
        let surname = *rng.pick(s);
        let middle = match style {
            Style::Filipino => Some(*rng.pick(s)).filter(|x| *x != surname),
            Style::Hispanic | Style::Spanish => Some(*rng.pick(s)),
            _ => None,
        };
        PersonName {
            given,
            middle,
            surname,
            style,
        }
    }

    /// A Filipino person with a given surname (a relative).
    pub(crate) fn filipino_with_surname(rng: &mut Rng, surname: &'static str, female: f64) -> Self {
        let mut p = Self::draw(rng, Style::Filipino, female);
        p.surname = surname;
        if p.middle == Some(surname) {
            p.middle = None;
        }
        p
    }

    /// The canonical written form: "Maria Lourdes Reyes Santos", "Juan Carlos Gómez Restrepo".
    pub(crate) fn full(&self) -> String {
        let mut s = String::with_capacity(32);
        s.push_str(self.given);
        if let Some(m) = self.middle {
            s.push(' ');
            s.push_str(m);
        }
        s.push(' ');
        s.push_str(self.surname);
        s
    }

    /// One of the ways the name shows up on an account. `variant` 0 is the canonical form;
    /// others drop the middle name, abbreviate "Maria" to "Ma.", use initials, change
    /// case, strip diacritics, or put the surname first.
    pub(crate) fn render(&self, variant: u32) -> String {
        let mut s = String::with_capacity(32);
        let initials = |s: &mut String, words: &str| {
            for w in words.split(' ') {
                if let Some(c) = w.chars().next() {
                    s.push(c);
                    s.push_str(". ");
                }
            }
        };
        let given_ma = |s: &mut String| match self.given.strip_prefix("Maria") {
            Some(rest) => {
                s.push_str("Ma.");
                s.push_str(rest);
            }
            None => s.push_str(self.given),
        };
        match variant % 9 {
            0 => return self.full(),
            1 => {
                s.push_str(self.given);
                s.push(' ');
                s.push_str(self.surname);
            }
            2 => {
                given_ma(&mut s);
                s.push(' ');
                s.push_str(self.surname);
            }
            3 => {
                initials(&mut s, self.given);
                if let Some(m) = self.middle {
                    initials(&mut s, m);
                }
                s.push_str(self.surname);
            }
            4 => return self.full().to_uppercase(),
            5 => {
                s.push_str(self.given);
                if let Some(m) = self.middle {
                    s.push(' ');
                    initials(&mut s, m);
                } else {
                    s.push(' ');
                }
                s.push_str(self.surname);
            }
            6 => {
                s.push_str(self.surname);
                s.push_str(", ");
                s.push_str(self.given);
            }
            7 => return strip_diacritics(&self.full()),
            _ => {
                given_ma(&mut s);
                if let Some(m) = self.middle {
                    s.push(' ');
                    s.push_str(m);
                }
                s.push(' ');
                s.push_str(self.surname);
                return s.to_lowercase();
            }
        }
        s
    }

    /// Rendering for an ordinary account: mostly canonical, sometimes a variant, so that
    /// variants and capitals are not a facilitator tell.
    /// `canonical` is the share written in full (0.75 in the calibrated world).
    pub(crate) fn render_any(&self, rng: &mut Rng, canonical: f64) -> String {
        if rng.chance(canonical) {
            if self.style == Style::Filipino && rng.chance(0.4) {
                self.render(1)
            } else {
                self.full()
            }
        } else {
            self.render(1 + rng.below(8) as u32)
        }
    }
}

pub(crate) fn strip_diacritics(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ñ' => 'n',
            'Ñ' => 'N',
            'á' | 'à' | 'ä' => 'a',
            'é' | 'è' | 'ë' => 'e',
            'í' => 'i',
            'ó' | 'ö' | 'ø' => 'o',
            'ú' | 'ü' => 'u',
            'Á' => 'A',
            'É' => 'E',
            _ => c,
        })
        .collect()
}

static BIZ_A: &[&str] = &[
    "Brightpath",
    "Bluewave",
    "Northstar",
    "Summit",
    "Crescent",
    "Ironwood",
    "Silverline",
    "Keystone",
    "Harbor",
    "Redfern",
    "Clearview",
    "Oakridge",
    "Pinnacle",
    "Lumen",
    "Evergreen",
    "Atlas",
    "Copperleaf",
    "Tidewater",
];
static BIZ_B: &[&str] = &[
    "Digital",
    "Media",
    "Consulting",
    "Logistics",
    "Analytics",
    "Commerce",
    "Labs",
    "Solutions",
    "Marketing",
    "Realty",
    "Health",
    "Software",
    "Trading",
    "Studio",
];
static BIZ_FORM: &[&str] = &[
    "LLC", "Inc.", "Ltd", "Pty Ltd", "GmbH", "B.V.", "Corp.", "Co.", "AB", "ApS",
];

/// A company name such as "Brightpath Digital LLC".
pub(crate) fn business(rng: &mut Rng) -> String {
    let mut s = String::with_capacity(32);
    let _ = write!(
        s,
        "{} {} {}",
        rng.pick(BIZ_A),
        rng.pick(BIZ_B),
        rng.pick(BIZ_FORM)
    );
    s
}

static CHARITY_CORE: &[&str] = &[
    "Hope for Children",
    "Bright Futures",
    "Little Lambs",
    "Bahay Kalinga",
    "Tahanan ng Pag-asa",
    "Kids First",
    "Child Hope Asia",
    "Seeds of Hope",
    "Open Hands",
    "Kalinga ng Bata",
    "Safe Haven",
    "Sunshine Kids",
    "Brighter Tomorrow",
    "New Horizons",
    "Gift of Education",
    "Shelter of Grace",
];
static CHARITY_FORM: &[&str] = &[
    "Foundation Inc.",
    "Foundation",
    "Child Sponsorship",
    "Mission",
    "Children's Home",
    "Learning Center Inc.",
    "Outreach",
];

/// A charity name such as "Hope for Children Foundation Inc.".
pub(crate) fn charity(rng: &mut Rng, country: &str) -> String {
    let mut s = String::with_capacity(40);
    match country {
        "CO" if rng.chance(0.6) => {
            let _ = write!(
                s,
                "Fundación {}",
                rng.pick(&[
                    "Niños de Colombia",
                    "Semillas de Esperanza",
                    "Hogar Infantil",
                    "Futuro Brillante"
                ])
            );
        }
        "TH" if rng.chance(0.5) => {
            let _ = write!(
                s,
                "{} Children's Foundation",
                rng.pick(&["Baan Dek", "Sang Sawang", "Chiang Mai", "Isan"])
            );
        }
        _ => {
            let _ = write!(s, "{} {}", rng.pick(CHARITY_CORE), rng.pick(CHARITY_FORM));
        }
    }
    s
}

static SHOP_PH: &[&str] = &[
    "Sari-Sari ni Aling Nena",
    "Jollimart Convenience",
    "Island Hopper Tours",
    "Mang Inasal Grill",
    "Puregold Express",
    "Boracay Dive Center",
    "Lucky Pawnshop",
    "Tindahan ni Rosa",
    "Cebu Pasalubong Center",
    "Palawan Adventure Tours",
];
static SHOP_TH: &[&str] = &[
    "Bangkok Street Eats Co.",
    "Siam Travel Services",
    "Phuket Island Tours",
    "Chiang Mai Guesthouse",
    "7 Star Minimart",
];
static SHOP_CO: &[&str] = &[
    "Tienda Doña Rosa",
    "Medellín Tours S.A.S.",
    "Café La Candelaria",
    "Droguería Central",
    "Hostal El Poblado",
];
static SHOP_ANY: &[&str] = &[
    "Corner Market",
    "City Pharmacy",
    "Metro Grocers",
    "Urban Fitness",
    "Quick Fuel",
    "Fresh Bakery",
    "Home Supplies",
    "Tech Store",
    "Book Nook",
    "Sunrise Hotel",
];

/// A merchant name; numbered branches keep many merchants distinct.
pub(crate) fn merchant(rng: &mut Rng, country: &str) -> String {
    let base = match country {
        "PH" => *rng.pick(SHOP_PH),
        "TH" => *rng.pick(SHOP_TH),
        "CO" => *rng.pick(SHOP_CO),
        _ => *rng.pick(SHOP_ANY),
    };
    if rng.chance(0.3) {
        return business(rng);
    }
    let mut s = String::with_capacity(40);
    let _ = write!(s, "{} #{}", base, rng.int(1, 400));
    s
}

/// A social-media handle such as "@ana_23".
pub(crate) fn handle(rng: &mut Rng, given: &str) -> String {
    let first = given.split(' ').next().unwrap_or("user");
    let mut s = String::with_capacity(16);
    s.push('@');
    s.push_str(&strip_diacritics(&first.to_lowercase()));
    let _ = match rng.below(3) {
        0 => write!(s, "_{}", rng.int(1, 99)),
        1 => write!(s, ".{}", rng.pick(&["cute", "baby", "ph", "love", "xx"])),
        _ => write!(s, "{}", rng.int(1990, 2012)),
    };
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filipino_variants() {
        let p = PersonName {
            given: "Maria Cristina",
            middle: Some("Reyes"),
            surname: "Santos",
            style: Style::Filipino,
        };
        let got: Vec<String> = (0..9).map(|v| p.render(v)).collect();
        assert_eq!(
            got,
            [
                "Maria Cristina Reyes Santos",
                "Maria Cristina Santos",
                "Ma. Cristina Santos",
                "M. C. R. Santos",
                "MARIA CRISTINA REYES SANTOS",
                "Maria Cristina R. Santos",
                "Santos, Maria Cristina",
                "Maria Cristina Reyes Santos",
                "ma. cristina reyes santos",
            ]
        );
        let q = PersonName {
            given: "Rowena",
            middle: None,
            surname: "Dela Peña",
            style: Style::Filipino,
        };
        assert_eq!(q.render(7), "Rowena Dela Pena");
        assert_eq!(q.render(5), "Rowena Dela Peña");
    }
}
