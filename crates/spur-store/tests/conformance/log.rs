//! The payment log (migration 8): chunks, their txn ids and commits, checkpoints, evidence read from the log, the log append-only and verified.

use super::*;

conformance! {
    log_chunks_read_back_byte_equal_after_a_position,
    a_chunks_txns_and_log_entry_commit_together_or_not_at_all,
    a_large_commit_checked_beside_its_writes_leaves_nothing_when_wrong,
    a_load_larger_than_the_held_ids_keeps_them_unique,
    a_commit_of_many_chunks_reads_back_in_order,
    a_reused_txn_id_with_other_content_is_reported,
    a_commit_behind_the_logs_end_is_refused,
    only_the_latest_checkpoint_is_kept,
    a_large_checkpoint_is_kept_in_parts,
    a_large_write_commits_alone_or_beside_another_connection,
    many_txn_ids_are_looked_up_at_once,
    the_payment_log_is_append_only_and_verified,
    alert_evidence_is_read_from_the_log,
    an_alert_raised_again_unchanged_is_not_rewritten,
    evidence_in_the_commits_own_chunks_is_kept,
    txn_ids_keep_their_digests_across_migration_10,
}

/// A canonical payment of the log tests; `n` varies its time and amount.
fn logged(txn_id: &str, n: i64) -> spur_engine::Payment<'_> {
    spur_engine::Payment {
        txn_id,
        timestamp: T0 - 86_400 + n * 60,
        amount: 10.0 + n as f64 / 100.0,
        currency: spur_engine::Currency::new(b"USD"),
        sender_id: "S-1",
        sender_country: spur_engine::Country::new(b"US"),
        sender_name: "Gary Whitfield",
        receiver_id: "R-1",
        receiver_country: spur_engine::Country::new(b"PH"),
        receiver_name: "Maria Luz Cruz",
        channel: Some(spur_engine::Channel::Remittance),
        message: "for load 'n' stuff",
        extra: spur_engine::Extra::default(),
    }
}

/// One chunk of these payments with their txn ids and digests.
fn chunk_of<'a>(payments: &[spur_engine::Payment<'a>]) -> (Vec<u8>, Vec<IngestedTxn<'a>>) {
    let mut w = ChunkWriter::new();
    let mut txns = Vec::new();
    for p in payments {
        w.push(p);
        txns.push(IngestedTxn {
            txn_id: p.txn_id,
            digest: spur_store::payment_digest(p),
        });
    }
    (w.into_bytes(), txns)
}

fn append(s: &mut dyn Store, after: i64, ids: &[&str]) -> Result<LogCommitted, StoreError> {
    let payments: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| logged(id, i as i64))
        .collect();
    let (bytes, txns) = chunk_of(&payments);
    s.append_log(after, &bytes, &txns)
}

fn log_chunks_read_back_byte_equal_after_a_position(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.log_head().unwrap(), LogHead::default());
    assert_eq!(s.read_log(0, 10).unwrap(), []);
    let mut written = Vec::new();
    let ids: Vec<String> = (0..1200).map(|i| format!("T{i}")).collect();
    let mut mixed = logged("X1", 5);
    mixed.channel = None;
    mixed.amount = 0.1 + 0.2;
    mixed.message = "";
    mixed.extra = spur_engine::Extra {
        mcc: Some(5816),
        receiver_phone: "+63 917 000 0000",
        sender_birth_year: Some(1961),
        sender_sex: Some(spur_engine::Sex::Female),
        payout_time: Some(T0),
    };
    // Chunks of one, of 1,200 (more than one INSERT statement) and of two.
    let chunks: Vec<Vec<spur_engine::Payment<'_>>> = vec![
        vec![mixed],
        ids.iter()
            .enumerate()
            .map(|(i, id)| logged(id, i as i64))
            .collect(),
        vec![logged("Y1", 1), logged("Y2", 2)],
    ];
    for (i, payments) in chunks.iter().enumerate() {
        let (bytes, txns) = chunk_of(payments);
        let done = s.append_log(i as i64, &bytes, &txns).unwrap();
        assert_eq!(
            (done.seq, done.new_txns),
            (i as i64 + 1, payments.len() as u64)
        );
        written.push(bytes);
    }
    assert_eq!(s.log_head().unwrap(), LogHead { seq: 3, txns: 1203 });
    let read = s.read_log(0, 10).unwrap();
    assert_eq!(read.iter().map(|c| c.seq).collect::<Vec<_>>(), [1, 2, 3]);
    for ((chunk, bytes), payments) in read.iter().zip(&written).zip(&chunks) {
        assert_eq!(&chunk.bytes, bytes);
        assert_eq!(chunk.payments as usize, payments.len());
        assert_eq!(&chunk.decode().unwrap(), payments);
        assert_eq!(chunk.recorded_at, T0);
    }
    assert_eq!(
        read[0].decode().unwrap()[0].amount.to_bits(),
        (0.1f64 + 0.2).to_bits()
    );
    // After a position, at most `limit` chunks.
    let tail = s.read_log(1, 1).unwrap();
    assert_eq!((tail.len(), tail[0].seq), (1, 2));
    assert_eq!(s.read_log(3, 10).unwrap(), []);
    // The txn ids are known with their digests, for idempotency.
    let known = s.known_txns(&["T1199", "Y2", "nope"]).unwrap();
    assert_eq!(known.len(), 2);
    for k in &known {
        let p = if k.txn_id == "Y2" {
            logged("Y2", 2)
        } else {
            logged("T1199", 1199)
        };
        assert!(
            k.same_content(&spur_store::payment_digest(&p)),
            "{}",
            k.txn_id
        );
    }
    s.verify_audit().unwrap();
}

fn a_chunks_txns_and_log_entry_commit_together_or_not_at_all(f: &Fixture) {
    let mut s = f.open();
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    let audit_before = s.verify_audit().unwrap().entries;
    // A chunk whose 901st payment reuses an id: the first 500 ids were
    // inserted by the time the second statement finds it; none stay.
    let mut ids: Vec<String> = (0..1000).map(|i| format!("n{i}")).collect();
    ids[900] = "t1".into();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let e = assert_err!(append(&mut *s, 1, &refs), StoreError::AlreadyIngested(_));
    assert_eq!(e.code(), "already_ingested");
    // The same id twice in one chunk.
    assert_err!(
        append(&mut *s, 1, &["d1", "d1"]),
        StoreError::AlreadyIngested(_)
    );
    assert_eq!(s.log_head().unwrap(), LogHead { seq: 1, txns: 2 });
    assert_eq!(s.read_log(1, 10).unwrap(), []);
    assert_eq!(
        known_ids(&mut *s, &["n0", "n499", "n999", "d1"]),
        Vec::<String>::new()
    );
    assert_eq!(s.verify_audit().unwrap().entries, audit_before);
    // Ids that do not match the chunk's payments are refused before any SQL.
    let (bytes, mut txns) = chunk_of(&[logged("a1", 0), logged("a2", 1)]);
    txns.swap(0, 1);
    assert_err!(s.append_log(1, &bytes, &txns), StoreError::Invalid(_));
    assert_err!(s.append_log(1, &bytes, &txns[..1]), StoreError::Invalid(_));
    assert_err!(
        s.append_log(1, b"SPL1\x01\0\0\0junk", &[]),
        StoreError::Invalid(_)
    );
    // And the good chunk then goes in whole.
    txns.swap(0, 1);
    assert_eq!(s.append_log(1, &bytes, &txns).unwrap().seq, 2);
    assert_eq!(known_ids(&mut *s, &["a1", "a2"]), ["a1", "a2"]);
}

/// A commit of thousands of payments is checked on a thread beside its
/// writes: ids that are not the chunk's own are refused as before, the
/// check's error first even where the writes fail too (a held id), and
/// nothing of the commit stays.
fn a_large_commit_checked_beside_its_writes_leaves_nothing_when_wrong(f: &Fixture) {
    const MANY: usize = 5_000;
    let mut s = f.open();
    append(&mut *s, 0, &["t1"]).unwrap();
    let audit_before = s.verify_audit().unwrap().entries;
    let ids: Vec<String> = (0..MANY).map(|i| format!("m{i}")).collect();
    let payments: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| logged(id, i as i64))
        .collect();
    let (bytes, mut txns) = chunk_of(&payments);
    txns.swap(MANY - 2, MANY - 1);
    assert_err!(s.append_log(1, &bytes, &txns), StoreError::Invalid(_));
    // The same, with a held id among them: the check's error still.
    let mut held = payments.clone();
    held[MANY / 2] = logged("t1", 0);
    let (bytes_held, mut txns_held) = chunk_of(&held);
    txns_held.swap(0, 1);
    assert_err!(
        s.append_log(1, &bytes_held, &txns_held),
        StoreError::Invalid(_)
    );
    assert_eq!(s.log_head().unwrap(), LogHead { seq: 1, txns: 1 });
    assert_eq!(s.read_log(1, 10).unwrap(), []);
    assert_eq!(
        known_ids(&mut *s, &["m0", "m2500", "m4999"]),
        Vec::<String>::new()
    );
    assert_eq!(s.verify_audit().unwrap().entries, audit_before);
    // Put right, the chunk goes in whole.
    txns.swap(MANY - 2, MANY - 1);
    assert_eq!(
        s.append_log(1, &bytes, &txns).unwrap().new_txns,
        MANY as u64
    );
    assert_eq!(
        known_ids(&mut *s, &["m0", "m2500", "m4999"]),
        ["m0", "m2500", "m4999"]
    );
}

/// A commit of more txn ids than the store holds (a first scan of a history
/// into an empty database): PostgreSQL copies them into the table without
/// its key and builds the key again. A held id or one given twice still
/// refuses the commit whole, and the key is there afterwards.
fn a_load_larger_than_the_held_ids_keeps_them_unique(f: &Fixture) {
    const MANY: usize = 100_000;
    let mut s = f.open();
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    let fresh: Vec<String> = (0..MANY).map(|i| format!("n{i}")).collect();
    fn with<'a>(fresh: &'a [String], last: &'a str) -> Vec<&'a str> {
        let mut ids: Vec<&str> = fresh.iter().map(String::as_str).collect();
        ids[MANY - 1] = last;
        ids
    }
    // A held id at the end of many new ones.
    let known = match append(&mut *s, 1, &with(&fresh, "t1")) {
        Err(StoreError::AlreadyIngested(known)) => known,
        other => panic!("expected AlreadyIngested, got {other:?}"),
    };
    assert_eq!(
        known.iter().map(|k| k.txn_id.as_str()).collect::<Vec<_>>(),
        ["t1"]
    );
    // An id twice among them.
    let known = match append(&mut *s, 1, &with(&fresh, "n7")) {
        Err(StoreError::AlreadyIngested(known)) => known,
        other => panic!("expected AlreadyIngested, got {other:?}"),
    };
    assert_eq!(
        known.iter().map(|k| k.txn_id.as_str()).collect::<Vec<_>>(),
        ["n7"]
    );
    assert_eq!(s.log_head().unwrap(), LogHead { seq: 1, txns: 2 });
    assert_eq!(
        known_ids(&mut *s, &["n0", "n7", "n99998"]),
        Vec::<String>::new()
    );
    // Many new ones go in, and are held: sent again, each is refused.
    let all: Vec<&str> = fresh.iter().map(String::as_str).collect();
    assert_eq!(append(&mut *s, 1, &all).unwrap().new_txns, MANY as u64);
    assert_eq!(known_ids(&mut *s, &["n0", "n99999"]), ["n0", "n99999"]);
    assert_err!(
        append(&mut *s, 2, &["t3", "n5"]),
        StoreError::AlreadyIngested(_)
    );
    assert_eq!(
        s.log_head().unwrap(),
        LogHead {
            seq: 2,
            txns: MANY as i64 + 2
        }
    );
    s.verify_audit().unwrap();
}

/// A commit of many chunks (a scan's: PostgreSQL copies them in one
/// `COPY`) keeps each at its position, byte for byte, with its txn ids; and
/// a commit behind the log's end leaves none of them.
fn a_commit_of_many_chunks_reads_back_in_order(f: &Fixture) {
    const CHUNKS: usize = 70;
    let mut s = f.open();
    let ids: Vec<String> = (0..CHUNKS * 2).map(|i| format!("c{i}")).collect();
    let payments: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| logged(id, i as i64))
        .collect();
    let built: Vec<_> = payments.chunks(2).map(chunk_of).collect();
    let chunks: Vec<&[u8]> = built.iter().map(|(bytes, _)| bytes.as_slice()).collect();
    let txns: Vec<IngestedTxn<'_>> = built.iter().flat_map(|(_, t)| t.clone()).collect();
    let commit = LogCommit {
        after: 0,
        chunks: &chunks,
        txns: &txns,
        ..LogCommit::default()
    };
    let done = s.commit_log(&commit).unwrap();
    assert_eq!(
        (done.seq, done.new_txns),
        (CHUNKS as i64, (CHUNKS * 2) as u64)
    );
    // Sent again, behind the log's end: refused, nothing added.
    assert_err!(s.commit_log(&commit), StoreError::LogConflict { .. });
    let read = s.read_log(0, CHUNKS + 10).unwrap();
    assert_eq!(read.len(), CHUNKS);
    for (i, (chunk, (bytes, _))) in read.iter().zip(&built).enumerate() {
        assert_eq!(chunk.seq, i as i64 + 1);
        assert_eq!(&chunk.bytes, bytes);
        assert_eq!(chunk.payments, 2);
    }
    assert_eq!(known_ids(&mut *s, &["c0", "c139"]), ["c0", "c139"]);
    s.verify_audit().unwrap();
}

fn a_reused_txn_id_with_other_content_is_reported(f: &Fixture) {
    let mut s = f.open();
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    f.clock.advance(86_400);
    let mut other = logged("t2", 1);
    other.amount = 99.0;
    let (bytes, txns) = chunk_of(&[logged("t3", 0), other]);
    let known = match s.append_log(1, &bytes, &txns) {
        Err(StoreError::AlreadyIngested(known)) => known,
        other => panic!("expected AlreadyIngested, got {other:?}"),
    };
    assert_eq!(known.len(), 1);
    assert_eq!(known[0].txn_id, "t2");
    assert_eq!(known[0].recorded_at, T0);
    assert!(!known[0].same_content(&spur_store::payment_digest(&other)));
    assert!(known[0].same_content(&spur_store::payment_digest(&logged("t2", 1))));
    let e = StoreError::AlreadyIngested(known).to_string();
    assert!(
        e.contains("t2") && e.contains("nothing of this commit was stored"),
        "{e}"
    );
}

fn a_commit_behind_the_logs_end_is_refused(f: &Fixture) {
    let mut a = f.open();
    let mut b = f.open();
    append(&mut *a, 0, &["t1"]).unwrap();
    // The second writer's engine is still at the start.
    let e = assert_err!(
        append(&mut *b, 0, &["t2"]),
        StoreError::LogConflict {
            expected: 0,
            found: 1
        }
    );
    assert_eq!(e.code(), "log_conflict");
    assert_eq!(known_ids(&mut *b, &["t2"]), Vec::<String>::new());
    append(&mut *b, 1, &["t2"]).unwrap();
}

fn only_the_latest_checkpoint_is_kept(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.load_checkpoint().unwrap(), None);
    append(&mut *s, 0, &["t1"]).unwrap();
    append(&mut *s, 1, &["t2"]).unwrap();
    s.save_checkpoint(1, b"state one").unwrap();
    f.clock.advance(60);
    s.save_checkpoint(2, b"state two").unwrap();
    let c = s.load_checkpoint().unwrap().unwrap();
    assert_eq!(
        (c.log_seq, c.state.as_slice(), c.saved_at),
        (2, &b"state two"[..], T0 + 60)
    );
    // Older than the stored one (a slow background save), or past the log.
    assert_err!(s.save_checkpoint(1, b"late"), StoreError::Invalid(_));
    assert_err!(s.save_checkpoint(3, b"ahead"), StoreError::Invalid(_));
    // A commit that carries one replaces it at its new end.
    let (bytes, txns) = chunk_of(&[logged("t3", 3)]);
    let done = s
        .commit_log(&LogCommit {
            after: 2,
            chunks: &[&bytes],
            txns: &txns,
            checkpoint: Some(b"state three"),
            ..LogCommit::default()
        })
        .unwrap();
    assert!(done.checkpoint);
    let c = s.load_checkpoint().unwrap().unwrap();
    assert_eq!((c.log_seq, c.state.as_slice()), (3, &b"state three"[..]));
    s.verify_audit().unwrap();
    // One row left: older ones are dropped.
    f.sql("INSERT INTO txns (txn_id, recorded_at) SELECT 'count-' || COUNT(*), 0 FROM checkpoints");
    assert_eq!(known_ids(&mut *s, &["count-1"]), ["count-1"]);
}

/// A checkpoint of megabytes is stored in parts of a megabyte (migration
/// 14) and comes back byte for byte; one saved whole before that still
/// loads; a part changed behind the store's back is found by verify.
fn a_large_checkpoint_is_kept_in_parts(f: &Fixture) {
    let mut s = f.open();
    append(&mut *s, 0, &["t1"]).unwrap();
    append(&mut *s, 1, &["t2"]).unwrap();
    // Not a whole number of parts, and no two parts alike.
    let state: Vec<u8> = (0..(5 << 19) + 7u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    s.save_checkpoint(1, &state).unwrap();
    let c = s.load_checkpoint().unwrap().unwrap();
    assert_eq!(c.log_seq, 1);
    assert!(c.state == state, "the parts put back together");
    s.verify_audit().unwrap();
    f.sql("INSERT INTO txns (txn_id, recorded_at) SELECT 'parts-' || COUNT(*), 0 FROM checkpoint_parts");
    assert_eq!(
        known_ids(&mut *s, &["parts-3"]),
        ["parts-3"],
        "2.5 MiB in three parts"
    );
    // Saved again at the same position: the parts there are replaced.
    let smaller = &state[..1000];
    s.save_checkpoint(1, smaller).unwrap();
    assert_eq!(s.load_checkpoint().unwrap().unwrap().state, smaller);
    s.save_checkpoint(2, &state).unwrap();
    // Part 1 overwritten with part 0 (the same length): the digest differs.
    f.sql(
        "UPDATE checkpoint_parts SET bytes = \
         (SELECT p.bytes FROM checkpoint_parts p WHERE p.part = 0) WHERE part = 1",
    );
    let findings = match s.verify_audit() {
        Err(StoreError::RowsDiffer(found)) => found,
        other => panic!("expected RowsDiffer, got {other:?}"),
    };
    assert!(
        findings
            .iter()
            .any(|m| m.message.starts_with("the engine checkpoint: ")),
        "{findings:?}"
    );
    // A checkpoint as migration 13 left it: whole in its row, no parts.
    let old = match f.kind {
        Kind::Sqlite => "X'6f6c64'",
        Kind::Postgres => "'\\x6f6c64'::bytea",
    };
    f.sql(&format!(
        "DELETE FROM checkpoint_parts; \
         UPDATE checkpoints SET state = {old}, parts = NULL, bytes = NULL"
    ));
    let c = s.load_checkpoint().unwrap().unwrap();
    assert_eq!((c.log_seq, c.state.as_slice()), (2, &b"old"[..]));
}

/// A write of megabytes (a scan's log, a checkpoint) commits whole and
/// reads back from another connection, whether the store has the database
/// to itself or another connection keeps it open (SQLite writes it through
/// a rollback journal only in the first case: docs/storage.md, "Large
/// writes", where a file as large as the write is not written that
/// way); it does not wait for that other connection, and the file is in
/// write-ahead logging again after it.
fn a_large_write_commits_alone_or_beside_another_connection(f: &Fixture) {
    let state: Vec<u8> = (0..(4u32 << 20))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    {
        let mut s = f.open();
        append(&mut *s, 0, &["big-1"]).unwrap();
        s.save_checkpoint(1, &state).unwrap();
    }
    let wal = || match f.kind {
        Kind::Sqlite => {
            let path = f.url.trim_start_matches("sqlite:");
            let c = rusqlite::Connection::open(path).unwrap();
            let mode: String = c
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            mode.eq_ignore_ascii_case("wal")
        }
        Kind::Postgres => true,
    };
    assert!(wal(), "write-ahead logging after the large write");
    let mut s = f.open();
    let c = s.load_checkpoint().unwrap().unwrap();
    assert_eq!(c.log_seq, 1);
    assert!(c.state == state, "the large write read back");
    // Another connection keeps the database open meanwhile.
    let mut other = f.open();
    assert_eq!(other.log_head().unwrap().seq, 1);
    append(&mut *s, 1, &["big-2"]).unwrap();
    let started = std::time::Instant::now();
    s.save_checkpoint(2, &state[..3 << 20]).unwrap();
    // Far below the 30 s a connection waits for another's lock.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "the large write waited for the other connection"
    );
    let c = other.load_checkpoint().unwrap().unwrap();
    assert_eq!(c.log_seq, 2);
    assert!(
        c.state[..] == state[..3 << 20],
        "read by the other connection"
    );
    // The other connection writes after it.
    append(&mut *other, 2, &["big-3"]).unwrap();
    drop(other);
    assert_eq!(s.log_head().unwrap().seq, 3);
    s.verify_audit().unwrap();
    assert!(wal(), "write-ahead logging after the shared large write");
}

/// More ids than one `IN` list holds (SQLite asks in lists of 500,
/// PostgreSQL with one array): every held id is found, no other.
fn many_txn_ids_are_looked_up_at_once(f: &Fixture) {
    let mut s = f.open();
    let held: Vec<String> = (0..1_203).map(|i| format!("m{i:05}")).collect();
    let held_refs: Vec<&str> = held.iter().map(String::as_str).collect();
    append(&mut *s, 0, &held_refs).unwrap();
    let asked: Vec<String> = (0..1_501).rev().map(|i| format!("m{i:05}")).collect();
    let asked_refs: Vec<&str> = asked.iter().map(String::as_str).collect();
    assert_eq!(known_ids(&mut *s, &asked_refs), held);
    assert_eq!(known_ids(&mut *s, &[]), Vec::<String>::new());
}

fn the_payment_log_is_append_only_and_verified(f: &Fixture) {
    let mut s = f.open();
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    s.save_checkpoint(1, b"state").unwrap();
    s.verify_audit().unwrap();
    assert!(f.raw("UPDATE payment_log SET payments = 3").is_err());
    assert!(f.raw("DELETE FROM payment_log").is_err());
    f.sql(match f.kind {
        Kind::Sqlite => "DROP TRIGGER payment_log_no_update;",
        Kind::Postgres => "DROP TRIGGER payment_log_append_only ON payment_log;",
    });
    f.sql("UPDATE payment_log SET recorded_at = recorded_at + 1");
    f.sql("UPDATE checkpoints SET saved_at = saved_at + 1");
    let findings = match s.verify_audit() {
        Err(StoreError::RowsDiffer(found)) => found,
        other => panic!("expected RowsDiffer, got {other:?}"),
    };
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("payment log chunk 1: ")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("the engine checkpoint: ")),
        "{messages:?}"
    );
}

fn alert_evidence_is_read_from_the_log(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    append(&mut *s, 1, &["t3"]).unwrap();
    let raised = [alert("R-1", Role::Receiver, 0.9, &["t3", "t1"])];
    let done = s
        .commit_log(&LogCommit {
            after: 2,
            alerts: AlertUpdate::Changed {
                raised: &raised,
                cleared: &[],
            },
            ..LogCommit::default()
        })
        .unwrap();
    assert_eq!(
        (done.seq, done.alerts_created.len(), done.payments_kept),
        (2, 1, 2)
    );
    let kept = s.payments(&["t1", "t2", "t3"], "aud").unwrap();
    assert_eq!(
        kept,
        [
            PaymentRecord::from_payment(&logged("t1", 0)),
            PaymentRecord::from_payment(&logged("t3", 0)),
        ]
    );
    // A settle that no longer raises it clears it; another party's alert stays.
    let other = [alert("S-1", Role::Sender, 0.7, &["t2"])];
    let done = s
        .commit_log(&LogCommit {
            after: 2,
            alerts: AlertUpdate::Changed {
                raised: &other,
                cleared: &[("R-1", Role::Receiver), ("R-404", Role::Receiver)],
            },
            ..LogCommit::default()
        })
        .unwrap();
    assert_eq!((done.alerts_cleared.len(), done.payments_kept), (1, 1));
    let alerts = s.alerts("aud").unwrap();
    let standing: Vec<(&str, bool)> = alerts
        .iter()
        .map(|a| (a.subject.as_str(), a.cleared_at.is_some()))
        .collect();
    assert_eq!(standing, [("R-1", true), ("S-1", false)]);
    s.verify_audit().unwrap();
}

fn an_alert_raised_again_unchanged_is_not_rewritten(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    let whole = |s: &mut dyn Store, alerts: &[Alert]| {
        s.commit_log(&LogCommit {
            after: 1,
            alerts: AlertUpdate::Whole(alerts),
            ..LogCommit::default()
        })
        .unwrap()
    };
    let first = [
        alert("R-1", Role::Receiver, 0.9, &["t1"]),
        alert("S-1", Role::Sender, 0.8, &["t2"]),
    ];
    assert_eq!(whole(&mut *s, &first).alerts_created.len(), 2);
    f.clock.advance(60);
    // The same again: nothing written, nothing cleared.
    let again = whole(&mut *s, &first);
    assert_eq!(
        (
            again.alerts_created.len(),
            again.alerts_updated.len(),
            again.alerts_cleared.len()
        ),
        (0, 0, 0)
    );
    let updated_at: Vec<i64> = s
        .alerts("aud")
        .unwrap()
        .iter()
        .map(|a| a.updated_at)
        .collect();
    assert_eq!(updated_at, [T0, T0]);
    // One changed, the other no longer raised.
    let changed = [alert("R-1", Role::Receiver, 0.95, &["t1", "t2"])];
    let done = whole(&mut *s, &changed);
    assert_eq!(
        (
            done.alerts_created.len(),
            done.alerts_updated.len(),
            done.alerts_cleared.len()
        ),
        (0, 1, 1)
    );
    // Raised again unchanged after it was cleared: standing again.
    let back = whole(&mut *s, &[changed[0].clone(), first[1].clone()]);
    assert_eq!(
        (back.alerts_updated.len(), back.alerts_cleared.len()),
        (1, 0)
    );
    s.verify_audit().unwrap();
}

/// A scan passes no evidence of its own: what its alerts cite in the
/// commit's chunks is kept from the chunks as the store checks them
/// (the scan no longer decodes its chunks to find it).
fn evidence_in_the_commits_own_chunks_is_kept(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    append(&mut *s, 0, &["t1"]).unwrap();
    let payments = [logged("t2", 1), logged("t3", 2)];
    let (bytes, txns) = chunk_of(&payments);
    let raised = [alert("R-1", Role::Receiver, 0.9, &["t1", "t3"])];
    let done = s
        .commit_log(&LogCommit {
            after: 1,
            chunks: &[&bytes],
            txns: &txns,
            alerts: AlertUpdate::Whole(&raised),
            ..LogCommit::default()
        })
        .unwrap();
    assert_eq!((done.seq, done.new_txns, done.payments_kept), (2, 2, 2));
    let kept = s.payments(&["t1", "t2", "t3"], "aud").unwrap();
    assert_eq!(
        kept,
        [
            PaymentRecord::from_payment(&logged("t1", 0)),
            PaymentRecord::from_payment(&logged("t3", 2)),
        ]
    );
    s.verify_audit().unwrap();
}

/// Migration 10 moves SQLite's txn ids into a WITHOUT ROWID table: the
/// ids, their digests and chunks stay, a re-sent id is still known and a
/// new one still taken (PostgreSQL's table is left as it is).
fn txn_ids_keep_their_digests_across_migration_10(f: &Fixture) {
    let mut s = f.open();
    append(&mut *s, 0, &["t1", "t2"]).unwrap();
    let before = s.known_txns(&["t1", "t2", "t9"]).unwrap();
    assert_eq!(before.len(), 2);
    drop(s);
    f.sql("DELETE FROM schema_version WHERE version = 10;");
    let mut s = f.open();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.known_txns(&["t1", "t2", "t9"]).unwrap(), before);
    assert!(matches!(
        append(&mut *s, 1, &["t2"]),
        Err(StoreError::AlreadyIngested(_))
    ));
    assert_eq!(append(&mut *s, 1, &["t3"]).unwrap().new_txns, 1);
    assert_eq!(s.log_head().unwrap().txns, 3);
    s.verify_audit().unwrap();
}
