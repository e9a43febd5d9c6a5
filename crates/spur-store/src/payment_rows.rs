//! Ingested txn ids and kept payments: the rows of `txns` and `payments`,
//! written in bulk and looked up by many keys at once.

use spur_engine::Timestamp;

use crate::error::StoreError;
use crate::model::{KnownTxn, PaymentRecord};
use crate::sql::{params, Cell, Keys, NewRows, Row, Tx};
use crate::PaymentDigest;

// ---- ingestion ----

pub(crate) fn check_txn_ids(txn_ids: &[&str]) -> Result<(), StoreError> {
    if txn_ids.iter().any(|t| t.is_empty()) {
        return Err(StoreError::Invalid("an empty txn_id".into()));
    }
    Ok(())
}

/// A txn id to record, with its payment's digest when known.
pub(crate) type TxnRow<'a> = (&'a str, Option<&'a PaymentDigest>);

pub(crate) fn insert_txns(
    tx: &mut dyn Tx,
    txns: &[TxnRow<'_>],
    now: Timestamp,
) -> Result<u64, StoreError> {
    let cell = |r: usize, c: usize| match (c, txns[r]) {
        (0, (id, _)) => Cell::Text(id),
        (1, (_, Some(digest))) => Cell::Blob(&digest[..]),
        (1, (_, None)) => Cell::Null,
        _ => Cell::Int(now),
    };
    let new = tx
        .insert_new(
            &NewRows {
                table: "txns",
                columns: &["txn_id", "digest", "recorded_at"],
                key: "txn_id",
                len: txns.len(),
                cell: &cell,
                held: None,
            },
            false,
        )?
        .count;
    if new > 0 {
        // The count the audit chain records, kept without counting the table.
        tx.execute(
            "UPDATE log_head SET txns = txns + $1 WHERE id = 1",
            params![new as i64],
        )?;
    }
    Ok(new)
}

pub(crate) const PAYMENT_COLUMNS: &str =
    "txn_id, paid_at, amount, currency, sender_id, sender_name, sender_country, \
     receiver_id, receiver_name, receiver_country, channel, message FROM payments";

pub(crate) fn payment_from(r: &Row) -> Result<PaymentRecord, StoreError> {
    Ok(PaymentRecord {
        txn_id: r.text(0)?,
        timestamp: r.int(1)?,
        amount: r.real(2)?,
        currency: r.text(3)?,
        sender_id: r.text(4)?,
        sender_name: r.text(5)?,
        sender_country: r.text(6)?,
        receiver_id: r.text(7)?,
        receiver_name: r.text(8)?,
        receiver_country: r.text(9)?,
        channel: r.text(10)?,
        message: r.text(11)?,
    })
}

/// The given txn ids the store holds, each with the log chunk it came in.
pub(crate) fn txn_rows(
    tx: &mut dyn Tx,
    txn_ids: &[&str],
) -> Result<Vec<(KnownTxn, Option<i64>)>, StoreError> {
    let mut known = Vec::new();
    for r in tx.query_keys(
        "SELECT txn_id, digest, recorded_at, log_seq FROM txns WHERE txn_id",
        Keys::Text(txn_ids),
    )? {
        let digest = match r.opt_blob(1)? {
            None => None,
            Some(b) => Some(
                b.try_into()
                    .map_err(|_| StoreError::Corrupt("a txn digest is not 32 bytes".into()))?,
            ),
        };
        known.push((
            KnownTxn {
                txn_id: r.text(0)?,
                digest,
                recorded_at: r.int(2)?,
            },
            r.opt_int(3)?,
        ));
    }
    Ok(known)
}

/// Of the given txn ids, those whose payment is not kept.
pub(crate) fn payments_missing(
    tx: &mut dyn Tx,
    txn_ids: &[&str],
) -> Result<Vec<String>, StoreError> {
    let mut kept = std::collections::HashSet::new();
    for r in tx.query_keys(
        "SELECT txn_id FROM payments WHERE txn_id",
        Keys::Text(txn_ids),
    )? {
        kept.insert(r.text(0)?);
    }
    Ok(txn_ids
        .iter()
        .filter(|t| !kept.contains(**t))
        .map(|t| (*t).to_owned())
        .collect())
}

/// Keeps the payments not kept yet (in bulk); returns the txn ids of those
/// it kept.
pub(crate) fn insert_payments(
    tx: &mut dyn Tx,
    payments: &[PaymentRecord],
    now: Timestamp,
) -> Result<Vec<String>, StoreError> {
    if payments.is_empty() {
        return Ok(Vec::new());
    }
    let cell = |r: usize, c: usize| {
        let p = &payments[r];
        match c {
            0 => Cell::Text(&p.txn_id),
            1 => Cell::Int(p.timestamp),
            2 => Cell::Real(p.amount),
            3 => Cell::Text(&p.currency),
            4 => Cell::Text(&p.sender_id),
            5 => Cell::Text(&p.sender_name),
            6 => Cell::Text(&p.sender_country),
            7 => Cell::Text(&p.receiver_id),
            8 => Cell::Text(&p.receiver_name),
            9 => Cell::Text(&p.receiver_country),
            10 => Cell::Text(&p.channel),
            11 => Cell::Text(&p.message),
            _ => Cell::Int(now),
        }
    };
    Ok(tx
        .insert_new(
            &NewRows {
                table: "payments",
                columns: &[
                    "txn_id",
                    "paid_at",
                    "amount",
                    "currency",
                    "sender_id",
                    "sender_name",
                    "sender_country",
                    "receiver_id",
                    "receiver_name",
                    "receiver_country",
                    "channel",
                    "message",
                    "recorded_at",
                ],
                key: "txn_id",
                len: payments.len(),
                cell: &cell,
                held: None,
            },
            true,
        )?
        .keys)
}
