//! What two installations can match on, as bytes: a kind (domain
//! separation, so that an account id never equals a phone number) and a
//! value already in a canonical form, so that both sides hash the same
//! bytes for the same party.

/// The kinds of identifier the protocol matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// An account or wallet id, as the institutions' shared scheme writes it.
    Account,
    /// A name reduced to its key (spur's name normalisation) with the country.
    NameInCountry,
    /// A phone number in E.164 (`+639171234567`).
    Phone,
    /// A payment's shared reference (UETR or end-to-end id).
    PaymentReference,
    /// A payment without a shared reference: amount in minor units, currency and day.
    PaymentFacts,
    /// A sender's (customer's) account id: kept apart from receivers' ids.
    SenderAccount,
    /// A sender's name reduced to its key with the country.
    SenderNameInCountry,
}

impl Kind {
    fn tag(self) -> &'static [u8] {
        match self {
            Kind::Account => b"account",
            Kind::NameInCountry => b"name-in-country",
            Kind::Phone => b"phone",
            Kind::PaymentReference => b"payment-reference",
            Kind::PaymentFacts => b"payment-facts",
            Kind::SenderAccount => b"sender-account",
            Kind::SenderNameInCountry => b"sender-name-in-country",
        }
    }
}

/// One matchable identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Identifier {
    pub kind: Kind,
    pub value: String,
}

impl Identifier {
    /// `spur-psi/1`, the kind, and the value, separated by zero bytes
    /// (which no canonical value holds): what is hashed to the group.
    pub fn bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(16 + self.value.len());
        b.extend_from_slice(b"spur-psi/1\0");
        b.extend_from_slice(self.kind.tag());
        b.push(0);
        b.extend_from_slice(self.value.as_bytes());
        b
    }

    /// A phone number in E.164: `+`, then 8 to 15 digits; spaces, dots,
    /// dashes and brackets dropped. `None` for anything else.
    pub fn phone(written: &str) -> Option<Identifier> {
        let digits: String = written.chars().filter(|c| !" .-()".contains(*c)).collect();
        let rest = digits.strip_prefix('+')?;
        (rest.len() >= 8 && rest.len() <= 15 && rest.bytes().all(|b| b.is_ascii_digit())).then_some(
            Identifier {
                kind: Kind::Phone,
                value: digits,
            },
        )
    }
}
