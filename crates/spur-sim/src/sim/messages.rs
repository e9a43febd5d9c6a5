//! What payments say and the channels they take: the remark vocabularies of
//! each population and the channel mixes.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Channel {
    Remittance,
    Wallet,
    Bank,
    Card,
    Crypto,
    Cash,
}

impl Channel {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Channel::Remittance => "remittance",
            Channel::Wallet => "wallet",
            Channel::Bank => "bank",
            Channel::Card => "card",
            Channel::Crypto => "crypto",
            Channel::Cash => "cash",
        }
    }
}

pub(super) type ChannelMix = &'static [(Channel, f64)];

/// AMLC: 87.5% of OSEC-related STRs involved remittances, 60% via money-service
/// businesses, 35% via banks; e-wallets and crypto are growing (brief, "The crime").
pub(super) const OFFENDER_CHANNELS: ChannelMix = &[
    (Channel::Remittance, 50.0),
    (Channel::Wallet, 27.0),
    (Channel::Bank, 10.0),
    (Channel::Crypto, 8.0),
    (Channel::Card, 3.0),
    (Channel::Cash, 2.0),
];
pub(super) const FAMILY_CHANNELS: ChannelMix = &[
    (Channel::Remittance, 55.0),
    (Channel::Wallet, 30.0),
    (Channel::Bank, 13.0),
    (Channel::Cash, 2.0),
];
pub(super) const PARTNER_CHANNELS: ChannelMix = &[
    (Channel::Remittance, 45.0),
    (Channel::Wallet, 35.0),
    (Channel::Bank, 15.0),
    (Channel::Crypto, 5.0),
];

#[derive(Clone, Copy, Debug)]
pub(super) enum Msg {
    Empty,
    Text(&'static str),
    /// Index into the world's owned messages (handles, sponsorship numbers).
    Owned(u32),
    /// "INV-1042".
    Invoice(u32),
    /// "<Month of payment> retainer".
    Retainer,
}

/// Cover words (P-REMARK: AUSTRAC, FATF 2025, ACAMS); families write the same words.
pub(super) const COVER: &[&str] = &[
    "school fees",
    "gift",
    "for uniform",
    "medical bills",
    "family support",
    "load",
    "birthday",
    "treat",
    "allowance",
    "for school",
    "accommodation",
    "education",
    "for the kids",
    "pang load",
    "snacks",
    "tuition",
    "for food",
    "pasalubong",
];
pub(super) const PLAIN: &[&str] = &["thanks", "ok", "for you", "ty", "see you", "as agreed", "x"];
pub(super) const FAMILY_MSGS: &[&str] = &[
    "family support",
    "allowance",
    "for mama",
    "school fees",
    "tuition",
    "pang gastos",
    "load",
    "for papa",
    "padala",
    "monthly",
    "bills",
    "for rent",
    "medical bills",
    "for the kids",
    "ingat kayo",
    "for groceries",
];
pub(super) const FAMILY_EXTRA_MSGS: &[&str] = &[
    "birthday",
    "happy birthday nay",
    "medical bills",
    "emergency",
    "tuition",
    "Merry Christmas",
    "for the hospital",
    "enrollment",
];
pub(super) const PARTNER_MSGS: &[&str] = &[
    "love you",
    "for the baby",
    "for school",
    "miss you",
    "for rent",
    "for you babe",
    "groceries",
    "for mama",
    "for electricity bill",
    "xoxo",
    "my love",
    "for your family",
    "allowance",
];
/// What a partner writes that reads like P-REMARK's cover words (issue 11).
pub(super) const PARTNER_COVER_MSGS: &[&str] = &[
    "gift",
    "for school",
    "birthday",
    "treat",
    "load",
    "for the baby",
    "school fees",
    "allowance",
];
pub(super) const CLIENT_MSGS: &[&str] = &[
    "VA services",
    "payment for services",
    "web design",
    "bookkeeping",
    "social media management",
    "consulting fee",
    "data entry",
    "graphic design",
    "payroll",
    "customer support shift",
    "contract work",
];
pub(super) const DONOR_MSGS: &[&str] = &[
    "donation",
    "sponsor a child",
    "monthly pledge",
    "child sponsorship",
    "monthly donation",
];
pub(super) const DONOR_ONEOFF_MSGS: &[&str] = &[
    "Christmas appeal",
    "donation",
    "typhoon relief",
    "school supplies drive",
    "in memory of mum",
];
pub(super) const ROMANCE_MSGS: &[&str] = &[
    "hospital",
    "visa",
    "customs fee",
    "plane ticket",
    "hospital bill",
    "for the lawyer",
    "tax clearance",
    "release fee",
    "medicine",
    "travel documents",
    "love you",
];
pub(super) const ORDINARY_MSGS: &[&str] = &[
    "rent",
    "dinner",
    "thanks",
    "groceries",
    "split bill",
    "utilities",
    "birthday",
    "gift",
    "tickets",
    "repayment",
    "deposit",
    "lunch",
];
pub(super) const PH_DOMESTIC_MSGS: &[&str] = &[
    "pang load",
    "bayad utang",
    "padala",
    "load",
    "ulam",
    "pamasahe",
    "tuition",
    "bayad sa upa",
];
pub(super) const GIFT_MSGS: &[&str] = &[
    "gift",
    "happy birthday",
    "for your trip",
    "thank you",
    "merry christmas",
    "treat",
];
pub(super) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
