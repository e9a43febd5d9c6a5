//! The little SQL the domain code needs, over either backend.
//!
//! The domain logic (users, cases, reports, audit) is written once against
//! [`Tx`]; `sqlite.rs` and `postgres.rs` implement it. Statements use
//! PostgreSQL's `$1` placeholders; the SQLite backend rewrites them to `?1`.

use crate::error::StoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// A parameter or a column value. Integers are always 64-bit (`BIGINT`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Blob(v.to_vec())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Builds a parameter slice: `params![id, name]`.
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::sql::Value::from($v)),*][..] };
}
pub(crate) use params;

/// One result row, read by position.
#[derive(Debug)]
pub(crate) struct Row(pub(crate) Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value, StoreError> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Corrupt(format!("row has no column {i}")))
    }

    pub(crate) fn int(&self, i: usize) -> Result<i64, StoreError> {
        match self.at(i)? {
            Value::Int(v) => Ok(*v),
            other => Err(StoreError::Corrupt(format!(
                "column {i}: expected an integer, got {other:?}"
            ))),
        }
    }

    pub(crate) fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    pub(crate) fn real(&self, i: usize) -> Result<f64, StoreError> {
        match self.at(i)? {
            Value::Real(v) => Ok(*v),
            Value::Int(v) => Ok(*v as f64),
            other => Err(StoreError::Corrupt(format!(
                "column {i}: expected a number, got {other:?}"
            ))),
        }
    }

    pub(crate) fn text(&self, i: usize) -> Result<String, StoreError> {
        match self.at(i)? {
            Value::Text(v) => Ok(v.clone()),
            _ => Err(StoreError::Corrupt(format!("column {i}: expected text"))),
        }
    }

    pub(crate) fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    pub(crate) fn blob(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        match self.at(i)? {
            Value::Blob(v) => Ok(v.clone()),
            _ => Err(StoreError::Corrupt(format!("column {i}: expected bytes"))),
        }
    }

    /// The bytes, moved out of the row (a checkpoint of a hundred megabytes
    /// is not copied once more).
    pub(crate) fn take_blob(&mut self, i: usize) -> Result<Vec<u8>, StoreError> {
        match self.0.get_mut(i) {
            Some(Value::Blob(v)) => Ok(std::mem::take(v)),
            Some(_) => Err(StoreError::Corrupt(format!("column {i}: expected bytes"))),
            None => Err(StoreError::Corrupt(format!("row has no column {i}"))),
        }
    }

    pub(crate) fn opt_blob(&self, i: usize) -> Result<Option<Vec<u8>>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.blob(i).map(Some),
        }
    }
}

/// A borrowed cell of a bulk insert ([`NewRows`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Cell<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl Value {
    /// The value borrowed as a cell (what a backend binds).
    pub(crate) fn as_cell(&self) -> Cell<'_> {
        match self {
            Value::Null => Cell::Null,
            Value::Int(v) => Cell::Int(*v),
            Value::Real(v) => Cell::Real(*v),
            Value::Text(v) => Cell::Text(v),
            Value::Blob(v) => Cell::Blob(v),
        }
    }
}

impl Cell<'_> {
    fn to_value(self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Int(v) => Value::Int(v),
            Cell::Real(v) => Value::Real(v),
            Cell::Text(v) => Value::Text(v.to_owned()),
            Cell::Blob(v) => Value::Blob(v.to_vec()),
        }
    }
}

/// Rows to insert into `table` where their `key` (a text column among
/// `columns`) is not held yet: [`Tx::insert_new`].
pub(crate) struct NewRows<'a> {
    pub(crate) table: &'static str,
    pub(crate) columns: &'static [&'static str],
    /// The unique column (text, for [`Tx::insert_new`], which skips a row
    /// whose key is held already).
    pub(crate) key: &'static str,
    pub(crate) len: usize,
    /// Row `r`'s cell in column `c` (`c` indexes `columns`).
    pub(crate) cell: &'a dyn Fn(usize, usize) -> Cell<'a>,
    /// How many rows the table holds, where the caller knows it (the log
    /// head counts the txn ids): a backend may load rows that outnumber
    /// them faster than it inserts them one index entry at a time.
    pub(crate) held: Option<u64>,
}

impl NewRows<'_> {
    pub(crate) fn key_column(&self) -> Result<usize, StoreError> {
        self.columns
            .iter()
            .position(|c| *c == self.key)
            .ok_or_else(|| StoreError::Invalid(format!("{} is not a column given", self.key)))
    }
}

/// What [`Tx::insert_new`] inserted.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Inserted {
    pub(crate) count: u64,
    /// The inserted rows' keys, when asked for.
    pub(crate) keys: Vec<String>,
}

/// The keys [`Tx::query_keys`] looks for: text or integers.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Keys<'a> {
    Text(&'a [&'a str]),
    Int(&'a [i64]),
}

impl Keys<'_> {
    pub(crate) fn len(&self) -> usize {
        match self {
            Keys::Text(k) => k.len(),
            Keys::Int(k) => k.len(),
        }
    }

    fn value(&self, i: usize) -> Value {
        match self {
            Keys::Text(k) => Value::Text(k[i].to_owned()),
            Keys::Int(k) => Value::Int(k[i]),
        }
    }
}

/// Keys per portable `IN` list of [`Tx::query_keys`].
pub(crate) const KEYS_PER_IN: usize = 500;

/// Bytes of one part of a blob stored in parts ([`Tx::save_parts`]).
pub(crate) const PART_BYTES: usize = 1 << 20;

/// Parameters per statement of the portable multi-row INSERT (SQLite allows
/// 32,766), and rows per statement at most.
const BULK_PARAMS: usize = 6_500;
const BULK_ROWS: usize = 500;

/// [`Tx::insert_new`] in portable SQL: multi-row `INSERT ... ON CONFLICT
/// (key) DO NOTHING`, `RETURNING key` when the keys are wanted.
pub(crate) fn insert_new_portable(
    tx: &mut (impl Tx + ?Sized),
    rows: &NewRows<'_>,
    keys: bool,
) -> Result<Inserted, StoreError> {
    use std::fmt::Write;
    let width = rows.columns.len();
    let per = (BULK_PARAMS / width.max(1)).clamp(1, BULK_ROWS);
    let mut out = Inserted::default();
    let mut sql = String::new();
    let mut start = 0;
    while start < rows.len {
        let end = (start + per).min(rows.len);
        sql.clear();
        let _ = write!(
            sql,
            "INSERT INTO {} ({}) VALUES ",
            rows.table,
            rows.columns.join(", ")
        );
        let mut values = Vec::with_capacity(width * (end - start));
        for r in start..end {
            sql.push_str(if r > start { ", (" } else { "(" });
            for c in 0..width {
                values.push((rows.cell)(r, c).to_value());
                let _ = write!(sql, "{}${}", if c > 0 { ", " } else { "" }, values.len());
            }
            sql.push(')');
        }
        let _ = write!(sql, " ON CONFLICT ({}) DO NOTHING", rows.key);
        if keys {
            let _ = write!(sql, " RETURNING {}", rows.key);
            for r in tx.query(&sql, &values)? {
                out.keys.push(r.text(0)?);
            }
            out.count = out.keys.len() as u64;
        } else {
            out.count += tx.execute(&sql, &values)?;
        }
        start = end;
    }
    Ok(out)
}

/// [`Tx::insert_all`] as one single-row INSERT per row, sent with
/// [`Tx::execute_each`] (pipelined where the backend pipelines).
pub(crate) fn insert_all_each(
    tx: &mut (impl Tx + ?Sized),
    rows: &NewRows<'_>,
) -> Result<u64, StoreError> {
    let width = rows.columns.len();
    let placeholders: Vec<String> = (1..=width).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        rows.table,
        rows.columns.join(", "),
        placeholders.join(", ")
    );
    let cells: Vec<Vec<Cell<'_>>> = (0..rows.len)
        .map(|r| (0..width).map(|c| (rows.cell)(r, c)).collect())
        .collect();
    let statements: Vec<(&str, &[Cell<'_>])> =
        cells.iter().map(|row| (sql.as_str(), &row[..])).collect();
    tx.execute_each(&statements)
}

/// An open database transaction. Dropping it without [`Tx::commit`] rolls
/// everything back: that is how a failed multi-step change leaves nothing.
pub(crate) trait Tx {
    fn dialect(&self) -> Dialect;
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    /// As [`Tx::execute`] with one more parameter after `params`, a blob
    /// bound where it lies (an engine checkpoint of hundreds of megabytes is
    /// not copied into a [`Value`] first).
    fn execute_with_blob(
        &mut self,
        sql: &str,
        params: &[Value],
        blob: &[u8],
    ) -> Result<u64, StoreError>;
    /// Statements that do not need one another's answers, run in order;
    /// the rows they changed, in all. A backend may send them all before it
    /// reads the first answer (PostgreSQL pipelines them: one round trip
    /// for all instead of one each). The first to fail fails them all (the
    /// caller's transaction is then rolled back).
    fn execute_each(&mut self, statements: &[(&str, &[Cell<'_>])]) -> Result<u64, StoreError>;
    /// The blob in `column` of the row of `table` whose integer `key` is
    /// `value`, in one buffer of its own (SQLite reads it straight into
    /// it instead of into a row value that is copied again).
    fn load_blob(
        &mut self,
        table: &str,
        column: &str,
        key: &str,
        value: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.query_opt(
            &format!("SELECT {column} FROM {table} WHERE {key} = $1"),
            &[Value::Int(value)],
        )?
        .map(|mut r| r.take_blob(0))
        .transpose()
    }
    /// Writes `bytes` as the parts of `key` in a parts table (columns
    /// `log_seq`, `part`, `bytes`), [`PART_BYTES`] each, `part` counting
    /// from 0. An engine checkpoint of a hundred megabytes travels and is
    /// stored as a hundred rows, not as one value the server must build,
    /// compress and later rebuild whole.
    fn save_parts(&mut self, table: &str, key: i64, bytes: &[u8]) -> Result<u64, StoreError> {
        let sql = format!("INSERT INTO {table} (log_seq, part, bytes) VALUES ($1, $2, $3)");
        let mut parts = 0;
        for (i, part) in bytes.chunks(PART_BYTES).enumerate() {
            self.execute_with_blob(&sql, &[Value::Int(key), Value::Int(i as i64)], part)?;
            parts += 1;
        }
        Ok(parts)
    }
    /// The parts of `key` written by [`Tx::save_parts`], in order, in one
    /// buffer of `len` bytes (the whole length, known to the caller); `None`
    /// if none is stored. Each backend reads the parts straight into that
    /// buffer (collecting them as `Value`s first held a 105 MB checkpoint
    /// twice).
    fn load_parts(
        &mut self,
        table: &str,
        key: i64,
        len: usize,
    ) -> Result<Option<Vec<u8>>, StoreError>;
    /// The rows of `select`, a query that ends in `WHERE column`, whose
    /// column is one of `keys`: portable `IN` lists of [`KEYS_PER_IN`]
    /// keys, one statement each, unless the backend has a faster way
    /// (PostgreSQL: one statement, `= ANY($1)` with the keys as one array,
    /// planned once per connection).
    fn query_keys(&mut self, select: &str, keys: Keys<'_>) -> Result<Vec<Row>, StoreError> {
        let mut rows = Vec::new();
        let mut sql = String::new();
        let mut values = Vec::with_capacity(KEYS_PER_IN.min(keys.len()));
        let mut start = 0;
        while start < keys.len() {
            let end = (start + KEYS_PER_IN).min(keys.len());
            sql.clear();
            sql.push_str(select);
            sql.push_str(" IN (");
            values.clear();
            for i in start..end {
                if i > start {
                    sql.push_str(", ");
                }
                values.push(keys.value(i));
                sql.push('$');
                sql.push_str(&values.len().to_string());
            }
            sql.push(')');
            rows.extend(self.query(&sql, &values)?);
            start = end;
        }
        Ok(rows)
    }
    /// Inserts the rows whose key is not held yet (in bulk: a million txn
    /// ids of a scan). Portable multi-row INSERTs unless the backend has a
    /// faster way.
    fn insert_new(&mut self, rows: &NewRows<'_>, keys: bool) -> Result<Inserted, StoreError> {
        insert_new_portable(self, rows, keys)
    }
    /// Inserts every row; a held key is an error like any other, and the
    /// caller's transaction is rolled back. One single-row INSERT per row,
    /// each cell bound where it lies, unless the backend has a faster way
    /// (PostgreSQL: one binary `COPY`). For rows that are new by
    /// construction: a commit's log chunks, under the log head's lock.
    fn insert_all(&mut self, rows: &NewRows<'_>) -> Result<u64, StoreError> {
        insert_all_each(self, rows)
    }
    /// Several statements without parameters (migrations).
    fn execute_batch(&mut self, sql: &str) -> Result<(), StoreError>;
    fn commit(self: Box<Self>) -> Result<(), StoreError>;

    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row, StoreError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| StoreError::Corrupt("a query that returns one row returned none".into()))
    }

    /// Row lock for read-modify-write under PostgreSQL's READ COMMITTED;
    /// SQLite write transactions are exclusive already (`BEGIN IMMEDIATE`).
    fn for_update(&self) -> &'static str {
        match self.dialect() {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }
}

/// A connection to one database.
pub(crate) trait Backend: Send {
    /// `write` transactions take the write lock up front.
    fn begin(&mut self, write: bool) -> Result<Box<dyn Tx + '_>, StoreError>;

    /// True if `e` aborted a transaction that may simply run again (a
    /// deadlock or a serialization failure): nothing of it was stored.
    fn transient(&self, _e: &StoreError) -> bool {
        false
    }

    /// Before a transaction that writes some `bytes` into the database at
    /// once (a scan's log, a checkpoint): a backend may write it another
    /// way, as long as it commits as durably; true if it does, and then
    /// [`Backend::end_bulk`] follows the transaction. Never waits for
    /// another connection.
    fn begin_bulk(&mut self, _bytes: usize) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// After a transaction that [`Backend::begin_bulk`] let write its way.
    fn end_bulk(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}
