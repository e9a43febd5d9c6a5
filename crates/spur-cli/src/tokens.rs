//! `spur token`: API tokens for `spur serve`. The store checks who may
//! create, revoke and list them; this file prints.

use std::io::{self, Write};

use anyhow::Result;
use spur_engine::time::rfc3339;
use spur_store::{IssuedToken, Store};

use crate::table::{Align, Table};
use crate::terminal::visible;

/// The secret alone on standard output (so `TOKEN=$(spur token create ...)`
/// captures it), what it is on standard error: it is shown this once.
pub fn say_created(issued: &IssuedToken) -> Result<()> {
    eprintln!(
        "token {} for {} created; it is shown this once and only its hash is kept: \
         give it as `Authorization: Bearer TOKEN`",
        issued.token.id,
        visible(&issued.token.user)
    );
    writeln!(io::stdout().lock(), "{}", issued.secret)?;
    Ok(())
}

pub fn print_tokens(store: &mut dyn Store, actor: &str) -> Result<()> {
    let mut t = Table::new(&[
        ("id", Align::Right),
        ("user", Align::Left),
        ("created", Align::Left),
        ("by", Align::Left),
        ("revoked", Align::Left),
        ("by", Align::Left),
    ]);
    for k in store.tokens(actor)? {
        t.row([
            k.id.to_string(),
            k.user,
            rfc3339(k.created_at),
            k.created_by,
            k.revoked_at.map_or("-".to_owned(), rfc3339),
            k.revoked_by.unwrap_or_else(|| "-".to_owned()),
        ]);
    }
    t.write(&mut io::stdout().lock())?;
    Ok(())
}
