//! API tokens: how `spur serve` knows who calls.
//!
//! An admin creates a token for a user; the secret (`spur_` and 64 hex
//! digits, 256 bits from the operating system's random source) is handed
//! out once and never stored: the store keeps its SHA-256. A request's
//! bearer token is hashed and looked up by that hash. No constant-time
//! comparison is needed: the database compares hashes, never secrets, so
//! what a timing difference could leak is how much of an attacker's *own*
//! guess's hash matches a stored hash, which does not bring them closer to
//! a secret whose hash it is (that would take a SHA-256 preimage).
//!
//! Creating and revoking are audited changes like any other, with the
//! token's row (`token:ID`) in the chain, its hash included, so a hash
//! swapped in with SQL behind the store's back is named by `verify`.

use serde::Serialize;
use sha2::{Digest, Sha256};
use spur_engine::Timestamp;
use tracing::debug;

use crate::access::{find_user, require};
use crate::audit::{self, hex, json, Change};
use crate::error::StoreError;
use crate::model::{User, UserRole};
use crate::rows;
use crate::sql::{params, Row, Tx};

/// What the store keeps of an API token (never the secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Token {
    pub id: i64,
    /// The user the token acts as.
    pub user: String,
    /// The admin who created it.
    pub created_by: String,
    pub created_at: Timestamp,
    /// When and by whom it was revoked; a revoked token no longer authenticates.
    pub revoked_at: Option<Timestamp>,
    pub revoked_by: Option<String>,
}

/// A token just created, with its secret: shown to the admin once, then gone.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    pub token: Token,
    /// `spur_` followed by 64 lowercase hex digits (256 random bits).
    pub secret: String,
}

/// What a secret looks like; anything else is refused before any lookup.
const PREFIX: &str = "spur_";
const SECRET_BYTES: usize = 32;

/// Who may list tokens (their ids, users, times; never secrets).
const TOKEN_READERS: &[UserRole] = &[UserRole::Admin, UserRole::Auditor];

fn sha256_of(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn fresh_secret() -> Result<String, StoreError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| {
        StoreError::Io(std::io::Error::other(format!(
            "the operating system's random source failed: {e}"
        )))
    })?;
    Ok(format!("{PREFIX}{}", hex(&bytes)))
}

const COLUMNS: &str = "t.id, u.name, t.created_by, t.created_at, t.revoked_at, t.revoked_by, \
     t.token_sha256 FROM api_tokens t JOIN users u ON u.id = t.user_id";

fn token_from(r: &Row) -> Result<(Token, String), StoreError> {
    Ok((
        Token {
            id: r.int(0)?,
            user: r.text(1)?,
            created_by: r.text(2)?,
            created_at: r.int(3)?,
            revoked_at: r.opt_int(4)?,
            revoked_by: r.opt_text(5)?,
        },
        r.text(6)?,
    ))
}

/// The audited view of a token row: the [`Token`] and its hash.
pub(crate) fn view(t: &Token, sha256: &str) -> Result<serde_json::Value, StoreError> {
    let mut v = serde_json::to_value(t)?;
    v["token_sha256"] = sha256.into();
    Ok(v)
}

fn load(tx: &mut dyn Tx, id: i64) -> Result<(Token, String), StoreError> {
    match tx.query_opt(&format!("SELECT {COLUMNS} WHERE t.id = $1"), params![id])? {
        Some(r) => token_from(&r),
        None => Err(StoreError::not_found("token", id)),
    }
}

/// Every token with its hash, by id (for `verify`).
pub(crate) fn all_with_hashes(tx: &mut dyn Tx) -> Result<Vec<(Token, String)>, StoreError> {
    tx.query(&format!("SELECT {COLUMNS} ORDER BY t.id"), &[])?
        .iter()
        .map(token_from)
        .collect()
}

pub(crate) fn all(tx: &mut dyn Tx, actor: &str) -> Result<Vec<Token>, StoreError> {
    require(tx, actor, TOKEN_READERS, "list API tokens")?;
    Ok(all_with_hashes(tx)?.into_iter().map(|(t, _)| t).collect())
}

pub(crate) fn create(
    tx: &mut dyn Tx,
    now: Timestamp,
    for_user: &str,
    actor: &str,
) -> Result<IssuedToken, StoreError> {
    let admin = require(tx, actor, &[UserRole::Admin], "manage API tokens")?;
    let user = find_user(tx, for_user)?;
    if user.disabled_at.is_some() {
        return Err(StoreError::UserDisabled(user.name));
    }
    let secret = fresh_secret()?;
    let sha256 = sha256_of(&secret);
    let id = tx
        .query_one(
            "INSERT INTO api_tokens (user_id, token_sha256, created_by, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            params![user.id, sha256.as_str(), admin.name.as_str(), now],
        )?
        .int(0)?;
    let token = Token {
        id,
        user: user.name,
        created_by: admin.name.clone(),
        created_at: now,
        revoked_at: None,
        revoked_by: None,
    };
    let after = view(&token, &sha256)?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &admin.name,
            action: "token.create",
            object: format!("token:{id}"),
            before: None,
            after: json(&after)?,
            rows: vec![(format!("token:{id}"), Some(rows::digest(&after)?))],
        },
    )?;
    debug!(token_id = id, "api token created");
    Ok(IssuedToken { token, secret })
}

pub(crate) fn revoke(
    tx: &mut dyn Tx,
    now: Timestamp,
    token_id: i64,
    actor: &str,
) -> Result<Token, StoreError> {
    let admin = require(tx, actor, &[UserRole::Admin], "manage API tokens")?;
    let (before, sha256) = load(tx, token_id)?;
    if before.revoked_at.is_some() {
        return Err(StoreError::TokenRevoked(token_id));
    }
    tx.execute(
        "UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3",
        params![now, admin.name.as_str(), token_id],
    )?;
    let (after, _) = load(tx, token_id)?;
    let after_view = view(&after, &sha256)?;
    audit::append(
        tx,
        Change {
            at: now,
            actor: &admin.name,
            action: "token.revoke",
            object: format!("token:{token_id}"),
            before: json(&view(&before, &sha256)?)?,
            after: json(&after_view)?,
            rows: vec![(
                format!("token:{token_id}"),
                Some(rows::digest(&after_view)?),
            )],
        },
    )?;
    debug!(token_id, "api token revoked");
    Ok(after)
}

/// The user a bearer secret acts as. An unknown, malformed or revoked
/// secret is [`StoreError::BadToken`] (one error for all three: the caller
/// learns nothing about which tokens exist); a disabled user's token is
/// [`StoreError::UserDisabled`].
pub(crate) fn authenticate(tx: &mut dyn Tx, secret: &str) -> Result<User, StoreError> {
    let well_formed = secret.len() == PREFIX.len() + 2 * SECRET_BYTES
        && secret.starts_with(PREFIX)
        && secret[PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !well_formed {
        return Err(StoreError::BadToken);
    }
    let found = tx.query_opt(
        "SELECT u.name FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL",
        params![sha256_of(secret)],
    )?;
    let name = match found {
        Some(r) => r.text(0)?,
        None => return Err(StoreError::BadToken),
    };
    let user = find_user(tx, &name)?;
    if user.disabled_at.is_some() {
        return Err(StoreError::UserDisabled(user.name));
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fresh_and_well_formed() {
        let a = fresh_secret().unwrap();
        let b = fresh_secret().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 5 + 64);
        assert!(a.starts_with("spur_"));
        assert_eq!(sha256_of(&a).len(), 64);
    }
}
