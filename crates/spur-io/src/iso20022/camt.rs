//! camt.053 (statement) and camt.054 (debit/credit notification): the bank
//! reports the entries on one account (`Stmt` / `Ntfctn`, with `Acct`),
//! each entry (`Ntry`) with optional transaction details (`TxDtls`).
//!
//! Only **booked** entries (`Sts` BOOK) whose bank transaction code is a
//! credit transfer (`BkTxCd/Domn` PMNT, family RCDT received or ICDT
//! issued), not reversed, become payments; every other entry is skipped and
//! counted. The debtor is always the sender and the creditor the receiver:
//! on a credit entry (`CRDT`) the reported account is the creditor's side, on
//! a debit entry (`DBIT`) the debtor's, and whatever `RltdPties` leaves out
//! of that side is taken from the account (`Acct/Id`, `Acct/Ownr`,
//! `Acct/Svcr`).

use crate::field::Field;
use crate::iso20022::assemble::{self, Out, RECEIVER, SENDER};
use crate::iso20022::party::{self, Side};
use crate::iso20022::slots::{Level, Role, Slot, View};
use crate::iso20022::{group_header_slot, Family, NotAPayment};

pub(crate) struct Camt {
    /// `Stmt` or `Ntfctn`.
    report: &'static str,
}

pub(crate) const STATEMENT: Camt = Camt { report: "Stmt" };
pub(crate) const NOTIFICATION: Camt = Camt { report: "Ntfctn" };

const DEBTOR: Side = Side {
    role: Role::Debtor,
    party: "RltdPties/Dbtr",
    account: "RltdPties/DbtrAcct",
    agent: "RltdAgts/DbtrAgt",
};

const CREDITOR: Side = Side {
    role: Role::Creditor,
    party: "RltdPties/Cdtr",
    account: "RltdPties/CdtrAcct",
    agent: "RltdAgts/CdtrAgt",
};

impl Family for Camt {
    fn level(&self, path: &str) -> Option<Level> {
        if path == "GrpHdr" {
            return Some(Level::Group);
        }
        match path.strip_prefix(self.report)? {
            "" => Some(Level::Batch),
            "/Ntry" => Some(Level::Entry),
            "/Ntry/NtryDtls/TxDtls" => Some(Level::Transaction),
            _ => None,
        }
    }

    fn slot(&self, level: Level, path: &str) -> Option<Slot> {
        match level {
            Level::Group => group_header_slot(path),
            Level::Batch => {
                let field = if let Some(p) = path.strip_prefix("Acct/Ownr/") {
                    party::party(p)?
                } else if let Some(p) = path.strip_prefix("Acct/Svcr/") {
                    party::agent(p)?
                } else {
                    party::account(path.strip_prefix("Acct/")?)?
                };
                Some(Slot::Party(Role::Account, field))
            }
            Level::Entry => match path {
                "Amt" => Some(Slot::EntryAmt),
                "CdtDbtInd" => Some(Slot::CdtDbtInd),
                "RvslInd" => Some(Slot::Reversal),
                // Text in .02, a code since .06.
                "Sts" | "Sts/Cd" => Some(Slot::Status),
                "BookgDt/Dt" | "BookgDt/DtTm" => Some(Slot::BookgDt),
                "ValDt/Dt" | "ValDt/DtTm" => Some(Slot::ValDt),
                "NtryRef" => Some(Slot::NtryRef),
                "AcctSvcrRef" => Some(Slot::AcctSvcrRef),
                "BkTxCd/Domn/Cd" => Some(Slot::Domain),
                "BkTxCd/Domn/Fmly/Cd" => Some(Slot::Family),
                _ => None,
            },
            Level::Transaction => match path {
                "Refs/InstrId" => Some(Slot::InstrId),
                "Refs/EndToEndId" => Some(Slot::EndToEndId),
                "Refs/TxId" => Some(Slot::TxId),
                "Refs/UETR" => Some(Slot::Uetr),
                "Refs/AcctSvcrRef" => Some(Slot::AcctSvcrRef),
                "Amt" => Some(Slot::Amt),
                "CdtDbtInd" => Some(Slot::CdtDbtInd),
                "AmtDtls/InstdAmt/Amt" => Some(Slot::InstdAmt),
                "AmtDtls/TxAmt/Amt" => Some(Slot::TxAmt),
                "AmtDtls/IntrBkSttlmAmt/Amt" => Some(Slot::SttlmAmt),
                "BkTxCd/Domn/Cd" => Some(Slot::Domain),
                "BkTxCd/Domn/Fmly/Cd" => Some(Slot::Family),
                "RmtInf/Ustrd" => Some(Slot::Ustrd),
                "RltdDts/AccptncDtTm" => Some(Slot::AccptncDtTm),
                "RltdDts/IntrBkSttlmDt" => Some(Slot::SttlmDt),
                _ => party::slot(&DEBTOR, path).or_else(|| party::slot(&CREDITOR, path)),
            },
        }
    }

    fn childless_payment(&self) -> Option<Level> {
        Some(Level::Entry)
    }

    fn assemble(&self, v: &View<'_>, out: &mut Out) -> Result<(), NotAPayment> {
        let is = |slot: Slot, want: &str| v.get(slot).is_some_and(|x| x.eq_ignore_ascii_case(want));
        if !is(Slot::Status, "BOOK") || is(Slot::Reversal, "true") || !is(Slot::Domain, "PMNT") {
            return Err(NotAPayment::Skip);
        }
        if !(is(Slot::Family, "RCDT") || is(Slot::Family, "ICDT")) {
            return Err(NotAPayment::Skip);
        }
        // The reported account is the creditor on a credit, the debtor on a debit.
        let (debtor_fallback, creditor_fallback) =
            match v.get(Slot::CdtDbtInd) {
                Some(d) if d.eq_ignore_ascii_case("CRDT") => (None, Some(Role::Account)),
                Some(d) if d.eq_ignore_ascii_case("DBIT") => (Some(Role::Account), None),
                other => return Err(NotAPayment::Reject(
                    Field::SenderId,
                    match other {
                        Some(d) => crate::field::quoted(
                            d,
                            " in CdtDbtInd is neither CRDT nor DBIT: which side is the account?",
                        ),
                        None => "no CdtDbtInd: which side is the account?".into(),
                    },
                )),
            };
        assemble::txn_id(
            v,
            out,
            &[
                Slot::Uetr,
                Slot::EndToEndId,
                Slot::TxId,
                Slot::InstrId,
                Slot::AcctSvcrRef,
                Slot::NtryRef,
            ],
        );
        assemble::time(
            v,
            out,
            &[Slot::AccptncDtTm, Slot::BookgDt, Slot::ValDt, Slot::CreDtTm],
            "no RltdDts/AccptncDtTm, BookgDt, ValDt or GrpHdr/CreDtTm",
        );
        // The entry's amount is the transaction's only when it is the entry's one transaction.
        let amounts: &[Slot] = if v.only_child {
            &[
                Slot::InstdAmt,
                Slot::TxAmt,
                Slot::SttlmAmt,
                Slot::Amt,
                Slot::EntryAmt,
            ]
        } else {
            &[Slot::InstdAmt, Slot::TxAmt, Slot::SttlmAmt, Slot::Amt]
        };
        assemble::amount(
            v,
            out,
            amounts,
            "no AmtDtls/InstdAmt, TxAmt, IntrBkSttlmAmt or Amt (the entry's Amt counts only for its one transaction)",
        );
        assemble::side(v, out, Role::Debtor, debtor_fallback, &SENDER);
        assemble::side(v, out, Role::Creditor, creditor_fallback, &RECEIVER);
        assemble::message_and_channel(v, out);
        Ok(())
    }
}
