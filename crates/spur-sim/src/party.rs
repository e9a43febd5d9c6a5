//! Ground-truth vocabulary: roles and labels of parties.

use serde::Serialize;
use std::fmt;

/// The side of a payment a party is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Sender,
    Receiver,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Sender => "sender",
            Role::Receiver => "receiver",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a party really is. Positives are [`Label::OsecOffender`] and
/// [`Label::OsecFacilitator`]; everything else is a legitimate look-alike or another crime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    OsecOffender,
    FamilySender,
    PartnerSender,
    ClientSender,
    DonorSender,
    RomanceVictimSender,
    OrdinarySender,
    OsecFacilitator,
    FamilyReceiver,
    PartnerReceiver,
    FreelancerReceiver,
    CharityReceiver,
    RomanceScammerReceiver,
    OrdinaryReceiver,
    MerchantReceiver,
}

impl Label {
    pub const ALL: [Label; 15] = [
        Label::OsecOffender,
        Label::FamilySender,
        Label::PartnerSender,
        Label::ClientSender,
        Label::DonorSender,
        Label::RomanceVictimSender,
        Label::OrdinarySender,
        Label::OsecFacilitator,
        Label::FamilyReceiver,
        Label::PartnerReceiver,
        Label::FreelancerReceiver,
        Label::CharityReceiver,
        Label::RomanceScammerReceiver,
        Label::OrdinaryReceiver,
        Label::MerchantReceiver,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Label::OsecOffender => "osec_offender",
            Label::FamilySender => "family_sender",
            Label::PartnerSender => "partner_sender",
            Label::ClientSender => "client_sender",
            Label::DonorSender => "donor_sender",
            Label::RomanceVictimSender => "romance_victim_sender",
            Label::OrdinarySender => "ordinary_sender",
            Label::OsecFacilitator => "osec_facilitator",
            Label::FamilyReceiver => "family_receiver",
            Label::PartnerReceiver => "partner_receiver",
            Label::FreelancerReceiver => "freelancer_receiver",
            Label::CharityReceiver => "charity_receiver",
            Label::RomanceScammerReceiver => "romance_scammer_receiver",
            Label::OrdinaryReceiver => "ordinary_receiver",
            Label::MerchantReceiver => "merchant_receiver",
        }
    }

    pub fn role(self) -> Role {
        if (self as u8) < (Label::OsecFacilitator as u8) {
            Role::Sender
        } else {
            Role::Receiver
        }
    }

    /// True for the two OSEC labels, the positives of evaluation.
    pub fn is_osec(self) -> bool {
        matches!(self, Label::OsecOffender | Label::OsecFacilitator)
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a truth label string names a positive for `role`.
pub fn is_positive(role: &str, label: &str) -> bool {
    matches!(
        (role, label),
        ("sender", "osec_offender") | ("receiver", "osec_facilitator")
    )
}
