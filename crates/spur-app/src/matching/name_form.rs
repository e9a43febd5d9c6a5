//! A receiver's name and country as one matchable identifier
//! ([`Kind::NameInCountry`]): the same person's account under another id at
//! the peer is found by it, so is a namesake, which is why what a name match
//! brings counts only from a higher band (R-XMATCH, `counterparty_band`).
//!
//! Both installations must reach the same bytes for the same name however
//! each institution wrote it, so the form is plain and versioned by the
//! protocol (`spur-psi/1`): the name folded (lower case, diacritics
//! removed), "Surname, Given" turned round, split at anything that is not
//! a letter or a digit, titles dropped, particles joined to the word after
//! them ("Dela Cruz", "de la Cruz" → `delacruz`), the words sorted (forms
//! often put the family name first), then the country: `PH:cristina
//! delacruz maria`. A name of one word is not offered: too many people
//! share it. Abbreviations are not expanded ("Ma." stays `ma`).

use spur_engine::names::{fold, PARTICLES};
use spur_match::{Identifier, Kind};

/// Words dropped: forms of address, not part of who someone is.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "atty", "engr", "sir", "madam",
];

/// `name` in `country` (two upper-case letters) as a receiver's identifier,
/// or `None` for a name of fewer than two words or a country that does not
/// read.
pub fn name_in_country(name: &str, country: &str) -> Option<Identifier> {
    name_form(name, country).map(|value| Identifier {
        kind: Kind::NameInCountry,
        value,
    })
}

/// The same form as a sender's (customer's) identifier.
pub fn sender_name_in_country(name: &str, country: &str) -> Option<Identifier> {
    name_form(name, country).map(|value| Identifier {
        kind: Kind::SenderNameInCountry,
        value,
    })
}

/// The form itself: `PH:cristina delacruz maria`.
fn name_form(name: &str, country: &str) -> Option<String> {
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let folded = fold(name);
    let ordered = match folded.split_once(',') {
        Some((last, first)) if !first.trim().is_empty() && !last.trim().is_empty() => {
            format!("{first} {last}")
        }
        _ => folded,
    };
    let mut words: Vec<String> = Vec::new();
    let mut pending = String::new();
    for w in ordered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if TITLES.contains(&w) {
            continue;
        }
        pending.push_str(w);
        if !PARTICLES.contains(&w) {
            words.push(std::mem::take(&mut pending));
        }
    }
    // Particles at the end ("Juan Dela") stay a word of their own.
    if !pending.is_empty() {
        words.push(pending);
    }
    if words.len() < 2 {
        return None;
    }
    words.sort_unstable();
    Some(format!("{country}:{}", words.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, country: &str) -> Option<String> {
        name_in_country(name, country).map(|i| i.value)
    }

    #[test]
    fn the_same_name_however_written_gives_the_same_form() {
        let want = Some("PH:cristina delacruz maria".to_owned());
        for written in [
            "Maria Cristina Dela Cruz",
            "MARIA CRISTINA DELA CRUZ",
            "Maria Cristina de la Cruz",
            "DELA CRUZ, MARIA CRISTINA",
            "Dela Cruz Maria Cristina",
            "  Ms. Maria  Cristina Dela-Cruz ",
            "María Cristína Dela Cruz",
        ] {
            assert_eq!(form(written, "PH"), want, "{written:?}");
        }
    }

    #[test]
    fn other_names_countries_and_single_words_differ_or_are_left_out() {
        let one = form("Maria Cristina Dela Cruz", "PH");
        assert_ne!(form("Maria Cristina Dela Cruz", "TH"), one);
        assert_ne!(form("Maria Dela Cruz", "PH"), one);
        // Abbreviations are not expanded.
        assert_ne!(form("Ma. Cristina Dela Cruz", "PH"), one);
        assert_eq!(form("Cristina", "PH"), None);
        assert_eq!(form("Dr. Cristina", "PH"), None);
        assert_eq!(form("", "PH"), None);
        assert_eq!(form("Maria Cruz", "ph"), None);
        assert_eq!(form("Maria Cruz", "PHL"), None);
        // A trailing particle stays a word.
        assert_eq!(form("Juan Dela", "PH").as_deref(), Some("PH:dela juan"));
        // A sender of the same name is another kind: never a receiver's item.
        let s = sender_name_in_country("Maria Cruz", "US").unwrap();
        let r = name_in_country("Maria Cruz", "US").unwrap();
        assert_eq!(s.value, r.value);
        assert_ne!(s.bytes(), r.bytes());
    }
}
