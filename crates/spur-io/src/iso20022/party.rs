//! The party, account and agent elements every family shares: `Dbtr`,
//! `DbtrAcct`, `DbtrAgt` and their creditor twins.

use crate::iso20022::slots::{PartyField, Role, Slot};

/// The element names of one side of a transfer.
pub(crate) struct Side {
    pub role: Role,
    /// `Dbtr`, `RltdPties/Dbtr`.
    pub party: &'static str,
    /// `DbtrAcct`, `RltdPties/DbtrAcct`.
    pub account: &'static str,
    /// `DbtrAgt`, `RltdAgts/DbtrAgt`.
    pub agent: &'static str,
}

pub(crate) const DEBTOR: Side = Side {
    role: Role::Debtor,
    party: "Dbtr",
    account: "DbtrAcct",
    agent: "DbtrAgt",
};

pub(crate) const CREDITOR: Side = Side {
    role: Role::Creditor,
    party: "Cdtr",
    account: "CdtrAcct",
    agent: "CdtrAgt",
};

/// `path` with `prefix/` taken off.
fn below<'p>(path: &'p str, prefix: &str) -> Option<&'p str> {
    path.strip_prefix(prefix)?.strip_prefix('/')
}

/// The slot of a party's element at `path` (below the transaction or batch).
pub(crate) fn slot(side: &Side, path: &str) -> Option<Slot> {
    let field = if let Some(p) = below(path, side.party) {
        // camt .08 wraps the party in `Pty` (it may be an agent instead).
        party(p.strip_prefix("Pty/").unwrap_or(p))?
    } else if let Some(p) = below(path, side.account) {
        account(p)?
    } else {
        agent(below(path, side.agent)?)?
    };
    Some(Slot::Party(side.role, field))
}

/// A party's own elements: `Nm`, `PstlAdr/Ctry`, `CtryOfRes`, phone.
pub(crate) fn party(p: &str) -> Option<PartyField> {
    Some(match p {
        "Nm" => PartyField::Name,
        "PstlAdr/Ctry" => PartyField::Country,
        "CtryOfRes" => PartyField::Residence,
        "CtctDtls/MobNb" | "CtctDtls/PhneNb" => PartyField::Phone,
        _ => return None,
    })
}

/// An account's identification: `Id/IBAN` or `Id/Othr/Id`.
pub(crate) fn account(p: &str) -> Option<PartyField> {
    Some(match p {
        "Id/IBAN" => PartyField::Iban,
        "Id/Othr/Id" => PartyField::OtherId,
        _ => return None,
    })
}

/// An agent's BIC: `BICFI` since 2013's versions, `BIC` before.
pub(crate) fn agent(p: &str) -> Option<PartyField> {
    match p {
        "FinInstnId/BICFI" | "FinInstnId/BIC" => Some(PartyField::Bic),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_paths() {
        let cases = [
            ("Dbtr/Nm", Some(Slot::Party(Role::Debtor, PartyField::Name))),
            (
                "Dbtr/Pty/Nm",
                Some(Slot::Party(Role::Debtor, PartyField::Name)),
            ),
            (
                "Dbtr/PstlAdr/Ctry",
                Some(Slot::Party(Role::Debtor, PartyField::Country)),
            ),
            (
                "DbtrAcct/Id/IBAN",
                Some(Slot::Party(Role::Debtor, PartyField::Iban)),
            ),
            (
                "DbtrAcct/Id/Othr/Id",
                Some(Slot::Party(Role::Debtor, PartyField::OtherId)),
            ),
            (
                "DbtrAgt/FinInstnId/BIC",
                Some(Slot::Party(Role::Debtor, PartyField::Bic)),
            ),
            ("DbtrAgtAcct/Id/IBAN", None),
            ("Dbtr/Id/OrgId/Othr/Id", None),
            ("Dbtrx/Nm", None),
        ];
        for (path, want) in cases {
            assert_eq!(slot(&DEBTOR, path), want, "{path}");
        }
    }
}
