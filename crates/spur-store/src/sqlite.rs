//! The embedded backend: one SQLite file, created on first use where the
//! caller allows it (`OpenMode`).

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::StoreError;
use crate::sql::{Backend, Cell, Dialect, Row, Tx, Value};

pub(crate) struct Sqlite {
    conn: Connection,
}

/// How long a connection waits for another's lock: a second `spur` may hold
/// the write lock for a whole scan batch.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Sqlite {
    pub(crate) fn open(path: &Path, create: bool) -> Result<Self, StoreError> {
        let flags = if create {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            OpenFlags::default()
        } else {
            OpenFlags::default() - OpenFlags::SQLITE_OPEN_CREATE
        };
        let conn = Connection::open_with_flags(path, flags)?;
        // Before any other statement: every later lock waits instead of failing.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        wal(&conn)?;
        // synchronous = FULL: in WAL mode every commit syncs the WAL file
        // before it returns, so a committed transaction survives kill -9
        // *and* a power loss (NORMAL would survive kill -9 only, and might
        // lose the last commits on power loss). Group commit pays one sync
        // per commit, not per payment. A 16 MiB page cache: the txn ids are
        // clustered by id and come mostly in order, so a scan inserting
        // 889,096 of them was no faster with 64 MiB (647-728 against
        // 742-859 ms); every cached page is memory touched for the first
        // time, which cost the day on the history 19,000 page faults against
        // 8,000-9,000 (docs/benchmarks.md). 8 MiB churned: twice the faults.
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -16384;",
        )?;
        Ok(Sqlite { conn })
    }
}

/// Switches the file to write-ahead logging (readers never block the writer).
///
/// The switch needs the exclusive lock while holding a shared one, and SQLite
/// answers "database is locked" at once rather than call the busy handler
/// (two connections upgrading could deadlock). That is what failed when two
/// processes opened a fresh file together; so retry until the busy timeout.
/// Once one connection has switched, the mode is in the file and the others
/// find it already set.
fn wal(conn: &Connection) -> Result<(), StoreError> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(1);
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(mode) => {
                return Err(StoreError::Corrupt(format!(
                    "the SQLite file cannot use write-ahead logging (journal mode {mode})"
                )))
            }
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

impl Backend for Sqlite {
    fn begin(&mut self, write: bool) -> Result<Box<dyn Tx + '_>, StoreError> {
        let behavior = if write {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        };
        Ok(Box::new(SqliteTx(
            self.conn.transaction_with_behavior(behavior)?,
        )))
    }

    /// A large write into a file that is small beside it (a first scan,
    /// the checkpoint after it) goes through a rollback journal instead of
    /// the write-ahead log: the log would take every page of it once and
    /// then copy it into the file (a first scan of 900,000 payments writes
    /// some 280 MB twice and reads it back once in between), where the
    /// rollback journal keeps only the old content of the pages the write
    /// changes, which for pages added at the end is nothing. Into a file
    /// larger than the write (a day on a long history) the write mostly
    /// changes pages already there, which the journal would copy first and
    /// sync twice: the log is cheaper there. Committed as durably
    /// (synchronous = FULL syncs journal and file). Leaving write-ahead
    /// logging needs the file to itself: when another connection has it
    /// open, this is tried once, without waiting, and the write goes
    /// through the log as usual.
    fn begin_bulk(&mut self, bytes: usize) -> Result<bool, StoreError> {
        let pages: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let page: i64 = self.conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        if (bytes as i64) < pages.saturating_mul(page) / 2 {
            return Ok(false);
        }
        self.conn.busy_timeout(Duration::ZERO)?;
        let mode = self
            .conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            });
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        match mode {
            Ok(m) if m.eq_ignore_ascii_case("delete") => {
                tracing::debug!(bytes, "large write: rollback journal");
                Ok(true)
            }
            Ok(_) => Ok(false),
            Err(e) if is_busy(&e) => {
                tracing::debug!("large write through the write-ahead log: the file is shared");
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Back to write-ahead logging (waiting for readers as opening does;
    /// should that fail, the next connection to open the file switches it
    /// back).
    fn end_bulk(&mut self) -> Result<(), StoreError> {
        wal(&self.conn)
    }
}

struct SqliteTx<'c>(Transaction<'c>);

/// `$1` → `?1`; spur's statements have no `$` anywhere else.
fn rewrite(sql: &str) -> String {
    sql.replace('$', "?")
}

/// A cell as SQLite binds it, borrowed where it lies.
fn bound(cell: Cell<'_>) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(match cell {
        Cell::Null => ValueRef::Null,
        Cell::Int(v) => ValueRef::Integer(v),
        Cell::Real(v) => ValueRef::Real(v),
        Cell::Text(v) => ValueRef::Text(v.as_bytes()),
        Cell::Blob(v) => ValueRef::Blob(v),
    })
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(bound(self.as_cell()))
    }
}

impl rusqlite::ToSql for Cell<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(bound(*self))
    }
}

fn value(v: ValueRef<'_>) -> Result<Value, StoreError> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(v) => Value::Int(v),
        ValueRef::Real(v) => Value::Real(v),
        ValueRef::Text(v) => Value::Text(
            String::from_utf8(v.to_vec())
                .map_err(|_| StoreError::Corrupt("text column is not UTF-8".into()))?,
        ),
        ValueRef::Blob(v) => Value::Blob(v.to_vec()),
    })
}

impl Tx for SqliteTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let mut stmt = self.0.prepare_cached(&rewrite(sql))?;
        Ok(stmt.execute(rusqlite::params_from_iter(params))? as u64)
    }

    /// One after another (SQLite has no round trips), each cell bound
    /// where it lies.
    fn execute_each(&mut self, statements: &[(&str, &[Cell<'_>])]) -> Result<u64, StoreError> {
        let mut changed = 0;
        for (sql, cells) in statements {
            let mut stmt = self.0.prepare_cached(&rewrite(sql))?;
            changed += stmt.execute(rusqlite::params_from_iter(cells.iter()))? as u64;
        }
        Ok(changed)
    }

    fn execute_with_blob(
        &mut self,
        sql: &str,
        params: &[Value],
        blob: &[u8],
    ) -> Result<u64, StoreError> {
        let mut stmt = self.0.prepare_cached(&rewrite(sql))?;
        for (i, p) in params.iter().enumerate() {
            stmt.raw_bind_parameter(i + 1, p)?;
        }
        stmt.raw_bind_parameter(params.len() + 1, blob)?;
        Ok(stmt.raw_execute()? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.0.prepare_cached(&rewrite(sql))?;
        let columns = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(value(row.get_ref(i)?)?);
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn load_blob(
        &mut self,
        table: &str,
        column: &str,
        key: &str,
        value: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let rowid = {
            let mut stmt = self
                .0
                .prepare_cached(&format!("SELECT rowid FROM {table} WHERE {key} = ?1"))?;
            let mut rows = stmt.query([value])?;
            match rows.next()? {
                Some(r) => r.get::<_, i64>(0)?,
                None => return Ok(None),
            }
        };
        let blob = self
            .0
            .blob_open(rusqlite::MAIN_DB, table, column, rowid, true)?;
        let mut bytes = vec![0u8; blob.len()];
        blob.read_at_exact(&mut bytes, 0)?;
        Ok(Some(bytes))
    }

    /// The parts read one row at a time, each copied from SQLite's row
    /// straight into the one buffer.
    fn load_parts(
        &mut self,
        table: &str,
        key: i64,
        len: usize,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let mut stmt = self.0.prepare_cached(&format!(
            "SELECT bytes FROM {table} WHERE log_seq = ?1 ORDER BY part"
        ))?;
        let mut rows = stmt.query([key])?;
        let mut out: Option<Vec<u8>> = None;
        while let Some(row) = rows.next()? {
            match row.get_ref(0)? {
                ValueRef::Blob(b) => out
                    .get_or_insert_with(|| Vec::with_capacity(len))
                    .extend_from_slice(b),
                _ => {
                    return Err(StoreError::Corrupt(format!(
                        "{table}.bytes: expected bytes"
                    )))
                }
            }
        }
        Ok(out)
    }

    fn execute_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let started = Instant::now();
        self.0.commit()?;
        // A big commit's time is here: the WAL's sync and the checkpoint
        // of the WAL into the file that follows it.
        tracing::trace!(
            ms = started.elapsed().as_secs_f64() * 1e3,
            "sqlite transaction committed"
        );
        Ok(())
    }
}
