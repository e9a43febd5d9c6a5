//! Users and tokens: users disabled and demoted, the audit log read and verified, a token's secret shown once.

use super::*;

#[test]
fn users_disabled_and_demoted_and_the_audit_log_read_and_verified() {
    let dir = Workdir::new("trust");
    let db = office(&dir);
    let as_ = |who: &str, args: &[&str]| spur(&dir, &db, Some(who), args);
    let ids = alert_ids(&dir, &db);
    as_("ana", &["case", "open", "--alert", &ids[0].to_string()]).ok();
    as_(
        "ana",
        &["case", "note", "--case", "1", "--text", "pays at night"],
    )
    .ok();

    // The last admin stays one; a disabled user can do nothing.
    as_("ada", &["user", "disable", "ada"]).fails_with(&["\"ada\" is the last active admin"]);
    as_("ada", &["user", "role", "ada", "analyst"]).fails_with(&["last active admin"]);
    as_("sue", &["user", "disable", "ana"]).fails_with(&["role supervisor may not manage users"]);
    let said = as_("ada", &["user", "role", "sam", "analyst"]).ok().stdout;
    assert_eq!(said, "user sam is now analyst\n");
    as_("ada", &["user", "disable", "ana"]).ok();
    as_("ana", &["case", "note", "--case", "1", "--text", "x"])
        .fails_with(&["user \"ana\" is disabled"]);
    as_("ana", &["alerts"]).fails_with(&["is disabled"]);
    let users = as_("aud", &["user", "list"]).ok().stdout;
    let lines: Vec<&str> = users.lines().collect();
    assert!(
        lines[0].contains("role") && lines[0].ends_with("disabled"),
        "{users}"
    );
    let column = |l: &str| l.find("20").unwrap();
    assert!(
        lines[1..].iter().all(|l| column(l) == column(lines[1])),
        "{users}"
    );
    let ana = lines.iter().find(|l| l.contains(" ana ")).unwrap();
    assert!(
        !ana.ends_with(" -"),
        "ana shows when she was disabled: {users}"
    );

    // The auditor reads the log, filtered; an analyst does not.
    let log = as_(
        "aud",
        &["audit", "log", "--actor", "ada", "--action", "user"],
    )
    .ok()
    .stdout;
    let actions: Vec<&str> = log
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(3))
        .collect();
    assert_eq!(
        actions,
        [
            "user.add",
            "user.add",
            "user.add",
            "user.add",
            "user.add",
            "user.set_role",
            "user.disable"
        ],
        "{log}"
    );
    assert!(log.ends_with("7 entries\n"), "{log}");
    let case = as_("sue", &["audit", "log", "--case", "1", "--json"])
        .ok()
        .stdout;
    let case: Vec<Value> = case
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(case.len(), 2);
    assert_eq!(case[1]["action"], "case.note");
    let scans = as_("aud", &["audit", "log", "--alert", &ids[0].to_string()])
        .ok()
        .stdout;
    assert!(scans.contains("scan.commit"), "{scans}");
    as_("aud", &["audit", "log", "--since", "yesterday"]).fails_with(&["--since \"yesterday\""]);
    as_("sam", &["audit", "log"]).fails_with(&["may not read the audit log"]);
    audit_ok(&dir, &db);

    // Rows edited behind spur's back are named, each.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(&format!(
        "UPDATE users SET role = 'admin' WHERE name = 'sam'; \
         UPDATE cases SET status = 'closed' WHERE id = 1; \
         UPDATE alerts SET score = 0.01 WHERE id = {};",
        ids[1]
    ))
    .unwrap();
    drop(conn);
    let run = spur(&dir, &db, None, &["audit", "verify"])
        .fails_with(&["3 protected row(s) were changed, added or deleted"]);
    for said in [
        "user sam: role changed after audit entry".to_owned(),
        "case 1: status changed after audit entry".to_owned(),
        format!("alert {}: differs from what audit entry", ids[1]),
    ] {
        assert!(run.stdout.contains(&said), "{said} in {}", run.stdout);
    }
}

#[test]
fn token_create_prints_the_secret_once_and_list_and_revoke_never_show_it() {
    let dir = Workdir::new("tokens");
    let db = Db::Sqlite.create(&dir, "tokens");
    spur(&dir, &db, None, &["user", "add", "ada", "--role", "admin"]).ok();
    spur(
        &dir,
        &db,
        Some("ada"),
        &["user", "add", "feed", "--role", "ingest"],
    )
    .ok();
    spur(
        &dir,
        &db,
        Some("ada"),
        &["user", "add", "ana", "--role", "analyst"],
    )
    .ok();
    let created = spur(
        &dir,
        &db,
        Some("ada"),
        &["token", "create", "--for", "feed"],
    )
    .ok();
    // Standard output is the secret alone, for `TOKEN=$(spur token create ...)`.
    let secret = created.stdout.trim_end_matches('\n');
    assert!(
        secret.starts_with("spur_") && secret.len() == 69 && !secret.contains('\n'),
        "{secret:?}"
    );
    assert!(
        created.stderr.contains("token 1 for feed created") && created.stderr.contains("once"),
        "{}",
        created.stderr
    );
    let listed = spur(&dir, &db, Some("ada"), &["token", "list"]).ok();
    assert!(listed.stdout.contains("feed") && listed.stdout.contains("ada"));
    assert!(!listed.stdout.contains(&secret[5..]), "{}", listed.stdout);
    spur(&dir, &db, Some("ana"), &["token", "create", "--for", "ana"])
        .fails_with(&["analyst may not manage API tokens"]);
    spur(&dir, &db, Some("ana"), &["alerts"]).ok();
    spur(&dir, &db, Some("feed"), &["alerts"]).fails_with(&["ingest may not read"]);
    let revoked = spur(
        &dir,
        &db,
        Some("ada"),
        &["token", "revoke", "--token-id", "1"],
    )
    .ok();
    assert_eq!(revoked.stdout, "token 1 of feed revoked\n");
    spur(
        &dir,
        &db,
        Some("ada"),
        &["token", "revoke", "--token-id", "1"],
    )
    .fails_with(&["token 1 is already revoked"]);
    let log = spur(
        &dir,
        &db,
        Some("ada"),
        &["audit", "log", "--action", "token"],
    )
    .ok();
    assert!(
        log.stdout.contains("token.create") && log.stdout.contains("token.revoke"),
        "{}",
        log.stdout
    );
    assert!(!log.stdout.contains(&secret[5..]));
    audit_ok(&dir, &db);
}
