//! Numbered schema migrations, applied on open, all in one transaction.
//!
//! Each migration is SQL shared by both dialects where it can be (`{serial}`
//! and `{blob}` stand for the few type names that differ) plus optional
//! dialect-only SQL. Never edit a released migration: add the next one.

use spur_engine::Timestamp;
use tracing::info;

use crate::error::StoreError;
use crate::sql::{params, Dialect, Tx};

struct Migration {
    version: i64,
    name: &'static str,
    shared: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "tables",
        shared: r#"
CREATE TABLE users (
    id {serial},
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE txns (
    txn_id TEXT PRIMARY KEY,
    recorded_at BIGINT NOT NULL
);
CREATE TABLE engine_state (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL,
    state {blob} NOT NULL,
    saved_at BIGINT NOT NULL
);
CREATE TABLE alerts (
    id {serial},
    subject TEXT NOT NULL,
    role TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    country TEXT NOT NULL,
    indicators TEXT NOT NULL,
    transactions TEXT NOT NULL,
    body TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (subject, role)
);
CREATE TABLE cases (
    id {serial},
    status TEXT NOT NULL,
    disposition TEXT NOT NULL,
    assignee TEXT,
    close_reason TEXT,
    opened_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE case_alerts (
    alert_id BIGINT PRIMARY KEY REFERENCES alerts (id),
    case_id BIGINT NOT NULL REFERENCES cases (id),
    seq BIGINT NOT NULL
);
CREATE INDEX case_alerts_case ON case_alerts (case_id);
CREATE TABLE case_notes (
    id {serial},
    case_id BIGINT NOT NULL REFERENCES cases (id),
    author TEXT NOT NULL,
    noted_at BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id);
CREATE TABLE reports (
    id {serial},
    case_id BIGINT NOT NULL REFERENCES cases (id),
    profile TEXT NOT NULL,
    xml TEXT NOT NULL,
    author TEXT NOT NULL,
    status TEXT NOT NULL,
    approved_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    approved_at BIGINT,
    filed_at BIGINT
);
CREATE INDEX reports_case ON reports (case_id);
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    recorded_at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 2,
        name: "append-only audit log and immutable filed reports",
        shared: "",
        sqlite: r#"
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER reports_filed_no_update BEFORE UPDATE ON reports WHEN OLD.status = 'filed'
BEGIN SELECT RAISE(ABORT, 'a filed report is immutable'); END;
CREATE TRIGGER reports_filed_no_delete BEFORE DELETE ON reports WHEN OLD.status = 'filed'
BEGIN SELECT RAISE(ABORT, 'a filed report is immutable'); END;
"#,
        postgres: r#"
CREATE FUNCTION spur_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION spur_refuse_change('the audit log is append-only');
CREATE TRIGGER reports_filed_immutable BEFORE UPDATE OR DELETE ON reports
FOR EACH ROW WHEN (OLD.status = 'filed') EXECUTE FUNCTION spur_refuse_change('a filed report is immutable');
"#,
    },
    Migration {
        version: 3,
        name: "evidence payments; cleared alerts",
        shared: r#"
CREATE TABLE payments (
    txn_id TEXT PRIMARY KEY,
    paid_at BIGINT NOT NULL,
    amount DOUBLE PRECISION NOT NULL,
    currency TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    sender_name TEXT NOT NULL,
    sender_country TEXT NOT NULL,
    receiver_id TEXT NOT NULL,
    receiver_name TEXT NOT NULL,
    receiver_country TEXT NOT NULL,
    channel TEXT NOT NULL,
    message TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
ALTER TABLE alerts ADD COLUMN cleared_at BIGINT;
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 4,
        name: "report authors, entity references, corrections, the analyst's choices",
        // Reports from before keep NULL authors (read as their author) and a
        // NULL entity_reference (their XML carries the case id): filling them
        // in would need an UPDATE of filed reports, which the database refuses.
        shared: r#"
ALTER TABLE reports ADD COLUMN authors TEXT;
ALTER TABLE reports ADD COLUMN entity_reference TEXT;
ALTER TABLE reports ADD COLUMN corrects BIGINT REFERENCES reports (id);
ALTER TABLE reports ADD COLUMN fiu_ref_number TEXT;
ALTER TABLE reports ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN action TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN all_evidence BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX reports_entity_reference ON reports (entity_reference);
CREATE INDEX payments_sender ON payments (sender_id);
CREATE INDEX payments_receiver ON payments (receiver_id);
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 5,
        name: "a digest of each ingested payment's content",
        shared: "ALTER TABLE txns ADD COLUMN digest {blob};",
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 6,
        name: "row digests in the audit chain; disabled users",
        shared: r#"
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE audit_log ADD COLUMN rows_sha256 TEXT;
CREATE TABLE audit_rows (
    entry_id BIGINT NOT NULL,
    object TEXT NOT NULL,
    digest TEXT,
    PRIMARY KEY (entry_id, object)
);
CREATE INDEX audit_rows_object ON audit_rows (object, entry_id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_object ON audit_log (object, id);
"#,
        sqlite: r#"
CREATE TRIGGER audit_rows_no_update BEFORE UPDATE ON audit_rows
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_rows_no_delete BEFORE DELETE ON audit_rows
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#,
        postgres: r#"
CREATE TRIGGER audit_rows_append_only BEFORE UPDATE OR DELETE ON audit_rows
FOR EACH ROW EXECUTE FUNCTION spur_refuse_change('the audit log is append-only');
"#,
    },
    Migration {
        version: 7,
        name: "API tokens",
        // Only the SHA-256 of a token's secret is kept (token.rs).
        shared: r#"
CREATE TABLE api_tokens (
    id {serial},
    user_id BIGINT NOT NULL REFERENCES users (id),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 8,
        name: "payment log and engine checkpoints",
        // `txns.log_seq` names the chunk a txn came in (NULL for ids from
        // before the log), so that an alert's evidence can be read back
        // from the log. `log_head` is where the log ends and the count of
        // txn ids, kept so that a commit need not count the table.
        shared: r#"
CREATE TABLE checkpoints (
    log_seq BIGINT PRIMARY KEY,
    state {blob} NOT NULL,
    saved_at BIGINT NOT NULL
);
CREATE TABLE log_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL,
    txns BIGINT NOT NULL
);
INSERT INTO log_head (id, last_seq, txns) SELECT 1, 0, COUNT(*) FROM txns;
ALTER TABLE txns ADD COLUMN log_seq BIGINT;
"#,
        // SQLite: an INTEGER PRIMARY KEY is the row id itself, no second index.
        sqlite: r#"
CREATE TABLE payment_log (
    seq INTEGER PRIMARY KEY,
    payments BIGINT NOT NULL,
    bytes BLOB NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE TRIGGER payment_log_no_update BEFORE UPDATE ON payment_log
BEGIN SELECT RAISE(ABORT, 'the payment log is append-only'); END;
CREATE TRIGGER payment_log_no_delete BEFORE DELETE ON payment_log
BEGIN SELECT RAISE(ABORT, 'the payment log is append-only'); END;
"#,
        postgres: r#"
CREATE TABLE payment_log (
    seq BIGINT PRIMARY KEY,
    payments BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE TRIGGER payment_log_append_only BEFORE UPDATE OR DELETE ON payment_log
FOR EACH ROW EXECUTE FUNCTION spur_refuse_change('the payment log is append-only');
"#,
    },
    // Written before 7 and 8 were merged: a database may hold 9 without
    // them (see `migrate`: each missing version is applied, not only those
    // above the highest).
    Migration {
        version: 9,
        name: "indices for the paged lists",
        // Keyset pages: alerts by score then id; a party's kept payments by
        // time on each side (these replace the single-column ones of
        // migration 4); cases and reports by their filters.
        // IF [NOT] EXISTS: indices only, so applying it again is harmless.
        shared: r#"
CREATE INDEX IF NOT EXISTS alerts_score ON alerts (score DESC, id);
CREATE INDEX IF NOT EXISTS payments_sender_time ON payments (sender_id, paid_at, txn_id);
CREATE INDEX IF NOT EXISTS payments_receiver_time ON payments (receiver_id, paid_at, txn_id);
DROP INDEX IF EXISTS payments_sender;
DROP INDEX IF EXISTS payments_receiver;
CREATE INDEX IF NOT EXISTS cases_status ON cases (status, id);
CREATE INDEX IF NOT EXISTS cases_assignee ON cases (assignee, id);
CREATE INDEX IF NOT EXISTS reports_status ON reports (status, id);
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 10,
        name: "txn ids clustered by their id (SQLite)",
        shared: "",
        // A rowid table with a TEXT primary key is two b-trees, the rows by
        // rowid and the automatic index by txn id, both written for every
        // id a scan records (2.4 s of a 889,096-payment scan's commit).
        // WITHOUT ROWID keeps the rows in the one b-tree of their key.
        // PostgreSQL's heap and primary key index stay as they are.
        sqlite: r#"
CREATE TABLE txns_by_id (
    txn_id TEXT NOT NULL PRIMARY KEY,
    recorded_at BIGINT NOT NULL,
    digest BLOB,
    log_seq BIGINT
) WITHOUT ROWID;
INSERT INTO txns_by_id (txn_id, recorded_at, digest, log_seq)
    SELECT txn_id, recorded_at, digest, log_seq FROM txns;
DROP TABLE txns;
ALTER TABLE txns_by_id RENAME TO txns;
"#,
        postgres: "",
    },
    Migration {
        version: 11,
        name: "labels and learned models",
        // `labels`: the analysts' dispositions imported from a file (a closed
        // case's disposition is read from the case, not copied here). `source`
        // is `import` (with the file's name in `source_file`). `models`: one
        // row per trained version, its JSON (`body`: features, weights,
        // standardisation) and its cross-validated figures; `status` is
        // refused | candidate | active | retired, at most one active.
        shared: r#"
CREATE TABLE labels (
    id {serial},
    party_id TEXT NOT NULL,
    role TEXT NOT NULL,
    disposition TEXT NOT NULL,
    source TEXT NOT NULL,
    source_file TEXT,
    labelled_by TEXT NOT NULL,
    labelled_at BIGINT NOT NULL
);
CREATE INDEX labels_party ON labels (party_id, role, id);
CREATE TABLE models (
    version {serial},
    status TEXT NOT NULL,
    refusal TEXT,
    trainer TEXT NOT NULL,
    trained_at BIGINT NOT NULL,
    labels BIGINT NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    cv_precision DOUBLE PRECISION NOT NULL,
    cv_recall DOUBLE PRECISION NOT NULL,
    rules_precision DOUBLE PRECISION NOT NULL,
    rules_recall DOUBLE PRECISION NOT NULL,
    body TEXT NOT NULL,
    activated_by TEXT,
    activated_at BIGINT
);
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 12,
        name: "match runs and outside evidence (spur match)",
        shared: r#"
CREATE TABLE match_runs (
    id {serial},
    side TEXT NOT NULL CHECK (side IN ('served', 'made')),
    peer TEXT NOT NULL,
    actor TEXT NOT NULL,
    mode TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    offered BIGINT NOT NULL,
    received BIGINT NOT NULL,
    matched BIGINT
);
CREATE INDEX match_runs_actor ON match_runs (side, actor, started_at);
CREATE TABLE outside_evidence (
    id {serial},
    peer TEXT NOT NULL,
    mode TEXT NOT NULL,
    run_id BIGINT NOT NULL REFERENCES match_runs (id),
    party_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('sender', 'receiver')),
    kind TEXT NOT NULL CHECK (kind IN ('same_party', 'counterparty')),
    band DOUBLE PRECISION NOT NULL,
    parties BIGINT NOT NULL,
    payments BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX outside_evidence_peer ON outside_evidence (peer, mode);
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 13,
        name: "log chunks and checkpoints compressed with lz4 (PostgreSQL)",
        shared: "",
        sqlite: "",
        // PostgreSQL compresses a large bytea with pglz by default: saving a
        // 105 MB checkpoint took 10 s of the server's CPU, and the log's
        // chunks 8 s of a scan (issue 13). lz4 (PostgreSQL 14 and later,
        // when built with it) does the same in about a tenth of that for a
        // tenth more bytes. A server without it stores them uncompressed
        // (still about a third of pglz's time). Values stored before keep
        // their compression; PostgreSQL reads both.
        postgres: r#"
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        BEGIN
            EXECUTE 'ALTER TABLE payment_log ALTER COLUMN bytes SET COMPRESSION lz4';
            EXECUTE 'ALTER TABLE checkpoints ALTER COLUMN state SET COMPRESSION lz4';
            RETURN;
        EXCEPTION WHEN feature_not_supported THEN
            NULL;
        END;
    END IF;
    ALTER TABLE payment_log ALTER COLUMN bytes SET STORAGE EXTERNAL;
    ALTER TABLE checkpoints ALTER COLUMN state SET STORAGE EXTERNAL;
END
$$;
"#,
    },
    Migration {
        version: 14,
        name: "engine checkpoints in parts",
        // A checkpoint of a hundred megabytes as one value: PostgreSQL
        // builds, compresses and later rebuilds it whole, 2.9 s to save and
        // 1.4 s to load on 889,096 payments against 1.2 s and 0.13 s on
        // SQLite (issue 13). Parts of a megabyte stream in and out with
        // COPY. `parts` NULL: a checkpoint saved before, whole in `state`.
        shared: r#"
CREATE TABLE checkpoint_parts (
    log_seq BIGINT NOT NULL,
    part BIGINT NOT NULL,
    bytes {blob} NOT NULL,
    PRIMARY KEY (log_seq, part)
);
ALTER TABLE checkpoints ADD COLUMN parts BIGINT;
ALTER TABLE checkpoints ADD COLUMN bytes BIGINT;
"#,
        sqlite: "",
        postgres: r#"
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 140000 THEN
        BEGIN
            EXECUTE 'ALTER TABLE checkpoint_parts ALTER COLUMN bytes SET COMPRESSION lz4';
            RETURN;
        EXCEPTION WHEN feature_not_supported THEN
            NULL;
        END;
    END IF;
    ALTER TABLE checkpoint_parts ALTER COLUMN bytes SET STORAGE EXTERNAL;
END
$$;
"#,
    },
    Migration {
        version: 15,
        name: "outside evidence about a party of the same name (spur match)",
        shared: "",
        // SQLite cannot change a CHECK constraint: the table is built again.
        sqlite: r#"
CREATE TABLE outside_evidence_v15 (
    id {serial},
    peer TEXT NOT NULL,
    mode TEXT NOT NULL,
    run_id BIGINT NOT NULL REFERENCES match_runs (id),
    party_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('sender', 'receiver')),
    kind TEXT NOT NULL CHECK (kind IN ('same_party', 'counterparty', 'same_name')),
    band DOUBLE PRECISION NOT NULL,
    parties BIGINT NOT NULL,
    payments BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL
);
INSERT INTO outside_evidence_v15
    SELECT id, peer, mode, run_id, party_id, role, kind, band, parties, payments, recorded_at
    FROM outside_evidence;
DROP TABLE outside_evidence;
ALTER TABLE outside_evidence_v15 RENAME TO outside_evidence;
CREATE INDEX outside_evidence_peer ON outside_evidence (peer, mode);
"#,
        postgres: r#"
ALTER TABLE outside_evidence DROP CONSTRAINT outside_evidence_kind_check;
ALTER TABLE outside_evidence ADD CONSTRAINT outside_evidence_kind_check
    CHECK (kind IN ('same_party', 'counterparty', 'same_name'));
"#,
    },
    Migration {
        version: 16,
        name: "differential-privacy noise of spur stats, drawn once",
        shared: r#"
CREATE TABLE stats_noise (
    key TEXT PRIMARY KEY,
    noise TEXT NOT NULL,
    epsilon DOUBLE PRECISION NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 17,
        name: "the alerted lists' sizes of a same-side match run (capture-recapture)",
        shared: r#"
ALTER TABLE match_runs ADD COLUMN receivers_here BIGINT;
ALTER TABLE match_runs ADD COLUMN receivers_there BIGINT;
ALTER TABLE match_runs ADD COLUMN receivers_both BIGINT;
ALTER TABLE match_runs ADD COLUMN senders_here BIGINT;
ALTER TABLE match_runs ADD COLUMN senders_there BIGINT;
ALTER TABLE match_runs ADD COLUMN senders_both BIGINT;
"#,
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 18,
        name: "the capture histories of a census (JSON, counts only)",
        shared: r#"
ALTER TABLE match_runs ADD COLUMN histories TEXT;
"#,
        sqlite: "",
        postgres: "",
    },
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

fn render(sql: &str, dialect: Dialect) -> String {
    let (serial, blob) = match dialect {
        Dialect::Sqlite => ("INTEGER PRIMARY KEY", "BLOB"),
        Dialect::Postgres => (
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            "BYTEA",
        ),
    };
    sql.replace("{serial}", serial).replace("{blob}", blob)
}

/// Whether spur has created its tables in this database (any version).
pub(crate) fn has_schema(tx: &mut dyn Tx) -> Result<bool, StoreError> {
    let sql = match tx.dialect() {
        Dialect::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        }
        Dialect::Postgres => {
            "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_version'"
        }
    };
    Ok(tx.query_one(sql, &[])?.int(0)? > 0)
}

/// The version that added row digests to the audit chain: a database
/// migrated across it gets a baseline entry for the rows it already held.
pub(crate) const ROW_DIGESTS: i64 = 6;

/// The version from which match runs (and censuses) are protected rows: a
/// database migrated across it gets a baseline entry for the runs it held.
pub(crate) const MATCH_RUN_DIGESTS: i64 = 18;

/// Brings the schema to [`SCHEMA_VERSION`]; refuses a newer one. Returns
/// the version found (0 for a new database).
pub(crate) fn migrate(tx: &mut dyn Tx, now: Timestamp) -> Result<i64, StoreError> {
    // Increasing; numbers may be skipped while branches hold them (every
    // version not applied yet is applied, see below).
    debug_assert!(MIGRATIONS.windows(2).all(|w| w[1].version > w[0].version));
    if tx.dialect() == Dialect::Postgres {
        // Two servers opening a fresh database at once: one migrates, the other waits.
        tx.execute("SELECT pg_advisory_xact_lock(7300154113)", &[])?;
    }
    // Looked up rather than `CREATE TABLE IF NOT EXISTS`, which PostgreSQL
    // answers on every connection with a NOTICE that reached the log at
    // info level.
    if !has_schema(tx)? {
        tx.execute_batch(
            "CREATE TABLE schema_version (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )?;
    }
    let found = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])?
        .int(0)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    // Every version not applied yet, not only those above the highest: a
    // database written by a build that had 9 before 7 and 8 were merged
    // still gets 7 and 8.
    let applied: Vec<i64> = tx
        .query("SELECT version FROM schema_version", &[])?
        .iter()
        .map(|r| r.int(0))
        .collect::<Result<_, _>>()?;
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let own = match tx.dialect() {
            Dialect::Sqlite => m.sqlite,
            Dialect::Postgres => m.postgres,
        };
        tx.execute_batch(&render(m.shared, tx.dialect()))?;
        tx.execute_batch(&render(own, tx.dialect()))?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
            params![m.version, now],
        )?;
        info!(
            version = m.version,
            name = m.name,
            "applied schema migration"
        );
    }
    Ok(found)
}
