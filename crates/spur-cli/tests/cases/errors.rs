//! Bad input: unknown ids and illegal transitions, the default database, commands that refuse to create one.

use super::*;

#[test]
fn unknown_ids_and_illegal_transitions_are_clear_errors() {
    let dir = Workdir::new("errors");
    let db = office(&dir);
    let ids = alert_ids(&dir, &db);
    let (a1, a2) = (ids[0].to_string(), ids[1].to_string());
    let as_ = |user: &str, args: &[&str]| spur(&dir, &db, Some(user), args);

    spur(&dir, &db, None, &["alerts"]).fails_with(&["--user NAME or SPUR_USER"]);
    as_("mallory", &["alerts"]).fails_with(&["no user named \"mallory\""]);
    as_("ana", &["case", "show", "--case", "99"]).fails_with(&["no case with id 99"]);
    as_("ana", &["case", "open", "--alert", "99999"]).fails_with(&["no alert with id 99999"]);
    as_("sue", &["report", "approve", "--report", "7"]).fails_with(&["no report with id 7"]);
    as_("ana", &["report", "show", "--report", "7"]).fails_with(&["no report with id 7"]);

    as_("ana", &["case", "open", "--alert", &a1]).ok();
    as_("ana", &["case", "open", "--alert", &a1])
        .fails_with(&[&format!("alert {a1} is already in case 1")]);
    as_("ana", &["case", "assign", "--case", "1", "--to", "aud"]).fails_with(&["auditor"]);
    as_("ana", &["case", "assign", "--case", "1", "--to", "nobody"])
        .fails_with(&["no user named \"nobody\""]);
    as_(
        "ana",
        &["case", "close", "--case", "1", "--reason", "family support"],
    )
    .fails_with(&["case 1 has no disposition", "false_positive"]);
    as_(
        "ana",
        &[
            "case",
            "disposition",
            "--case",
            "1",
            "--to",
            "false-positive",
        ],
    )
    .ok();
    as_(
        "ana",
        &[
            "case",
            "close",
            "--case",
            "1",
            "--reason",
            "false positive: family support",
        ],
    )
    .ok();
    as_(
        "ana",
        &["case", "status", "--case", "1", "--to", "investigating"],
    )
    .fails_with(&["case 1"]);
    as_("ana", &["case", "add-alert", "--case", "1", "--alert", &a2])
        .fails_with(&["case 1 is closed"]);
    as_("ana", &["case", "note", "--case", "1", "--text", "late"])
        .fails_with(&["case 1 is closed"]);
    as_("ana", &["case", "status", "--case", "1", "--to", "closed"])
        .fails_with(&["invalid value 'closed'"]);
    let shown = as_("ana", &["case", "show", "--case", "1"]).ok().stdout;
    assert!(
        shown.contains("closed for   false positive: family support"),
        "{shown}"
    );

    // A database written by a newer spur is refused, not touched.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO schema_version (version, applied_at) VALUES (99, 0)",
        [],
    )
    .unwrap();
    drop(conn);
    as_("ana", &["alerts"]).fails_with(&["schema version 99, newer than version"]);
    spur(&dir, &db, None, &["scan", "sim/payments.csv"]).fails_with(&["schema version 99"]);
    spur(&dir, "mysql://h/db", Some("ana"), &["alerts"])
        .fails_with(&["unsupported database location"]);
}

#[test]
fn commands_default_to_spur_data_and_scan_without_db_stores_nothing() {
    let dir = Workdir::new("default");
    let payments = simulate(&dir, 200);
    let file = payments.display().to_string();
    let run = dir.spur(&["scan", &file, "--quiet"]).ok();
    assert!(run.stdout.lines().count() > 0, "alerts on stdout as before");
    assert!(!dir.join("spur-data").exists());
    dir.spur(&["user", "add", "ada", "--role", "admin"]).ok();
    assert!(dir.join("spur-data/spur.db").exists());
    let table = dir
        .spur_with(&["alerts"], &[("SPUR_USER", "ada")], None)
        .ok()
        .stdout;
    assert!(table.ends_with("0 alerts\n"), "{table}");
}

#[test]
fn commands_other_than_scan_and_user_add_refuse_to_create_a_database() {
    let dir = Workdir::new("no-db");
    let env = [("SPUR_USER", "ada")];
    for args in [
        &["alerts"][..],
        &["user", "list"],
        &["case", "list"],
        &["report", "list"],
        &["audit", "verify"],
    ] {
        dir.spur_with(args, &env, None).fails_with(&[
            "no spur database at spur-data/spur.db",
            "run `spur scan FILE --db ...` or `spur user add` first, or pass --db",
        ]);
    }
    let elsewhere = dir.join("typo/spur.db").display().to_string();
    dir.spur_with(&["alerts", "--db", &elsewhere], &env, None)
        .fails_with(&[&format!("no spur database at {elsewhere}")]);
    assert!(!dir.join("spur-data").exists() && !dir.join("typo").exists());
}
