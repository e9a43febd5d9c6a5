//! From alert to filed report: the flow with four eyes and a verified audit log, a report that does not validate, the rules of redrafts and approvals, a report showing part of the evidence.

use super::*;

#[test]
fn from_alert_to_filed_report_with_four_eyes_and_a_verified_audit_log() {
    let dir = Workdir::new("flow");
    let db = office(&dir);
    let ids = alert_ids(&dir, &db);
    assert!(ids.len() >= 2, "{ids:?}");
    let (a1, a2) = (ids[0].to_string(), ids[1].to_string());
    let as_ = |user: &str, args: &[&str]| spur(&dir, &db, Some(user), args);

    let opened = as_("ana", &["case", "open", "--alert", &a1]).ok().stdout;
    assert!(opened.starts_with("case 1 opened: status open"), "{opened}");
    as_("ana", &["case", "add-alert", "--case", "1", "--alert", &a2]).ok();
    as_("ana", &["case", "assign", "--case", "1", "--to", "ana"]).ok();
    as_(
        "ana",
        &[
            "case",
            "note",
            "--case",
            "1",
            "--text",
            "same receivers, night-time pattern",
        ],
    )
    .ok();
    as_(
        "ana",
        &["case", "status", "--case", "1", "--to", "investigating"],
    )
    .ok();
    as_(
        "ana",
        &["case", "disposition", "--case", "1", "--to", "suspicious"],
    )
    .ok();
    let shown = as_("aud", &["case", "show", "--case", "1"]).ok().stdout;
    for needle in [
        "status       investigating",
        "disposition  suspicious",
        "assignee     ana",
        "same receivers, night-time pattern",
        "alert  indicator  reason",
    ] {
        assert!(shown.contains(needle), "{needle:?} in\n{shown}");
    }
    let list = as_("aud", &["case", "list"]).ok().stdout;
    assert!(
        list.lines().nth(1).unwrap().contains("investigating"),
        "{list}"
    );

    // The auditor reads everything and changes nothing.
    as_("aud", &["case", "note", "--case", "1", "--text", "x"]).fails_with(&["auditor may not"]);
    as_("aud", &["case", "open", "--alert", &ids[2].to_string()]).fails_with(&["auditor may not"]);
    as_(
        "aud",
        &[
            "report", "draft", "--case", "1", "--fiu", "ae", "--entity", ENTITY,
        ],
    )
    .fails_with(&["auditor may not"]);

    // A supervisor drafts; the XML validates against the ae schema.
    let drafted = as_(
        "sue",
        &[
            "report",
            "draft",
            "--case",
            "1",
            "--fiu",
            "ae",
            "--entity",
            ENTITY,
            "--out",
            "draft.xml",
            "--reason",
            "Several payments at night to the same receivers in PH.",
        ],
    )
    .ok()
    .stdout;
    assert!(drafted.starts_with("report 1 drafted"), "{drafted}");
    let xml = dir.read("draft.xml");
    assert!(
        xml.contains("<report_code>STR</report_code>") && xml.contains("<transaction>"),
        "{xml}"
    );
    assert!(
        xml.contains("CSAM1"),
        "the ae profile's child-exploitation indicator"
    );
    xmllint(&dir, "draft.xml", "goAMLSchema-5.0.2-ae.xsd");

    // Four eyes.
    as_("sue", &["report", "approve", "--report", "1"]).fails_with(&["self-approval refused"]);
    as_("ana", &["report", "approve", "--report", "1"])
        .fails_with(&["role analyst may not approve reports"]);
    as_("aud", &["report", "approve", "--report", "1"]).fails_with(&["auditor may not"]);
    as_("ana", &["report", "file", "--report", "1"])
        .fails_with(&["report 1 is draft: cannot file it"]);
    // A draft may be written again from the case; the author stays.
    as_(
        "ana",
        &["report", "redraft", "--report", "1", "--entity", ENTITY],
    )
    .ok();
    as_("sam", &["report", "approve", "--report", "1"]).ok();
    as_("aud", &["report", "file", "--report", "1"]).fails_with(&["auditor may not"]);
    let filed = as_(
        "ana",
        &["report", "file", "--report", "1", "--out", "filed.xml"],
    )
    .ok()
    .stdout;
    assert!(
        filed.contains("status filed") && filed.contains("approved by sam"),
        "{filed}"
    );
    xmllint(&dir, "filed.xml", "goAMLSchema-5.0.2-ae.xsd");

    // Filed is final.
    as_(
        "ana",
        &["report", "redraft", "--report", "1", "--entity", ENTITY],
    )
    .fails_with(&["report 1 is filed and can no longer change"]);
    as_("sam", &["report", "approve", "--report", "1"]).fails_with(&["report 1 is filed"]);
    as_("ana", &["report", "file", "--report", "1"]).fails_with(&["report 1 is filed"]);
    assert_eq!(
        as_("aud", &["report", "show", "--report", "1", "--xml"])
            .ok()
            .stdout,
        dir.read("filed.xml")
    );
    assert!(as_("aud", &["case", "show", "--case", "1"])
        .ok()
        .stdout
        .contains("status       reported"));

    // The generic profile (goAML 5.0.1) validates too.
    as_("ana", &["case", "open", "--alert", &ids[2].to_string()]).ok();
    as_(
        "ana",
        &[
            "report",
            "draft",
            "--case",
            "2",
            "--fiu",
            "generic",
            "--out",
            "generic.xml",
        ],
    )
    .fails_with(&["--entity FILE or SPUR_ENTITY"]);
    spur_entity(
        &dir,
        &db,
        "ana",
        &[
            "report",
            "draft",
            "--case",
            "2",
            "--fiu",
            "generic",
            "--out",
            "generic.xml",
        ],
    )
    .ok();
    xmllint(&dir, "generic.xml", "goAMLSchema-5.0.1-generic.xsd");

    let entries = audit_ok(&dir, &db);
    assert!(entries >= 15, "{entries}");

    // Someone with access to the file edits the log behind spur's back.
    let path = dir.join("office/spur.db");
    let copy = dir.join("office/deleted.db");
    std::fs::copy(&path, &copy).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update;
         UPDATE audit_log SET actor = 'sue' WHERE action = 'report.approve';",
    )
    .unwrap();
    let edited: i64 = conn
        .query_row(
            "SELECT id FROM audit_log WHERE action = 'report.approve'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);
    spur(&dir, &db, None, &["audit", "verify"])
        .fails_with(&[&format!("audit log broken at entry {edited}")]);

    let conn = rusqlite::Connection::open(&copy).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_delete;
         DELETE FROM audit_log WHERE id = 3;",
    )
    .unwrap();
    drop(conn);
    let copy = copy.display().to_string();
    spur(&dir, &copy, None, &["audit", "verify"]).fails_with(&["audit log broken at entry"]);
}

fn spur_entity(dir: &Workdir, db: &str, user: &str, args: &[&str]) -> Run {
    dir.spur_with(
        args,
        &[
            ("SPUR_DB", db),
            ("SPUR_USER", user),
            ("SPUR_ENTITY", ENTITY),
        ],
        None,
    )
}

/// xmllint on a written report, independently of spur.
fn xmllint(dir: &Workdir, file: &str, xsd: &str) {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/goaml")
        .join(xsd);
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&xsd)
        .arg(dir.join(file))
        .output()
        .expect("xmllint (Debian: libxml2-utils) must be installed; scripts/test installs it");
    assert!(
        out.status.success(),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_report_that_does_not_validate_is_refused_with_xmllints_messages() {
    let dir = Workdir::new("invalid");
    let db = office(&dir);
    let ids = alert_ids(&dir, &db);
    spur(
        &dir,
        &db,
        Some("ana"),
        &["case", "open", "--alert", &ids[0].to_string()],
    )
    .ok();
    // A profile whose institution typed a transaction mode its FIU's schema lacks.
    let ae = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../profiles/ae.toml"
    ))
    .unwrap();
    let bad = ae
        .replace(
            "transaction_modes = [\"-\",",
            "transaction_modes = [\"BOGUS\", \"-\",",
        )
        .replace("transmode = \"ELCFT\"", "transmode = \"BOGUS\"")
        .replace("transmode = \"MB\"", "transmode = \"BOGUS\"");
    assert_ne!(bad, ae);
    dir.write("bad.toml", &bad);
    let run = spur_entity(
        &dir,
        &db,
        "ana",
        &[
            "report", "draft", "--case", "1", "--fiu", "bad.toml", "--out", "bad.xml",
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("does not validate against the ae profile's schema; nothing was stored"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("'BOGUS' is not an element of the set"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("bad.xml").exists(), "never written as final");
    let reports = spur(&dir, &db, Some("aud"), &["report", "list"])
        .ok()
        .stdout;
    assert_eq!(reports.lines().last(), Some("0 reports"), "nothing stored");
    spur_entity(
        &dir,
        &db,
        "ana",
        &["report", "draft", "--case", "1", "--fiu", "de"],
    )
    .fails_with(&["unknown FIU profile \"de\""]);
}

/// Four eyes over every author, one open report per case, corrections,
/// redrafts that keep the analyst's words, atomic filing (issue 8).
#[test]
fn supervisor_who_redrafts_cannot_approve_and_other_report_rules() {
    let dir = Workdir::new("rules");
    let db = office(&dir);
    let ids = alert_ids(&dir, &db);
    let as_ = |user: &str, args: &[&str]| spur_entity(&dir, &db, user, args);
    let show = |id: &str| as_("aud", &["report", "show", "--report", id]).ok().stdout;
    as_("ana", &["case", "open", "--alert", &ids[0].to_string()]).ok();
    let draft = [
        "report",
        "draft",
        "--case",
        "1",
        "--fiu",
        "ae",
        "--reason",
        "Pays three young women in PH at night.",
        "--action",
        "Account restricted.",
    ];
    as_("ana", &draft).ok();

    // A supervisor who rewrites the content becomes an author: no approving it.
    as_("sue", &["report", "redraft", "--report", "1"]).ok();
    as_("sue", &["report", "approve", "--report", "1"]).fails_with(&["self-approval refused"]);
    let listed = as_("aud", &["report", "list"]).ok().stdout;
    assert!(listed.contains("  ana, sue  "), "{listed}");
    let shown = show("1");
    assert!(shown.contains("authors          ana, sue"), "{shown}");
    // The redraft kept the analyst's reason and action.
    for kept in [
        "Pays three young women in PH at night.",
        "Account restricted.",
    ] {
        assert!(
            shown.contains(&format!("  {kept}")) || shown.contains(kept),
            "{shown}"
        );
        let xml = as_("aud", &["report", "show", "--report", "1", "--xml"])
            .ok()
            .stdout;
        assert!(xml.contains(kept), "{kept} kept in the XML");
    }
    as_(
        "ana",
        &[
            "report",
            "redraft",
            "--report",
            "1",
            "--action",
            "Relationship ended.",
        ],
    )
    .ok();
    let xml = as_("aud", &["report", "show", "--report", "1", "--xml"])
        .ok()
        .stdout;
    assert!(
        xml.contains("Pays three young women in PH at night.")
            && xml.contains("Relationship ended."),
        "{xml}"
    );

    // One open report per case.
    as_("ana", &draft).fails_with(&["case 1 already has report 1", "redraft report 1"]);

    // Filing: an unwritable place leaves the report approved.
    as_("sam", &["report", "approve", "--report", "1"]).ok();
    dir.write("not-a-dir", "a file");
    for out in ["not-a-dir/STR.xml", "missing/STR.xml"] {
        as_("ana", &["report", "file", "--report", "1", "--out", out])
            .fails_with(&["cannot write", "report 1 stays approved, not filed"]);
    }
    assert!(show("1").contains("status           approved"));
    // An existing file is not overwritten, without --force.
    dir.write("STR-1.xml", "an earlier file");
    as_(
        "ana",
        &["report", "file", "--report", "1", "--out", "STR-1.xml"],
    )
    .fails_with(&["STR-1.xml exists", "--force", "report 1 stays approved"]);
    assert_eq!(dir.read("STR-1.xml"), "an earlier file");
    assert!(show("1").contains("status           approved"));
    as_(
        "ana",
        &[
            "report",
            "file",
            "--report",
            "1",
            "--out",
            "STR-1.xml",
            "--force",
        ],
    )
    .ok();
    let filed = as_("aud", &["report", "show", "--report", "1", "--xml"])
        .ok()
        .stdout;
    assert_eq!(dir.read("STR-1.xml"), filed);
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("."))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".spur-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A later report on the filed case is a correction naming the filed one.
    as_("ana", &draft).fails_with(&["case 1 has filed report 1", "correction"]);
    as_(
        "ana",
        &[
            "report",
            "draft",
            "--case",
            "1",
            "--fiu",
            "ae",
            "--corrects",
            "1",
            "--fiu-ref",
            "AE-STR-2026-000123",
            "--out",
            "correction.xml",
        ],
    )
    .ok();
    let correction = dir.read("correction.xml");
    for needle in [
        "<entity_reference>1-c1</entity_reference>",
        "<fiu_ref_number>AE-STR-2026-000123</fiu_ref_number>",
        "CORRECTION: this report replaces in full the report with entity reference 1 filed on",
    ] {
        assert!(correction.contains(needle), "{needle} in\n{correction}");
    }
    xmllint(&dir, "correction.xml", "goAMLSchema-5.0.2-ae.xsd");
    let shown = show("2");
    assert!(
        shown.contains("corrects         report 1 (FIU reference AE-STR-2026-000123)"),
        "{shown}"
    );
    // A redraft keeps it a correction.
    as_(
        "sue",
        &[
            "report",
            "redraft",
            "--report",
            "2",
            "--out",
            "correction.xml",
        ],
    )
    .ok();
    assert!(dir
        .read("correction.xml")
        .contains("<entity_reference>1-c1</entity_reference>"));

    // A report on a closed case is not approved; closing needs a disposition.
    as_(
        "ana",
        &["case", "close", "--case", "1", "--reason", "reported"],
    )
    .fails_with(&["case 1 has no disposition"]);
    as_(
        "ana",
        &["case", "disposition", "--case", "1", "--to", "suspicious"],
    )
    .ok();
    as_(
        "ana",
        &["case", "close", "--case", "1", "--reason", "reported"],
    )
    .ok();
    as_("sam", &["report", "approve", "--report", "2"])
        .fails_with(&["report 2 is on case 1, which is closed"]);
    audit_ok(&dir, &db);
}

/// The engine keeps at most `max_evidence` payments per party as evidence:
/// a report that shows fewer than the party's payments says how many of how
/// many, and `--all-evidence` adds every kept payment of the party.
#[test]
fn a_report_showing_part_of_the_evidence_says_so() {
    let dir = Workdir::new("partial");
    let db = office(&dir);
    // The alert whose party has the most kept payments beyond its evidence
    // (payments kept as evidence of its counterparties).
    let alerts: Vec<Value> = spur(&dir, &db, Some("ana"), &["alerts", "--json"])
        .ok()
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let kept = |a: &Value| -> u64 {
        let column = if a["role"] == "sender" {
            "sender_id"
        } else {
            "receiver_id"
        };
        conn.query_row(
            &format!("SELECT COUNT(*) FROM payments WHERE {column} = ?1"),
            [a["subject"].as_str().unwrap()],
            |r| r.get(0),
        )
        .unwrap()
    };
    let evidence_of = |a: &Value| a["transactions"].as_array().unwrap().len() as u64;
    let partial = alerts
        .iter()
        .max_by_key(|a| kept(a).saturating_sub(evidence_of(a)))
        .expect("alerts");
    let total = partial["body"]["payments"].as_u64().unwrap();
    let evidence = evidence_of(partial);
    assert!(
        kept(partial) > evidence && total > evidence,
        "the scan has a party with more kept payments than its evidence: {partial} kept {}",
        kept(partial)
    );
    let as_ = |user: &str, args: &[&str]| spur_entity(&dir, &db, user, args);
    as_(
        "ana",
        &["case", "open", "--alert", &partial["id"].to_string()],
    )
    .ok();
    let run = as_(
        "ana",
        &[
            "report", "draft", "--case", "1", "--fiu", "generic", "--out", "r.xml",
        ],
    )
    .ok();
    let said = format!("shows {evidence} of {total} payments of the alerted parties");
    assert!(dir.read("r.xml").contains(&said), "{said}");
    assert!(run.stderr.contains("--all-evidence"), "{}", run.stderr);
    let run = as_(
        "ana",
        &[
            "report",
            "redraft",
            "--report",
            "1",
            "--all-evidence",
            "--out",
            "r.xml",
        ],
    )
    .ok();
    let xml = dir.read("r.xml");
    let shown = xml.matches("<transaction>").count() as u64;
    assert!(
        shown > evidence,
        "--all-evidence adds kept payments: {shown} <= {evidence}"
    );
    if shown < total {
        assert!(
            xml.contains(&format!("shows {shown} of {total} payments")),
            "{}",
            run.stderr
        );
    } else {
        assert!(!xml.contains("of the evidence"));
    }
    xmllint(&dir, "r.xml", "goAMLSchema-5.0.1-generic.xsd");
    // The choice is kept by the next redraft.
    as_(
        "ana",
        &["report", "redraft", "--report", "1", "--out", "r.xml"],
    )
    .ok();
    assert_eq!(
        dir.read("r.xml").matches("<transaction>").count() as u64,
        shown
    );
    assert!(as_("aud", &["report", "show", "--report", "1"])
        .ok()
        .stdout
        .contains("every kept payment of the alerted parties"));
}
