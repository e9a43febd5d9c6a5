//! pacs.008, FI to FI customer credit transfer: a group header and one
//! `CdtTrfTxInf` per payment, debtor and creditor on every transaction.

use crate::iso20022::assemble::{self, Out, RECEIVER, SENDER};
use crate::iso20022::party::{self, CREDITOR, DEBTOR};
use crate::iso20022::slots::{Level, Role, Slot, View};
use crate::iso20022::{group_header_slot, Family, NotAPayment};

pub(crate) struct Pacs008;

impl Family for Pacs008 {
    fn level(&self, path: &str) -> Option<Level> {
        match path {
            "GrpHdr" => Some(Level::Group),
            "CdtTrfTxInf" => Some(Level::Transaction),
            _ => None,
        }
    }

    fn slot(&self, level: Level, path: &str) -> Option<Slot> {
        match level {
            Level::Group => match path {
                "IntrBkSttlmDt" => Some(Slot::SttlmDt),
                _ => group_header_slot(path),
            },
            Level::Transaction => match path {
                "PmtId/InstrId" => Some(Slot::InstrId),
                "PmtId/EndToEndId" => Some(Slot::EndToEndId),
                "PmtId/TxId" => Some(Slot::TxId),
                "PmtId/UETR" => Some(Slot::Uetr),
                "IntrBkSttlmAmt" => Some(Slot::SttlmAmt),
                "IntrBkSttlmDt" => Some(Slot::SttlmDt),
                "AccptncDtTm" => Some(Slot::AccptncDtTm),
                "InstdAmt" => Some(Slot::InstdAmt),
                "RmtInf/Ustrd" => Some(Slot::Ustrd),
                _ => party::slot(&DEBTOR, path).or_else(|| party::slot(&CREDITOR, path)),
            },
            Level::Batch | Level::Entry => None,
        }
    }

    fn assemble(&self, v: &View<'_>, out: &mut Out) -> Result<(), NotAPayment> {
        assemble::txn_id(
            v,
            out,
            &[Slot::Uetr, Slot::EndToEndId, Slot::TxId, Slot::InstrId],
        );
        assemble::time(
            v,
            out,
            &[Slot::AccptncDtTm, Slot::CreDtTm, Slot::SttlmDt],
            "no AccptncDtTm, GrpHdr/CreDtTm or IntrBkSttlmDt",
        );
        assemble::amount(
            v,
            out,
            &[Slot::InstdAmt, Slot::SttlmAmt],
            "no InstdAmt or IntrBkSttlmAmt",
        );
        assemble::side(v, out, Role::Debtor, None, &SENDER);
        assemble::side(v, out, Role::Creditor, None, &RECEIVER);
        assemble::message_and_channel(v, out);
        Ok(())
    }
}
