//! What spur logs at info and above names no party.

use super::*;

#[test]
fn logs_at_info_and_above_name_no_party() {
    let dir = Workdir::new("logs");
    let payments = simulate(&dir, 200);
    let text = std::fs::read_to_string(&payments).unwrap();
    // Party ids and names: columns sender_id, sender_name, receiver_id, receiver_name.
    let mut personal = std::collections::BTreeSet::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        for i in [4, 5, 7, 8] {
            if f[i].len() > 3 {
                personal.insert(f[i].to_owned());
            }
        }
    }
    let db = dir.join("logs.db").display().to_string();
    let file = payments.display().to_string();
    let info = |user: Option<&str>, args: &[&str]| {
        let mut env = vec![
            ("SPUR_DB", db.as_str()),
            ("SPUR_LOG", "info"),
            ("SPUR_ENTITY", ENTITY),
        ];
        if let Some(u) = user {
            env.push(("SPUR_USER", u));
        }
        dir.spur_with(args, &env, None).ok().stderr
    };
    let mut logs = info(None, &["scan", &file, "--quiet"]);
    logs += &info(None, &["scan", &file, "--quiet"]);
    logs += &info(None, &["user", "add", "ada", "--role", "admin"]);
    logs += &info(Some("ada"), &["user", "add", "ana", "--role", "analyst"]);
    let first = alert_ids(&dir, &db)[0].to_string();
    logs += &info(Some("ana"), &["case", "open", "--alert", &first]);
    logs += &info(
        Some("ana"),
        &["report", "draft", "--case", "1", "--fiu", "ae"],
    );
    let events: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains(" INFO ") || l.contains(" WARN ") || l.contains(" ERROR "))
        .collect();
    assert!(events.iter().any(|l| l.contains("stored")), "{logs}");
    for e in &events {
        for p in &personal {
            assert!(!e.contains(p.as_str()), "{p:?} in the log line {e}");
        }
    }
}
