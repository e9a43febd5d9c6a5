//! Who may do what: the users' rows, the roles each action needs, and an
//! admin's audited change to a user. Every check runs here, in the library,
//! for the command line and the HTTP API alike.

use crate::audit::{self, json, Change};
use crate::error::StoreError;
use crate::model::{User, UserRole};
use crate::rows;
use crate::sql::{params, Row, Tx};
use spur_engine::Timestamp;
use tracing::debug;

// ---- who may do what ----

pub(crate) const WORKERS: &[UserRole] = &[UserRole::Analyst, UserRole::Supervisor];

pub(crate) fn user_from(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: r.int(0)?,
        name: r.text(1)?,
        role: r.text(2)?.parse()?,
        created_at: r.int(3)?,
        disabled_at: r.opt_int(4)?,
    })
}

pub(crate) const USER_COLUMNS: &str = "id, name, role, created_at, disabled_at FROM users";

pub(crate) fn all_users(tx: &mut dyn Tx) -> Result<Vec<User>, StoreError> {
    tx.query(&format!("SELECT {USER_COLUMNS} ORDER BY id"), &[])?
        .iter()
        .map(user_from)
        .collect()
}

pub(crate) fn find_user(tx: &mut dyn Tx, name: &str) -> Result<User, StoreError> {
    match tx.query_opt(
        &format!("SELECT {USER_COLUMNS} WHERE name = $1"),
        params![name],
    )? {
        Some(r) => user_from(&r),
        None => Err(StoreError::UnknownUser(name.to_owned())),
    }
}

/// The acting user, if their role allows `action`.
pub(crate) fn require(
    tx: &mut dyn Tx,
    actor: &str,
    allowed: &[UserRole],
    action: &'static str,
) -> Result<User, StoreError> {
    let user = find_user(tx, actor)?;
    if user.disabled_at.is_some() {
        return Err(StoreError::UserDisabled(user.name));
    }
    if !allowed.contains(&user.role) {
        return Err(StoreError::Forbidden {
            role: user.role,
            action,
        });
    }
    Ok(user)
}

/// Everyone but `ingest`, which posts payments and reads nothing.
pub(crate) const READERS: &[UserRole] = &[
    UserRole::Analyst,
    UserRole::Supervisor,
    UserRole::Admin,
    UserRole::Auditor,
];

pub(crate) fn reader(tx: &mut dyn Tx, actor: &str) -> Result<User, StoreError> {
    require(tx, actor, READERS, "read")
}

/// Who may post payments to `spur serve`: systems with the `ingest` role.
pub(crate) const INGESTERS: &[UserRole] = &[UserRole::Ingest];

pub(crate) const AUDIT_READERS: &[UserRole] =
    &[UserRole::Auditor, UserRole::Admin, UserRole::Supervisor];

/// Refuses a change that would leave no active admin: `user` is about to
/// lose the admin role or be disabled.
pub(crate) fn keep_an_admin(tx: &mut dyn Tx, user: &User) -> Result<(), StoreError> {
    if user.role != UserRole::Admin || user.disabled_at.is_some() {
        return Ok(());
    }
    let others = tx
        .query_one(
            "SELECT COUNT(*) FROM users WHERE role = $1 AND disabled_at IS NULL AND id <> $2",
            params![UserRole::Admin.as_str(), user.id],
        )?
        .int(0)?;
    if others == 0 {
        return Err(StoreError::LastAdmin(user.name.clone()));
    }
    Ok(())
}

/// One admin's change to a user, audited with its before and after.
pub(crate) fn change_user(
    tx: &mut dyn Tx,
    now: Timestamp,
    name: &str,
    actor: &str,
    action: &str,
    f: impl FnOnce(&mut dyn Tx, &User) -> Result<(), StoreError>,
) -> Result<User, StoreError> {
    // The audit head's lock first: two admins demoting or disabling each
    // other at once on PostgreSQL must not both see the other still active.
    tx.query_one(
        &format!(
            "SELECT last_id FROM audit_head WHERE id = 1{}",
            tx.for_update()
        ),
        &[],
    )?;
    let admin = require(tx, actor, &[UserRole::Admin], "manage users")?;
    let before = find_user(tx, name)?;
    f(tx, &before)?;
    let after = find_user(tx, name)?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &admin.name,
            action,
            object: format!("user:{}", before.id),
            before: json(&before)?,
            after: json(&after)?,
            rows: vec![rows::user(&after)?],
        },
    )?;
    debug!(user_id = after.id, action, "user changed");
    Ok(after)
}
