//! API tokens and the ingest role: a token authenticates until revoked, who manages tokens, a disabled user's token, a hash swapped behind the store's back.

use super::*;

conformance! {
    a_migration_missing_below_the_highest_is_applied,
    a_token_authenticates_its_user_until_revoked,
    only_admins_manage_tokens_and_auditors_list_them,
    a_disabled_users_token_is_refused,
    ingest_may_only_post_payments,
    a_token_hash_swapped_behind_the_stores_back_is_named,
}

fn a_token_authenticates_its_user_until_revoked(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let before = audit_len(&mut *s);
    let issued = s.create_token("ana", "ada").unwrap();
    assert_eq!(issued.token.user, "ana");
    assert_eq!(issued.token.created_by, "ada");
    assert_eq!(issued.token.created_at, T0);
    assert!(issued.secret.starts_with("spur_") && issued.secret.len() == 69);
    // A second token for the same user is another secret.
    let other = s.create_token("ana", "ada").unwrap();
    assert_ne!(issued.secret, other.secret);
    assert_eq!(s.authenticate(&issued.secret).unwrap().name, "ana");
    assert_eq!(s.authenticate(&other.secret).unwrap().name, "ana");
    // Unknown, malformed, truncated, upper-cased: one error for all.
    let mut wrong = issued.secret.clone();
    wrong.replace_range(10..11, if &wrong[10..11] == "0" { "1" } else { "0" });
    for bad in [
        wrong.as_str(),
        "",
        "spur_",
        &issued.secret[..68],
        &issued.secret.to_uppercase(),
        &format!("{} ", issued.secret),
    ] {
        let e = assert_err!(s.authenticate(bad), StoreError::BadToken);
        assert_eq!(e.code(), "bad_token");
    }
    // The secret itself is nowhere in the database, its SHA-256 is.
    let entries = s.audit_log("aud").unwrap();
    assert_eq!(entries.len(), before + 2);
    let create = &entries[before];
    assert_eq!(
        (create.actor.as_str(), create.action.as_str()),
        ("ada", "token.create")
    );
    assert_eq!(create.object, format!("token:{}", issued.token.id));
    let after = create.after.as_deref().unwrap();
    assert!(!after.contains(&issued.secret[5..]), "{after}");
    assert!(after.contains(&digest_hex(&issued.secret)), "{after}");

    f.clock.set(T0 + 60);
    let revoked = s.revoke_token(issued.token.id, "ada").unwrap();
    assert_eq!(revoked.revoked_at, Some(T0 + 60));
    assert_eq!(revoked.revoked_by.as_deref(), Some("ada"));
    assert_err!(s.authenticate(&issued.secret), StoreError::BadToken);
    assert_eq!(s.authenticate(&other.secret).unwrap().name, "ana");
    let e = assert_err!(
        s.revoke_token(issued.token.id, "ada"),
        StoreError::TokenRevoked(_)
    );
    assert_eq!(e.code(), "token_revoked");
    assert_err!(s.revoke_token(999, "ada"), StoreError::NotFound { .. });
    let last = s.audit_log("aud").unwrap().pop().unwrap();
    assert_eq!(last.action, "token.revoke");
    assert!(last.before.unwrap().contains("\"revoked_at\":null"));
    s.verify_audit().unwrap();
}

fn digest_hex(secret: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn only_admins_manage_tokens_and_auditors_list_them(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let t = s.create_token("sue", "ada").unwrap().token;
    for actor in ["ana", "sue", "aud"] {
        assert_err!(s.create_token("ana", actor), StoreError::Forbidden { .. });
        assert_err!(s.revoke_token(t.id, actor), StoreError::Forbidden { .. });
    }
    assert_err!(s.create_token("nobody", "ada"), StoreError::UnknownUser(_));
    for actor in ["ada", "aud"] {
        let listed = s.tokens(actor).unwrap();
        assert_eq!(listed, vec![t.clone()]);
    }
    for actor in ["ana", "sue"] {
        assert_err!(s.tokens(actor), StoreError::Forbidden { .. });
    }
}

fn a_disabled_users_token_is_refused(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let issued = s.create_token("alex", "ada").unwrap();
    s.disable_user("alex", "ada").unwrap();
    assert_err!(s.authenticate(&issued.secret), StoreError::UserDisabled(_));
    assert_err!(s.create_token("alex", "ada"), StoreError::UserDisabled(_));
    s.enable_user("alex", "ada").unwrap();
    assert_eq!(s.authenticate(&issued.secret).unwrap().name, "alex");
}

fn ingest_may_only_post_payments(f: &Fixture) {
    let mut s = f.open();
    let alerts = with_alerts(&mut *s);
    s.add_user("feed", UserRole::Ingest, "ada").unwrap();
    let issued = s.create_token("feed", "ada").unwrap();
    assert_eq!(
        s.authenticate(&issued.secret).unwrap().role,
        UserRole::Ingest
    );
    assert_eq!(s.authorize_ingest("feed").unwrap().name, "feed");
    for actor in ["ada", "ana", "sue", "aud"] {
        let e = assert_err!(s.authorize_ingest(actor), StoreError::Forbidden { .. });
        assert!(e.to_string().contains("post payments"), "{e}");
    }
    assert_err!(s.authorize_ingest("nobody"), StoreError::UnknownUser(_));
    // Reads nothing, changes nothing.
    let ingest = |r: Result<(), StoreError>| {
        assert_err!(
            r,
            StoreError::Forbidden {
                role: UserRole::Ingest,
                ..
            }
        );
    };
    ingest(s.alerts("feed").map(drop));
    ingest(s.alert(alerts[0], "feed").map(drop));
    ingest(s.users("feed").map(drop));
    ingest(s.cases("feed").map(drop));
    ingest(s.reports(None, "feed").map(drop));
    ingest(s.payments(&["t1"], "feed").map(drop));
    ingest(s.party_payments("S-1", Role::Sender, "feed").map(drop));
    ingest(s.audit_log("feed").map(drop));
    ingest(s.tokens("feed").map(drop));
    ingest(s.open_case(alerts[0], "feed").map(drop));
    ingest(s.add_user("x", UserRole::Analyst, "feed").map(drop));
    ingest(s.create_token("feed", "feed").map(drop));
    let case = s.open_case(alerts[0], "ana").unwrap();
    assert_err!(s.assign(case.id, "feed", "ana"), StoreError::Invalid(_));
    s.disable_user("feed", "ada").unwrap();
    assert_err!(s.authorize_ingest("feed"), StoreError::UserDisabled(_));
}

fn a_token_hash_swapped_behind_the_stores_back_is_named(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let t = s.create_token("ana", "ada").unwrap().token;
    s.verify_audit().unwrap();
    // Someone with database access puts in the hash of a secret they know.
    f.sql(&format!(
        "UPDATE api_tokens SET token_sha256 = '{}' WHERE id = {}",
        digest_hex("spur_0000000000000000000000000000000000000000000000000000000000000000"),
        t.id
    ));
    let found = findings(&mut *s);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].object, format!("token:{}", t.id));
    assert!(
        found[0]
            .message
            .contains("token_sha256 changed after audit entry"),
        "{}",
        found[0].message
    );
}

/// A database written by a build that had migration 9 before 7 (tokens)
/// was merged holds 9 but not 7: opening applies 7 too, not only the
/// versions above the highest.
fn a_migration_missing_below_the_highest_is_applied(f: &Fixture) {
    drop(f.open());
    f.sql("DROP TABLE api_tokens; DELETE FROM schema_version WHERE version = 7;");
    let mut s = f.open();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    staff(&mut *s);
    let issued = s.create_token("ana", "ada").unwrap();
    assert_eq!(s.authenticate(&issued.secret).unwrap().name, "ana");
    s.verify_audit().unwrap();
    drop(s);
    // Recorded as applied: opening again does not create the table twice.
    f.open().verify_audit().unwrap();
}
