//! pain.001, customer credit transfer initiation: a group header, then
//! payment information blocks (`PmtInf`: the debtor, its account and agent,
//! the requested execution date) of one or more `CdtTrfTxInf` each.

use crate::iso20022::assemble::{self, Out, RECEIVER, SENDER};
use crate::iso20022::party::{self, CREDITOR, DEBTOR};
use crate::iso20022::slots::{Level, Role, Slot, View};
use crate::iso20022::{group_header_slot, Family, NotAPayment};

pub(crate) struct Pain001;

impl Family for Pain001 {
    fn level(&self, path: &str) -> Option<Level> {
        match path {
            "GrpHdr" => Some(Level::Group),
            "PmtInf" => Some(Level::Batch),
            "PmtInf/CdtTrfTxInf" => Some(Level::Transaction),
            _ => None,
        }
    }

    fn slot(&self, level: Level, path: &str) -> Option<Slot> {
        match level {
            Level::Group => group_header_slot(path),
            Level::Batch => match path {
                // A date in .03, a choice of date or date-time since .08.
                "ReqdExctnDt" | "ReqdExctnDt/Dt" | "ReqdExctnDt/DtTm" => Some(Slot::ReqdExctnDt),
                _ => party::slot(&DEBTOR, path),
            },
            Level::Transaction => match path {
                "PmtId/InstrId" => Some(Slot::InstrId),
                "PmtId/EndToEndId" => Some(Slot::EndToEndId),
                "PmtId/UETR" => Some(Slot::Uetr),
                "Amt/InstdAmt" => Some(Slot::InstdAmt),
                "Amt/EqvtAmt/Amt" => Some(Slot::Amt),
                "RmtInf/Ustrd" => Some(Slot::Ustrd),
                _ => party::slot(&CREDITOR, path),
            },
            Level::Entry => None,
        }
    }

    fn assemble(&self, v: &View<'_>, out: &mut Out) -> Result<(), NotAPayment> {
        assemble::txn_id(v, out, &[Slot::Uetr, Slot::EndToEndId, Slot::InstrId]);
        assemble::time(
            v,
            out,
            &[Slot::CreDtTm, Slot::ReqdExctnDt],
            "no GrpHdr/CreDtTm or PmtInf/ReqdExctnDt",
        );
        assemble::amount(
            v,
            out,
            &[Slot::InstdAmt, Slot::Amt],
            "no Amt/InstdAmt or Amt/EqvtAmt/Amt",
        );
        assemble::side(v, out, Role::Debtor, None, &SENDER);
        assemble::side(v, out, Role::Creditor, None, &RECEIVER);
        assemble::message_and_channel(v, out);
        Ok(())
    }
}
