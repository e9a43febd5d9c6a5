//! The team backend: a PostgreSQL server, reached without TLS (loopback or a
//! private network the institution secures).
//!
//! What makes it fast (issue 13): each connection prepares a statement once
//! and keeps it ([`Statements`]); bulk inserts (a scan's txn ids, evidence
//! payments) travel as one binary `COPY` instead of multi-row INSERTs;
//! statements that do not wait for one another's answers are pipelined
//! ([`Tx::execute_each`]: sent together, answered together, one round trip);
//! and a transaction that PostgreSQL aborts for a deadlock or a
//! serialization failure is reported as transient, so the store runs it
//! again ([`Backend::transient`]) instead of showing the user the error.
//!
//! The client is tokio-postgres, driven by a single-threaded tokio runtime
//! that each connection owns: the store's interface stays blocking (the
//! same `Store` as SQLite's), each call runs the runtime until its answer
//! has come (`block_on`), and concurrent requests within one call go out
//! pipelined. Like every blocking store call, it must not be made from a
//! thread that is already running a tokio runtime (`spur serve` calls the
//! store from its own threads, docs/server.md).

use std::collections::HashMap;
use std::io::Read;
use std::pin::Pin;

use bytes::{Buf, Bytes, BytesMut};
use futures_util::future::try_join_all;
use futures_util::{pin_mut, Stream, StreamExt};
use tokio::runtime::Runtime;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::{Client, IsolationLevel, NoTls, Statement, Transaction};

use crate::error::StoreError;
use crate::sql::{
    insert_all_each, insert_new_portable, Backend, Cell, Dialect, Inserted, Keys, NewRows, Row, Tx,
    Value, PART_BYTES,
};

pub(crate) struct Postgres {
    /// Drives the connection and every request on this thread.
    runtime: Runtime,
    client: Client,
    statements: Statements,
}

impl Postgres {
    pub(crate) fn connect(url: &str) -> Result<Self, StoreError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let (client, connection) = runtime.block_on(tokio_postgres::connect(url, NoTls))?;
        // The connection's task runs whenever the runtime does: during each
        // request's `block_on`. It ends when the client is dropped or the
        // server goes; a request after that fails with "connection closed".
        runtime.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "the PostgreSQL connection ended");
            }
        });
        Ok(Postgres {
            runtime,
            client,
            statements: Statements::default(),
        })
    }
}

/// Prepared statements of one connection, by their SQL text. spur's
/// statements are few (IN lists and multi-row INSERTs come in a few
/// lengths), so the cache is small and simply starts over when full.
#[derive(Default)]
struct Statements(HashMap<String, Statement>);

/// Statements a connection keeps at most.
const STATEMENTS: usize = 256;

impl Statements {
    async fn get(
        &mut self,
        tx: &Transaction<'_>,
        sql: &str,
    ) -> Result<Statement, tokio_postgres::Error> {
        if let Some(s) = self.0.get(sql) {
            return Ok(s.clone());
        }
        let statement = tx.prepare(sql).await?;
        if self.0.len() >= STATEMENTS {
            self.0.clear();
        }
        self.0.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

impl Backend for Postgres {
    fn begin(&mut self, write: bool) -> Result<Box<dyn Tx + '_>, StoreError> {
        let mut builder = self.client.build_transaction();
        if !write {
            // One consistent snapshot for multi-query reads (a case and its notes).
            builder = builder
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true);
        }
        let tx = self.runtime.block_on(builder.start())?;
        Ok(Box::new(PostgresTx {
            tx: Some(tx),
            runtime: &self.runtime,
            statements: &mut self.statements,
        }))
    }

    fn transient(&self, e: &StoreError) -> bool {
        let StoreError::Database(inner) = e else {
            return false;
        };
        inner
            .downcast_ref::<tokio_postgres::Error>()
            .and_then(tokio_postgres::Error::code)
            .is_some_and(|code| {
                *code == SqlState::T_R_SERIALIZATION_FAILURE
                    || *code == SqlState::T_R_DEADLOCK_DETECTED
            })
    }
}

/// An open transaction (`None` once committed). Dropped without a commit,
/// it is rolled back there and then: tokio-postgres would only queue the
/// `ROLLBACK` until the connection's next request, and meanwhile its row
/// locks would hold up every other writer.
struct PostgresTx<'c> {
    tx: Option<Transaction<'c>>,
    runtime: &'c Runtime,
    statements: &'c mut Statements,
}

impl Drop for PostgresTx<'_> {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            // A failed rollback leaves nothing to undo: the server ends a
            // transaction whose connection is gone.
            let _ = self.runtime.block_on(tx.rollback());
        }
    }
}

/// Rows below which a bulk insert is one multi-row INSERT (a `COPY` costs a
/// savepoint and three round trips more).
const COPY_FROM: usize = 64;

/// Rows from which a bulk insert that outnumbers the rows a table holds
/// copies into the table without its primary key and builds the key's index
/// again afterwards ([`PostgresTx::copy_rebuilding`]).
const REBUILD_FROM: usize = 100_000;

impl ToSql for Cell<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Cell::Null => Ok(IsNull::Yes),
            Cell::Int(v) => v.to_sql(ty, out),
            Cell::Real(v) => v.to_sql(ty, out),
            Cell::Text(v) => v.to_sql(ty, out),
            Cell::Blob(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        self.as_cell().to_sql(ty, out)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

fn row(r: &tokio_postgres::Row) -> Result<Row, StoreError> {
    let mut values = Vec::with_capacity(r.len());
    for (i, column) in r.columns().iter().enumerate() {
        let ty = column.type_();
        let v = if *ty == Type::INT8 {
            r.try_get::<_, Option<i64>>(i)?
                .map_or(Value::Null, Value::Int)
        } else if *ty == Type::INT4 {
            r.try_get::<_, Option<i32>>(i)?
                .map_or(Value::Null, |v| Value::Int(v.into()))
        } else if *ty == Type::FLOAT8 {
            r.try_get::<_, Option<f64>>(i)?
                .map_or(Value::Null, Value::Real)
        } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::NAME {
            r.try_get::<_, Option<String>>(i)?
                .map_or(Value::Null, Value::Text)
        } else if *ty == Type::BYTEA {
            r.try_get::<_, Option<Vec<u8>>>(i)?
                .map_or(Value::Null, Value::Blob)
        } else {
            return Err(StoreError::Corrupt(format!(
                "column {i} has unexpected type {ty}"
            )));
        };
        values.push(v);
    }
    Ok(Row(values))
}

impl<'c> PostgresTx<'c> {
    /// The open transaction.
    fn tx(&mut self) -> Result<&mut Transaction<'c>, StoreError> {
        self.tx
            .as_mut()
            .ok_or_else(|| StoreError::Corrupt("a statement after the commit".into()))
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        let Some(tx) = self.tx.as_ref() else {
            return Err(StoreError::Corrupt("a statement after the commit".into()));
        };
        Ok(self.runtime.block_on(self.statements.get(tx, sql))?)
    }

    /// The column types of `rows`' columns, in their order.
    fn copy_types(&mut self, rows: &NewRows<'_>, columns: &str) -> Result<Vec<Type>, StoreError> {
        Ok(self
            .statement(&format!("SELECT {columns} FROM {} LIMIT 0", rows.table))?
            .columns()
            .iter()
            .map(|c| c.type_().clone())
            .collect())
    }

    /// The rows by binary `COPY` under a savepoint, all or none: `Ok(None)`
    /// if a key is held already (nothing is left of the copy then). With
    /// `rebuilding` (the table's primary key constraint, quoted), the copy
    /// goes into the table without that key, which is built again after it
    /// ([`PostgresTx::copy_rebuilding`]); a key given twice then fails too.
    fn copy_new(
        &mut self,
        rows: &NewRows<'_>,
        rebuilding: Option<&str>,
    ) -> Result<Option<u64>, StoreError> {
        let columns = rows.columns.join(", ");
        let types = self.copy_types(rows, &columns)?;
        if rebuilding.is_some() {
            // The table changes shape twice: plans prepared before are dropped.
            self.statements.0.clear();
        }
        let runtime = self.runtime;
        let tx = self.tx()?;
        let copied = runtime.block_on(async {
            let savepoint = tx.savepoint("spur_copy").await?;
            let alter = |change: String| format!("ALTER TABLE {} {change}", rows.table);
            if let Some(key) = rebuilding {
                savepoint
                    .batch_execute(&alter(format!("DROP CONSTRAINT {key}")))
                    .await?;
            }
            let n = copy_rows(&savepoint, rows, &columns, &types).await?;
            if let Some(key) = rebuilding {
                savepoint
                    .batch_execute(&alter(format!(
                        "ADD CONSTRAINT {key} PRIMARY KEY ({})",
                        rows.key
                    )))
                    .await?;
            }
            savepoint.commit().await?;
            Ok::<_, tokio_postgres::Error>(n)
        });
        match copied {
            Ok(n) => Ok(Some(n)),
            // Dropping the savepoint rolls the copy back, the key included.
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// As [`PostgresTx::copy_new`] for rows that outnumber those the table
    /// holds (a first scan of a history into an empty database): the copy
    /// goes into the table without its primary key, whose index is then
    /// built again in one sort, PostgreSQL's own advice for loading many
    /// rows ("Populating a Database"). A million txn ids: the copy into
    /// the indexed table 1.07 s of the server's time, without the index
    /// 0.40 s and the index built after it 0.24 s (quiet machine).
    ///
    /// `Ok(None)` if a key is held already or given twice (building the
    /// key fails; nothing is left of the copy then), also when the table's
    /// primary key is not the one text column `rows.key`: the caller then
    /// inserts as usual. Until the transaction ends, the table is locked
    /// for every other reader and writer (`ALTER TABLE` takes an ACCESS
    /// EXCLUSIVE lock): a scan's commit locks the log head anyway, and a
    /// lookup of txn ids waits for it.
    fn copy_rebuilding(&mut self, rows: &NewRows<'_>) -> Result<Option<u64>, StoreError> {
        let runtime = self.runtime;
        let key = runtime.block_on(self.tx()?.query(
            "SELECT c.conname, a.attname FROM pg_constraint c \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
             WHERE c.conrelid = $1::text::regclass AND c.contype = 'p'",
            &[&rows.table],
        ))?;
        let constraint = match key.as_slice() {
            [only] if only.get::<_, &str>(1) == rows.key => only.get::<_, String>(0),
            _ => return Ok(None),
        };
        let quoted = format!("\"{}\"", constraint.replace('"', "\"\""));
        self.copy_new(rows, Some(&quoted))
    }

    /// A binary `COPY ... TO STDOUT` of `query`, read as it comes.
    fn copy_out(&mut self, query: &str) -> Result<CopyOut<'_>, StoreError> {
        let runtime = self.runtime;
        let stream = runtime.block_on(self.tx()?.copy_out(query))?;
        Ok(CopyOut {
            runtime: self.runtime,
            stream: Box::pin(stream),
            buffered: Bytes::new(),
        })
    }
}

async fn copy_rows(
    tx: &Transaction<'_>,
    rows: &NewRows<'_>,
    columns: &str,
    types: &[Type],
) -> Result<u64, tokio_postgres::Error> {
    let sink = tx
        .copy_in(&format!(
            "COPY {} ({columns}) FROM STDIN (FORMAT binary)",
            rows.table
        ))
        .await?;
    let writer = BinaryCopyInWriter::new(sink, types);
    pin_mut!(writer);
    let width = rows.columns.len();
    let mut cells: Vec<Cell<'_>> = Vec::with_capacity(width);
    for r in 0..rows.len {
        cells.clear();
        cells.extend((0..width).map(|c| (rows.cell)(r, c)));
        writer
            .as_mut()
            .write_raw(cells.iter().map(|c| c as &(dyn ToSql + Sync)))
            .await?;
    }
    writer.finish().await
}

/// The bytes of a `COPY ... TO STDOUT`, read as a blocking reader: each
/// read that finds the buffered message used up runs the runtime until the
/// next one has come.
struct CopyOut<'a> {
    runtime: &'a Runtime,
    stream: Pin<Box<tokio_postgres::CopyOutStream>>,
    buffered: Bytes,
}

impl Read for CopyOut<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while !self.buffered.has_remaining() {
            match self.runtime.block_on(next(&mut self.stream)) {
                Some(Ok(bytes)) => self.buffered = bytes,
                Some(Err(e)) => return Err(std::io::Error::other(e)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.buffered.remaining());
        self.buffered.copy_to_slice(&mut buf[..n]);
        Ok(n)
    }
}

async fn next<S: Stream + ?Sized + Unpin>(stream: &mut S) -> Option<S::Item> {
    stream.next().await
}

enum CopyRead {
    Io(std::io::Error),
    Format(&'static str),
}

/// Reads the header of a binary `COPY ... TO STDOUT` (signature, flags and
/// the header extension, which is skipped).
fn skip_copy_header(reader: &mut impl Read) -> Result<(), CopyRead> {
    let mut header = [0u8; 19];
    reader.read_exact(&mut header).map_err(CopyRead::Io)?;
    if &header[..11] != b"PGCOPY\n\xff\r\n\0" {
        return Err(CopyRead::Format("not PostgreSQL's binary copy format"));
    }
    let extension = u32::from_be_bytes([header[15], header[16], header[17], header[18]]);
    std::io::copy(
        &mut Read::take(&mut *reader, extension.into()),
        &mut std::io::sink(),
    )
    .map_err(CopyRead::Io)?;
    Ok(())
}

impl Tx for PostgresTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        let runtime = self.runtime;
        Ok(runtime.block_on(self.tx()?.execute(&statement, &refs(params)))?)
    }

    fn execute_with_blob(
        &mut self,
        sql: &str,
        params: &[Value],
        blob: &[u8],
    ) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        let mut all = refs(params);
        all.push(&blob);
        let runtime = self.runtime;
        Ok(runtime.block_on(self.tx()?.execute(&statement, &all))?)
    }

    /// Pipelined: every statement is prepared (those not yet prepared, in
    /// one round trip), then all are sent before the first answer is read.
    /// PostgreSQL runs them in order; the first that fails aborts the
    /// transaction, and its error is the one returned.
    fn execute_each(&mut self, statements: &[(&str, &[Cell<'_>])]) -> Result<u64, StoreError> {
        let mut missing: Vec<&str> = statements
            .iter()
            .map(|(sql, _)| *sql)
            .filter(|sql| !self.statements.0.contains_key(*sql))
            .collect();
        // Each text once (an audit entry's rows repeat one INSERT).
        missing.sort_unstable();
        missing.dedup();
        let runtime = self.runtime;
        if !missing.is_empty() {
            let tx = self.tx()?;
            let prepared =
                runtime.block_on(try_join_all(missing.iter().map(|sql| tx.prepare(sql))))?;
            if self.statements.0.len() + missing.len() > STATEMENTS {
                self.statements.0.clear();
            }
            for (sql, statement) in missing.into_iter().zip(prepared) {
                self.statements.0.insert(sql.to_owned(), statement);
            }
        }
        let mut prepared = Vec::with_capacity(statements.len());
        for (sql, cells) in statements {
            let Some(statement) = self.statements.0.get(*sql) else {
                return Err(StoreError::Corrupt(format!(
                    "statement not prepared: {sql}"
                )));
            };
            let params: Vec<&(dyn ToSql + Sync)> =
                cells.iter().map(|c| c as &(dyn ToSql + Sync)).collect();
            prepared.push((statement.clone(), params));
        }
        let tx = self.tx()?;
        let counts = runtime.block_on(try_join_all(
            prepared
                .iter()
                .map(|(statement, params)| tx.execute(statement, params)),
        ))?;
        Ok(counts.into_iter().sum())
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql)?;
        let runtime = self.runtime;
        runtime
            .block_on(self.tx()?.query(&statement, &refs(params)))?
            .iter()
            .map(row)
            .collect()
    }

    /// One binary `COPY`, without a savepoint: a failure fails the caller's
    /// transaction (fewer than [`COPY_FROM`] rows: the portable INSERTs).
    fn insert_all(&mut self, rows: &NewRows<'_>) -> Result<u64, StoreError> {
        if rows.len < COPY_FROM {
            return insert_all_each(self, rows);
        }
        let columns = rows.columns.join(", ");
        let types = self.copy_types(rows, &columns)?;
        let runtime = self.runtime;
        let tx = self.tx()?;
        Ok(runtime.block_on(copy_rows(tx, rows, &columns, &types))?)
    }

    /// A binary `COPY` straight into the table; if a key is held already,
    /// that copy is undone and the portable INSERT ... ON CONFLICT DO
    /// NOTHING skips the rows held (the rare case: a re-sent file).
    fn insert_new(&mut self, rows: &NewRows<'_>, keys: bool) -> Result<Inserted, StoreError> {
        if rows.len < COPY_FROM {
            return insert_new_portable(self, rows, keys);
        }
        let key = rows.key_column()?;
        let outnumbers = rows
            .held
            .is_some_and(|held| rows.len >= REBUILD_FROM && rows.len as u64 >= held);
        let copied = match outnumbers {
            true => match self.copy_rebuilding(rows)? {
                Some(count) => Some(count),
                None => self.copy_new(rows, None)?,
            },
            false => self.copy_new(rows, None)?,
        };
        match copied {
            Some(count) => {
                let mut inserted = Inserted {
                    count,
                    keys: Vec::new(),
                };
                if keys {
                    inserted.keys = (0..rows.len)
                        .map(|r| match (rows.cell)(r, key) {
                            Cell::Text(k) => Ok(k.to_owned()),
                            _ => Err(StoreError::Invalid(format!("{} is not text", rows.key))),
                        })
                        .collect::<Result<_, _>>()?;
                }
                Ok(inserted)
            }
            None => insert_new_portable(self, rows, keys),
        }
    }

    /// Streamed by a binary `COPY ... TO STDOUT` straight into one buffer
    /// of the blob's size: a 105 MB checkpoint (or the log's chunks that
    /// evidence is looked up in) is not first grown into one protocol
    /// message and then copied out of the row.
    fn load_blob(
        &mut self,
        table: &str,
        column: &str,
        key: &str,
        value: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        // COPY takes no parameters; the key is an integer.
        let mut reader = self.copy_out(&format!(
            "COPY (SELECT {column} FROM {table} WHERE {key} = {value}) TO STDOUT (FORMAT binary)"
        ))?;
        let corrupt = |what: &str| StoreError::Corrupt(format!("{table}.{column} by COPY: {what}"));
        skip_copy_header(&mut reader).map_err(|e| match e {
            CopyRead::Io(e) => StoreError::Io(e),
            CopyRead::Format(what) => corrupt(what),
        })?;
        let mut fields = [0u8; 2];
        reader.read_exact(&mut fields)?;
        let blob = match i16::from_be_bytes(fields) {
            -1 => None,
            1 => {
                let mut len = [0u8; 4];
                reader.read_exact(&mut len)?;
                let len = usize::try_from(i32::from_be_bytes(len))
                    .map_err(|_| corrupt("expected bytes, found NULL"))?;
                let mut bytes = vec![0u8; len];
                reader.read_exact(&mut bytes)?;
                Some(bytes)
            }
            _ => return Err(corrupt("a row of other than one column")),
        };
        // The trailer (the key is unique: no second row): the copy ends.
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest)?;
        if blob.is_some() && rest != [0xff, 0xff] {
            return Err(corrupt("more than one row"));
        }
        Ok(blob)
    }

    fn query_keys(&mut self, select: &str, keys: Keys<'_>) -> Result<Vec<Row>, StoreError> {
        if keys.len() == 0 {
            return Ok(Vec::new());
        }
        let statement = self.statement(&format!("{select} = ANY($1)"))?;
        let runtime = self.runtime;
        let tx = self.tx()?;
        let found = match keys {
            Keys::Text(k) => runtime.block_on(tx.query(&statement, &[&k]))?,
            Keys::Int(k) => runtime.block_on(tx.query(&statement, &[&k]))?,
        };
        found.iter().map(row).collect()
    }

    /// One binary `COPY` of every part: the server takes the rows as they
    /// come, a megabyte at a time.
    fn save_parts(&mut self, table: &str, key: i64, bytes: &[u8]) -> Result<u64, StoreError> {
        let copy = format!("COPY {table} (log_seq, part, bytes) FROM STDIN (FORMAT binary)");
        let runtime = self.runtime;
        let tx = self.tx()?;
        Ok(runtime.block_on(async {
            let sink = tx.copy_in(&copy).await?;
            let writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT8, Type::BYTEA]);
            pin_mut!(writer);
            for (i, part) in bytes.chunks(PART_BYTES).enumerate() {
                writer.as_mut().write(&[&key, &(i as i64), &part]).await?;
            }
            writer.finish().await
        })?)
    }

    /// One binary `COPY ... TO STDOUT` of the parts in order, each read
    /// straight into the one buffer.
    fn load_parts(
        &mut self,
        table: &str,
        key: i64,
        len: usize,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        // COPY takes no parameters; the key is an integer.
        let mut reader = self.copy_out(&format!(
            "COPY (SELECT bytes FROM {table} WHERE log_seq = {key} ORDER BY part) \
             TO STDOUT (FORMAT binary)"
        ))?;
        let corrupt = |what: &str| StoreError::Corrupt(format!("{table}.bytes by COPY: {what}"));
        skip_copy_header(&mut reader).map_err(|e| match e {
            CopyRead::Io(e) => StoreError::Io(e),
            CopyRead::Format(what) => corrupt(what),
        })?;
        let mut out = Vec::with_capacity(len);
        let mut rows = 0usize;
        loop {
            let mut fields = [0u8; 2];
            reader.read_exact(&mut fields)?;
            match i16::from_be_bytes(fields) {
                -1 => break,
                1 => {}
                _ => return Err(corrupt("a row of other than one column")),
            }
            let mut n = [0u8; 4];
            reader.read_exact(&mut n)?;
            let n = usize::try_from(i32::from_be_bytes(n))
                .map_err(|_| corrupt("expected bytes, found NULL"))?;
            let at = out.len();
            out.resize(at + n, 0);
            reader.read_exact(&mut out[at..])?;
            rows += 1;
        }
        Ok((rows > 0).then_some(out))
    }

    fn execute_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        // Migrations change tables: plans prepared before may no longer fit.
        self.statements.0.clear();
        let runtime = self.runtime;
        Ok(runtime.block_on(self.tx()?.batch_execute(sql))?)
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        let runtime = self.runtime;
        let Some(tx) = self.tx.take() else {
            return Err(StoreError::Corrupt("a transaction committed twice".into()));
        };
        Ok(runtime.block_on(tx.commit())?)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Arc, Barrier};

    use super::*;
    use crate::clock::ManualClock;
    use crate::sql_store::SqlStore;
    use postgres::Client;

    /// A fresh database on the server of `SPUR_TEST_PG` (as the conformance
    /// suite makes one), with spur's schema.
    fn database(name: &str) -> String {
        let base = std::env::var("SPUR_TEST_PG").unwrap_or_else(|_| {
            panic!("SPUR_TEST_PG is not set: run the PostgreSQL tests with scripts/test")
        });
        let db = format!("spur_unit_{}_{name}", std::process::id());
        let mut admin = Client::connect(&base, NoTls).expect("reach SPUR_TEST_PG");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
            .expect("drop an earlier run's test database");
        admin
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .expect("create the test database");
        let (main, query) = base.split_once('?').unwrap_or((&base, ""));
        let start = main.find("://").map_or(0, |i| i + 3);
        let end = main[start..].find('/').map_or(main.len(), |i| start + i);
        let mut url = format!("{}/{db}", &main[..end]);
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        url
    }

    fn store(url: &str) -> SqlStore {
        SqlStore::open(
            Box::new(Postgres::connect(url).expect("connect")),
            Arc::new(ManualClock::new(1_800_000_000)),
            None,
        )
        .expect("open")
    }

    /// Two writers lock the same two rows in opposite orders: PostgreSQL
    /// aborts one of them for the deadlock, and the store runs that one
    /// again, so both succeed and neither caller sees the error.
    #[test]
    fn a_deadlocked_write_runs_again_and_succeeds() {
        let url = database("deadlock");
        let barrier = Arc::new(Barrier::new(2));
        let runs = Arc::new(AtomicU32::new(0));
        let writers: Vec<_> = [("log_head", "audit_head"), ("audit_head", "log_head")]
            .into_iter()
            .map(|(first, second)| {
                let (url, barrier, runs) = (url.clone(), barrier.clone(), runs.clone());
                std::thread::spawn(move || {
                    let mut s = store(&url);
                    let mut waited = false;
                    s.write(|tx, _| {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tx.query(
                            &format!("SELECT id FROM {first} WHERE id = 1 FOR UPDATE"),
                            &[],
                        )?;
                        if !waited {
                            // Both hold their first lock before either asks for its second.
                            waited = true;
                            barrier.wait();
                        }
                        tx.query(
                            &format!("SELECT id FROM {second} WHERE id = 1 FOR UPDATE"),
                            &[],
                        )?;
                        Ok(())
                    })
                })
            })
            .collect();
        for w in writers {
            w.join()
                .expect("writer thread")
                .expect("the write succeeds");
        }
        assert_eq!(runs.load(Ordering::SeqCst), 3, "one of the two ran again");
    }

    /// A transaction dropped without a commit (a refused change) lets go of
    /// its row locks at once, not at the connection's next request: another
    /// writer does not wait for it.
    #[test]
    fn a_dropped_transaction_releases_its_locks_at_once() {
        let url = database("dropped");
        let mut other = Client::connect(&url, NoTls).expect("connect");
        other
            .batch_execute("CREATE TABLE l (id BIGINT PRIMARY KEY); INSERT INTO l VALUES (1)")
            .expect("a table");
        let mut p = Postgres::connect(&url).expect("connect");
        let mut tx = p.begin(true).expect("begin");
        tx.query("SELECT id FROM l WHERE id = 1 FOR UPDATE", &[])
            .expect("lock the row");
        drop(tx);
        other
            .batch_execute("BEGIN; SELECT id FROM l WHERE id = 1 FOR UPDATE NOWAIT; COMMIT")
            .expect("the lock is free");
    }

    /// Pipelined statements run in their order; the first that fails fails
    /// them all and its error is the one returned, and nothing of them stays.
    #[test]
    fn pipelined_statements_run_in_order_and_fail_together() {
        let url = database("pipelined");
        let mut admin = Client::connect(&url, NoTls).expect("connect");
        admin
            .batch_execute("CREATE TABLE p (k BIGINT PRIMARY KEY, v TEXT NOT NULL)")
            .expect("a table");
        let mut p = Postgres::connect(&url).expect("connect");
        let insert = "INSERT INTO p (k, v) VALUES ($1, $2)";
        let rows: Vec<[Cell<'_>; 2]> = (0..50).map(|k| [Cell::Int(k), Cell::Text("a")]).collect();
        let mut tx = p.begin(true).expect("begin");
        let mut statements: Vec<(&str, &[Cell<'_>])> =
            rows.iter().map(|r| (insert, &r[..])).collect();
        // In order: the update sees every insert before it.
        statements.push(("UPDATE p SET v = $1", &[Cell::Text("b")]));
        assert_eq!(tx.execute_each(&statements).expect("run"), 100);
        tx.commit().expect("commit");
        let mut tx = p.begin(true).expect("begin");
        let again = [Cell::Int(7), Cell::Text("c")];
        let fresh = [Cell::Int(99), Cell::Text("c")];
        let e = tx
            .execute_each(&[
                (insert, &fresh),
                (insert, &again),
                (insert, &[Cell::Int(100), Cell::Text("c")]),
            ])
            .expect_err("a held key");
        let StoreError::Database(inner) = &e else {
            panic!("a database error, got {e:?}")
        };
        assert_eq!(
            inner
                .downcast_ref::<tokio_postgres::Error>()
                .and_then(tokio_postgres::Error::code),
            Some(&SqlState::UNIQUE_VIOLATION)
        );
        drop(tx);
        let count: i64 = admin
            .query_one("SELECT COUNT(*) FROM p WHERE v = 'b'", &[])
            .expect("count")
            .get(0);
        assert_eq!(count, 50);
        let count: i64 = admin
            .query_one("SELECT COUNT(*) FROM p", &[])
            .expect("count")
            .get(0);
        assert_eq!(count, 50, "nothing of the failed pipeline stays");
    }

    #[test]
    fn only_deadlocks_and_serialization_failures_are_transient() {
        let url = database("transient");
        let p = Postgres::connect(&url).expect("connect");
        let mut c = Client::connect(&url, NoTls).expect("connect");
        let unique = c
            .batch_execute("CREATE TEMP TABLE t (k INT PRIMARY KEY); INSERT INTO t VALUES (1), (1)")
            .expect_err("a duplicate key");
        assert!(!p.transient(&unique.into()));
        assert!(!p.transient(&StoreError::Invalid("x".into())));
        let serialization = c
            .batch_execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END $$")
            .expect_err("a serialization failure");
        assert!(p.transient(&serialization.into()));
        let deadlock = c
            .batch_execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01'; END $$")
            .expect_err("a deadlock");
        assert!(p.transient(&deadlock.into()));
    }
}
