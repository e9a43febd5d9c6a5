//! The team backend: a PostgreSQL server, reached without TLS (loopback or a
//! private network the institution secures).

use bytes::BytesMut;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, IsolationLevel, NoTls, Transaction};

use crate::error::StoreError;
use crate::sql::{Backend, Dialect, Row, Tx, Value};

pub(crate) struct Postgres {
    client: Client,
}

impl Postgres {
    pub(crate) fn connect(url: &str) -> Result<Self, StoreError> {
        Ok(Postgres {
            client: Client::connect(url, NoTls)?,
        })
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
        Ok(Box::new(PostgresTx(builder.start()?)))
    }
}

struct PostgresTx<'c>(Transaction<'c>);

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => v.to_sql(ty, out),
            Value::Real(v) => v.to_sql(ty, out),
            Value::Text(v) => v.to_sql(ty, out),
            Value::Blob(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

fn row(r: &postgres::Row) -> Result<Row, StoreError> {
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

impl Tx for PostgresTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        Ok(self.0.execute(sql, &refs(params))?)
    }

    fn execute_with_blob(
        &mut self,
        sql: &str,
        params: &[Value],
        blob: &[u8],
    ) -> Result<u64, StoreError> {
        let mut all = refs(params);
        all.push(&blob);
        Ok(self.0.execute(sql, &all)?)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.0.query(sql, &refs(params))?.iter().map(row).collect()
    }

    fn execute_batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.0.batch_execute(sql)?)
    }

    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        Ok(self.0.commit()?)
    }
}
