//! Paged lists and the party view (issue 9): every page walks every item once, bad cursors are typed errors, readers only, a party's network cut at its limit.

use super::*;

conformance! {
    alert_pages_walk_every_alert_once_by_score_for_each_filter,
    a_page_after_a_scan_neither_repeats_nor_skips_the_others,
    a_bad_cursor_or_limit_is_a_typed_error,
    case_pages_walk_every_case_once_newest_first,
    report_user_and_audit_pages_walk_every_item_once,
    paged_lists_check_the_readers_role,
    a_party_view_shows_its_alerts_timeline_counterparties_and_network,
    a_hubs_network_is_cut_at_its_limit,
    a_scan_without_txn_ids_into_an_empty_store_verifies,
}

/// Walks every page of a list with `limit` items a page and returns the
/// items' keys in order, checking that every page but the last is full and
/// that the last has no cursor.
fn walk<T, K: Clone + Eq + std::hash::Hash + std::fmt::Debug>(
    limit: usize,
    mut fetch: impl FnMut(&PageRequest) -> Result<Page<T>, StoreError>,
    key: impl Fn(&T) -> K,
) -> Vec<K> {
    let mut request = PageRequest::first(limit);
    let mut keys = Vec::new();
    let mut pages = 0;
    loop {
        let page = fetch(&request).expect("a page");
        pages += 1;
        assert!(page.items.len() <= limit, "page {pages} over the limit");
        keys.extend(page.items.iter().map(&key));
        match page.next_cursor {
            Some(c) => {
                assert_eq!(
                    page.items.len(),
                    limit,
                    "page {pages} has a cursor but is not full"
                );
                request.cursor = Some(c);
            }
            None => break,
        }
        assert!(pages < 10_000, "paging does not end");
    }
    let unique: std::collections::HashSet<K> = keys.iter().cloned().collect();
    assert_eq!(unique.len(), keys.len(), "an item came twice: {keys:?}");
    keys
}

const LIMITS: &[usize] = &[1, 2, 3, 7, 50, 500];

const CODES: &[&str] = &["P-SHARED", "R-RING", "P-FREQ", "R-SENDERS"];

/// 40 alerts (20 senders, 20 receivers) with tied scores, three
/// countries, indicator codes in turn; alerts 1-6 in cases (1-3 assigned
/// to ana, 4-5 to alex), and a second whole scan clearing six, two of
/// them in a case. Returns every stored alert.
fn office_with_alerts(f: &Fixture, s: &mut dyn Store) -> Vec<spur_store::StoredAlert> {
    staff(s);
    let countries = ["PH", "CA", "AU"];
    let make = |i: usize| {
        let role = [Role::Sender, Role::Receiver][i % 2];
        let prefix = if role == Role::Sender { "S" } else { "R" };
        let score = [0.5, 0.6, 0.7, 0.8, 0.9][i % 5];
        let mut a = alert(&format!("{prefix}-{i:02}"), role, score, &[]);
        a.country = countries[i % 3].into();
        a.indicators = vec![
            Finding {
                code: CODES[i % 4].into(),
                contribution: score / 2.0,
                reason: "r".into(),
                parties: vec![],
            },
            Finding {
                code: CODES[(i / 4) % 4].into(),
                contribution: score / 2.0,
                reason: "r".into(),
                parties: vec![],
            },
        ];
        a
    };
    let all: Vec<Alert> = (0..40).map(make).collect();
    let ids: Vec<&str> = vec![];
    let first = s
        .commit_scan_batch_with_payments(&txns(&ids), &all, &[], b"s1", 0)
        .unwrap();
    let created = first.alerts_created;
    for (n, who) in [
        (0, Some("ana")),
        (1, Some("ana")),
        (2, Some("ana")),
        (3, Some("alex")),
        (4, Some("alex")),
        (5, None),
    ] {
        let case = s.open_case(created[n], "ana").unwrap();
        if let Some(who) = who {
            s.assign(case.id, who, "ana").unwrap();
        }
    }
    f.clock.advance(60);
    // Alerts 0, 1 (in cases) and 30-33 are no longer raised.
    let kept: Vec<Alert> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| !matches!(i, 0 | 1 | 30..=33))
        .map(|(_, a)| a.clone())
        .collect();
    let second = s
        .commit_scan_batch_with_payments(&txns(&ids), &kept, &[], b"s2", 1)
        .unwrap();
    assert_eq!(second.alerts_cleared.len(), 6);
    s.alerts("aud").unwrap()
}

/// What `filter` lets through, decided in memory: the oracle the SQL is
/// checked against.
fn alert_passes(
    filter: &AlertFilter,
    a: &spur_store::StoredAlert,
    assignees: &std::collections::HashMap<i64, Option<String>>,
) -> bool {
    let status = AlertStatus::of(a);
    let status_ok = match filter.statuses.is_empty() {
        true => status != AlertStatus::Cleared,
        false => filter.statuses.contains(&status),
    };
    let assignee = a.case_id.and_then(|c| assignees[&c].clone());
    status_ok
        && filter.role.is_none_or(|r| r == a.role)
        && filter.min_score.is_none_or(|m| a.score >= m)
        && filter
            .country
            .as_deref()
            .is_none_or(|c| c.eq_ignore_ascii_case(&a.country))
        && filter
            .indicator
            .as_deref()
            .is_none_or(|code| spur_store::indicator_codes(a).any(|c| c.eq_ignore_ascii_case(code)))
        && filter
            .assignee
            .as_deref()
            .is_none_or(|x| assignee.as_deref() == Some(x))
        && filter.subject.as_deref().is_none_or(|x| a.subject == x)
}

fn alert_pages_walk_every_alert_once_by_score_for_each_filter(f: &Fixture) {
    let mut s = f.open();
    let all = office_with_alerts(f, &mut *s);
    assert_eq!(all.len(), 40);
    let assignees: std::collections::HashMap<i64, Option<String>> = s
        .cases("aud")
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.assignee))
        .collect();
    let filter = |edit: fn(&mut AlertFilter)| {
        let mut f = AlertFilter::default();
        edit(&mut f);
        f
    };
    let filters = [
        filter(|_| {}),
        filter(|f| f.statuses = vec![AlertStatus::Cleared]),
        filter(|f| f.statuses = vec![AlertStatus::New]),
        filter(|f| f.statuses = vec![AlertStatus::InCase]),
        filter(|f| f.statuses = vec![AlertStatus::New, AlertStatus::Cleared]),
        filter(|f| f.statuses = AlertStatus::ALL.to_vec()),
        filter(|f| f.role = Some(Role::Sender)),
        filter(|f| f.min_score = Some(0.75)),
        filter(|f| f.min_score = Some(0.9)),
        filter(|f| f.indicator = Some("r-ring".into())),
        filter(|f| f.indicator = Some("R-".into())),
        filter(|f| f.country = Some("ph".into())),
        filter(|f| f.assignee = Some("ana".into())),
        filter(|f| f.assignee = Some("sue".into())),
        filter(|f| f.subject = Some("S-04".into())),
        filter(|f| {
            f.role = Some(Role::Receiver);
            f.min_score = Some(0.6);
            f.indicator = Some("P-SHARED".into());
            f.statuses = AlertStatus::ALL.to_vec();
        }),
        filter(|f| {
            f.country = Some("CA".into());
            f.assignee = Some("alex".into());
            f.statuses = vec![AlertStatus::InCase];
        }),
        filter(|f| {
            f.indicator = Some("P-FREQ".into());
            f.country = Some("AU".into());
            f.role = Some(Role::Sender);
        }),
    ];
    let mut non_empty = 0;
    for filter in &filters {
        let mut expected: Vec<&spur_store::StoredAlert> = all
            .iter()
            .filter(|a| alert_passes(filter, a, &assignees))
            .collect();
        expected.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        let expected: Vec<i64> = expected.iter().map(|a| a.id).collect();
        non_empty += usize::from(!expected.is_empty());
        for &limit in LIMITS {
            let got = walk(limit, |p| s.alert_page(filter, p, "ana"), |a| a.id);
            assert_eq!(got, expected, "{filter:?}, limit {limit}");
        }
    }
    // The fixture exercises the filters: most let some through, not all.
    assert!(
        non_empty >= filters.len() - 3,
        "{non_empty} filters found alerts"
    );
    // The CLI's whole list is the same, by id.
    let mut by_id: Vec<i64> = all
        .iter()
        .filter(|a| AlertStatus::of(a) != AlertStatus::Cleared)
        .map(|a| a.id)
        .collect();
    by_id.sort();
    let cli: Vec<i64> = spur_store::filtered_alerts(&mut *s, &AlertFilter::default(), "ana")
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(cli, by_id);
}

/// An alert updated between two pages (its score changed by a scan) does
/// not make the walk repeat or skip the others.
fn a_page_after_a_scan_neither_repeats_nor_skips_the_others(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let batch: Vec<Alert> = (0..10)
        .map(|i| alert(&format!("S-{i}"), Role::Sender, 0.5 + i as f64 / 100.0, &[]))
        .collect();
    s.commit_scan_batch(&[], &batch, b"s").unwrap();
    let first = s
        .alert_page(&AlertFilter::default(), &PageRequest::first(4), "ana")
        .unwrap();
    let subjects = |p: &Page<spur_store::StoredAlert>| {
        p.items
            .iter()
            .map(|a| a.subject.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(subjects(&first), ["S-9", "S-8", "S-7", "S-6"]);
    // S-2 rises above the page already read; a new alert S-X lands below it.
    s.commit_scan_batch(
        &[],
        &[
            alert("S-2", Role::Sender, 0.99, &[]),
            alert("S-X", Role::Sender, 0.515, &[]),
        ],
        b"s2",
    )
    .unwrap();
    let rest = walk(
        3,
        |p| {
            let p = match &p.cursor {
                Some(_) => p.clone(),
                None => PageRequest {
                    limit: Some(3),
                    cursor: first.next_cursor.clone(),
                },
            };
            s.alert_page(&AlertFilter::default(), &p, "ana")
        },
        |a| a.subject.clone(),
    );
    assert_eq!(rest, ["S-5", "S-4", "S-3", "S-X", "S-1", "S-0"]);
}

fn a_bad_cursor_or_limit_is_a_typed_error(f: &Fixture) {
    let mut s = f.open();
    office_with_alerts(f, &mut *s);
    let cases_cursor = s
        .case_page(&CaseFilter::default(), &PageRequest::first(1), "ana")
        .unwrap()
        .next_cursor
        .expect("more than one case");
    let alerts_cursor = s
        .alert_page(&AlertFilter::default(), &PageRequest::first(1), "ana")
        .unwrap()
        .next_cursor
        .unwrap();
    let with = |cursor: &str| PageRequest {
        limit: None,
        cursor: Some(cursor.into()),
    };
    let hex = |plain: &str| {
        plain
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    for bad in [
        "".to_owned(),
        "not a cursor".to_owned(),
        "zz".to_owned(),
        "'; DROP TABLE alerts; --".to_owned(),
        cases_cursor.clone(),
        hex("alerts|3fe0000000000000"),
        hex("alerts|3fe0000000000000|x"),
        hex("alerts|nothex|1"),
        hex("alerts|7ff8000000000000|1"),
        alerts_cursor[..alerts_cursor.len() - 1].to_owned(),
    ] {
        let e = assert_err!(
            s.alert_page(&AlertFilter::default(), &with(&bad), "ana"),
            StoreError::BadCursor(_)
        );
        assert_eq!(e.code(), "bad_cursor");
        assert!(e.to_string().contains("start again"), "{e}");
    }
    assert_err!(
        s.case_page(&CaseFilter::default(), &with(&alerts_cursor), "ana"),
        StoreError::BadCursor(_)
    );
    assert_err!(
        s.report_page(&ReportFilter::default(), &with(&cases_cursor), "ana"),
        StoreError::BadCursor(_)
    );
    assert_err!(
        s.user_page(&with(&cases_cursor), "ana"),
        StoreError::BadCursor(_)
    );
    assert_err!(
        s.audit_page(&AuditFilter::default(), &with("x"), "aud"),
        StoreError::BadCursor(_)
    );
    for limit in [0, MAX_LIMIT + 1] {
        let p = PageRequest {
            limit: Some(limit),
            cursor: None,
        };
        assert_err!(
            s.alert_page(&AlertFilter::default(), &p, "ana"),
            StoreError::Invalid(_)
        );
        assert_err!(s.user_page(&p, "ana"), StoreError::Invalid(_));
    }
    let nan = AlertFilter {
        min_score: Some(f64::NAN),
        ..Default::default()
    };
    assert_err!(
        s.alert_page(&nan, &PageRequest::default(), "ana"),
        StoreError::Invalid(_)
    );
    // The store is fine afterwards.
    s.verify_audit().unwrap();
}

fn case_pages_walk_every_case_once_newest_first(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let batch: Vec<Alert> = (0..14)
        .map(|i| alert(&format!("S-{i}"), Role::Sender, 0.9, &[]))
        .collect();
    let alerts = s
        .commit_scan_batch(&[], &batch, b"s")
        .unwrap()
        .alerts_created;
    for (i, a) in alerts.iter().enumerate() {
        let c = s.open_case(*a, "ana").unwrap();
        match i % 4 {
            0 => {}
            1 => {
                s.set_status(c.id, CaseStatus::Investigating, "ana")
                    .unwrap();
                s.assign(c.id, "alex", "ana").unwrap();
            }
            2 => {
                s.set_status(c.id, CaseStatus::Escalated, "ana").unwrap();
                s.assign(c.id, "sue", "ana").unwrap();
                s.set_disposition(c.id, Disposition::Suspicious, "sue")
                    .unwrap();
            }
            _ => {
                s.assign(c.id, "alex", "ana").unwrap();
                s.set_disposition(c.id, Disposition::FalsePositive, "alex")
                    .unwrap();
                s.note(c.id, "family support", "alex").unwrap();
                s.close(c.id, "documented", "alex").unwrap();
            }
        }
    }
    let all = s.cases("aud").unwrap();
    let filters = [
        CaseFilter::default(),
        CaseFilter {
            statuses: vec![CaseStatus::Open],
            ..Default::default()
        },
        CaseFilter {
            statuses: vec![CaseStatus::Investigating, CaseStatus::Escalated],
            ..Default::default()
        },
        CaseFilter {
            assignee: Some("alex".into()),
            ..Default::default()
        },
        CaseFilter {
            disposition: Some(Disposition::Suspicious),
            ..Default::default()
        },
        CaseFilter {
            assignee: Some("alex".into()),
            statuses: vec![CaseStatus::Closed],
            disposition: Some(Disposition::FalsePositive),
        },
        CaseFilter {
            assignee: Some("nobody".into()),
            ..Default::default()
        },
    ];
    for filter in &filters {
        let expected: Vec<spur_store::Case> = all
            .iter()
            .rev()
            .filter(|c| filter.statuses.is_empty() || filter.statuses.contains(&c.status))
            .filter(|c| filter.assignee.is_none() || c.assignee == filter.assignee)
            .filter(|c| filter.disposition.is_none_or(|d| d == c.disposition))
            .cloned()
            .collect();
        for &limit in LIMITS {
            let mut got = Vec::new();
            walk(
                limit,
                |p| {
                    let page = s.case_page(filter, p, "aud")?;
                    got.extend(page.items.clone());
                    Ok(page)
                },
                |c| c.id,
            );
            // Whole cases, alerts and notes with them, as `case` reads them.
            assert_eq!(got, expected, "{filter:?}, limit {limit}");
        }
    }
}

fn report_user_and_audit_pages_walk_every_item_once(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    for i in 0..9 {
        s.add_user(&format!("user{i}"), UserRole::Analyst, "ada")
            .unwrap();
    }
    let batch: Vec<Alert> = (0..6)
        .map(|i| alert(&format!("S-{i}"), Role::Sender, 0.9, &[]))
        .collect();
    let alerts = s
        .commit_scan_batch(&[], &batch, b"s")
        .unwrap()
        .alerts_created;
    for (i, a) in alerts.iter().enumerate() {
        let c = s.open_case(*a, "ana").unwrap();
        let r = draft(&mut *s, c.id, "first", "ana").unwrap();
        if i % 3 >= 1 {
            s.approve_report(r.id, "sue").unwrap();
        }
        if i % 3 == 2 {
            s.file_report(r.id, "ana").unwrap();
            correct(&mut *s, &r, "ana").unwrap();
        }
    }
    let all = s.reports(None, "aud").unwrap();
    assert_eq!(all.len(), 8);
    let filters = [
        ReportFilter::default(),
        ReportFilter {
            case_id: Some(3),
            ..Default::default()
        },
        ReportFilter {
            statuses: vec![ReportStatus::Draft],
            ..Default::default()
        },
        ReportFilter {
            statuses: vec![ReportStatus::Approved, ReportStatus::Filed],
            ..Default::default()
        },
        ReportFilter {
            case_id: Some(3),
            statuses: vec![ReportStatus::Filed],
        },
    ];
    for filter in &filters {
        let expected: Vec<i64> = all
            .iter()
            .rev()
            .filter(|r| filter.case_id.is_none_or(|c| c == r.case_id))
            .filter(|r| filter.statuses.is_empty() || filter.statuses.contains(&r.status))
            .map(|r| r.id)
            .collect();
        assert!(!expected.is_empty(), "{filter:?}");
        for &limit in LIMITS {
            let got = walk(limit, |p| s.report_page(filter, p, "ana"), |r| r.id);
            assert_eq!(got, expected, "{filter:?}, limit {limit}");
        }
    }
    let users: Vec<i64> = s.users("ana").unwrap().iter().map(|u| u.id).collect();
    assert_eq!(users.len(), 15);
    for &limit in LIMITS {
        assert_eq!(walk(limit, |p| s.user_page(p, "aud"), |u| u.id), users);
    }
    let audit_filters = [
        AuditFilter::default(),
        AuditFilter {
            action: Some("report".into()),
            ..Default::default()
        },
        AuditFilter {
            actor: Some("ana".into()),
            object_kind: Some("case".into()),
            ..Default::default()
        },
    ];
    for filter in &audit_filters {
        let expected: Vec<i64> = s
            .audit_entries(filter, "aud")
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        assert!(expected.len() > 3, "{filter:?}");
        for &limit in LIMITS {
            for reader in ["aud", "ada", "sue"] {
                let got = walk(limit, |p| s.audit_page(filter, p, reader), |e| e.id);
                assert_eq!(got, expected, "{filter:?}, limit {limit}");
            }
        }
    }
}

fn paged_lists_check_the_readers_role(f: &Fixture) {
    let mut s = f.open();
    office_with_alerts(f, &mut *s);
    s.add_user("gone", UserRole::Auditor, "ada").unwrap();
    s.disable_user("gone", "ada").unwrap();
    let p = PageRequest::default();
    for who in ["ana", "sue", "ada", "aud"] {
        s.alert_page(&AlertFilter::default(), &p, who).unwrap();
        s.case_page(&CaseFilter::default(), &p, who).unwrap();
        s.report_page(&ReportFilter::default(), &p, who).unwrap();
        s.user_page(&p, who).unwrap();
        s.party_view("S-02", None, who).unwrap();
    }
    for who in ["nobody", "gone"] {
        let refused =
            |e: &StoreError| matches!(e, StoreError::UnknownUser(_) | StoreError::UserDisabled(_));
        let errors = [
            s.alert_page(&AlertFilter::default(), &p, who).map(|_| ()),
            s.case_page(&CaseFilter::default(), &p, who).map(|_| ()),
            s.report_page(&ReportFilter::default(), &p, who).map(|_| ()),
            s.user_page(&p, who).map(|_| ()),
            s.audit_page(&AuditFilter::default(), &p, who).map(|_| ()),
            s.party_view("S-02", None, who).map(|_| ()),
        ];
        for e in errors {
            assert!(refused(e.as_ref().unwrap_err()), "{who}: {e:?}");
        }
    }
    // The audit log: auditors, admins and supervisors, not analysts.
    let e = assert_err!(
        s.audit_page(&AuditFilter::default(), &p, "ana"),
        StoreError::Forbidden { .. }
    );
    assert_eq!(e.code(), "forbidden");
    for who in ["aud", "ada", "sue"] {
        s.audit_page(&AuditFilter::default(), &p, who).unwrap();
    }
}

fn pay(txn: &str, from: &str, to: &str, amount: f64, t: i64) -> PaymentRecord {
    let mut p = payment(txn, t);
    p.sender_id = from.into();
    p.sender_name = format!("name of {from}");
    p.receiver_id = to.into();
    p.receiver_name = format!("name of {to}");
    p.amount = amount;
    p
}

fn a_party_view_shows_its_alerts_timeline_counterparties_and_network(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let payments = [
        pay("t2", "S-1", "R-1", 20.0, T0 + 20),
        pay("t1", "S-1", "R-1", 10.0, T0 + 10),
        pay("t3", "S-2", "R-1", 30.0, T0 + 30),
        pay("t4", "S-2", "R-2", 40.0, T0 + 40),
        pay("t5", "S-3", "R-2", 50.0, T0 + 50),
        pay("t6", "S-9", "R-9", 60.0, T0 + 60),
    ];
    let ids: Vec<&str> = payments.iter().map(|p| p.txn_id.as_str()).collect();
    let batch = s
        .commit_scan_batch_with_payments(
            &txns(&ids),
            &[
                alert("R-1", Role::Receiver, 0.9, &["t1", "t2", "t3"]),
                alert("S-2", Role::Sender, 0.7, &["t3", "t4"]),
            ],
            &payments,
            b"s",
            0,
        )
        .unwrap();
    let (r1_alert, s2_alert) = (batch.alerts_created[0], batch.alerts_created[1]);
    let v = s.party_view("R-1", Some(Role::Receiver), "ana").unwrap();
    let txn_ids = |p: &[PaymentRecord]| p.iter().map(|p| p.txn_id.clone()).collect::<Vec<_>>();
    assert_eq!(
        v.alerts.iter().map(|a| a.id).collect::<Vec<_>>(),
        [r1_alert]
    );
    assert_eq!(txn_ids(&v.payments), ["t1", "t2", "t3"]);
    let cps: Vec<(&str, usize)> = v
        .counterparties
        .iter()
        .map(|c| (c.id.as_str(), c.payments))
        .collect();
    assert_eq!(cps, [("S-1", 2), ("S-2", 1)]);
    assert_eq!(
        (
            v.summary.payments_received,
            v.summary.received["USD"],
            v.summary.name.as_str()
        ),
        (3, 60.0, "name of R-1")
    );
    assert_eq!(
        (v.summary.first, v.summary.last),
        (Some(T0 + 10), Some(T0 + 30))
    );
    let parties: Vec<(&str, u32)> = v
        .network
        .parties
        .iter()
        .map(|p| (p.id.as_str(), p.hops))
        .collect();
    // S-3 is three payments away; S-9 and R-9 are not connected.
    assert_eq!(parties, [("R-1", 0), ("S-1", 1), ("S-2", 1), ("R-2", 2)]);
    assert!(!v.network.truncated);
    let links: Vec<(&str, &str, usize)> = v
        .network
        .links
        .iter()
        .map(|l| (l.sender.as_str(), l.receiver.as_str(), l.payments))
        .collect();
    assert_eq!(
        links,
        [("S-1", "R-1", 2), ("S-2", "R-1", 1), ("S-2", "R-2", 1)]
    );
    let s2 = &v.network.parties[2];
    assert_eq!(
        s2.alerts
            .iter()
            .map(|a| (a.id, a.status))
            .collect::<Vec<_>>(),
        [(s2_alert, AlertStatus::New)]
    );
    // Both sides, or the other side only.
    let both = s.party_view("S-2", None, "aud").unwrap();
    assert_eq!(txn_ids(&both.payments), ["t3", "t4"]);
    let as_receiver = s.party_view("S-2", Some(Role::Receiver), "aud").unwrap();
    assert!(as_receiver.payments.is_empty());
    assert_eq!(as_receiver.alerts.len(), 1);
    // A party with kept payments and no alert is known; one with neither is not.
    let s3 = s.party_view("S-3", Some(Role::Sender), "aud").unwrap();
    assert_eq!((s3.alerts.len(), s3.payments.len()), (0, 1));
    let e = assert_err!(
        s.party_view("X-1", None, "aud"),
        StoreError::NotFound { .. }
    );
    assert_eq!(e.to_string(), "no party with id X-1");
}

fn a_hubs_network_is_cut_at_its_limit(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    let payments: Vec<PaymentRecord> = (0..MAX_NETWORK_PARTIES + 20)
        .map(|i| {
            pay(
                &format!("t{i}"),
                &format!("S-{i:03}"),
                "R-HUB",
                5.0,
                T0 + i as i64,
            )
        })
        .collect();
    let ids: Vec<&str> = payments.iter().map(|p| p.txn_id.as_str()).collect();
    s.commit_scan_batch_with_payments(
        &txns(&ids),
        &[alert("R-HUB", Role::Receiver, 0.9, &[])],
        &payments,
        b"s",
        0,
    )
    .unwrap();
    let v = s.party_view("R-HUB", Some(Role::Receiver), "ana").unwrap();
    assert_eq!(v.payments.len(), MAX_NETWORK_PARTIES + 20);
    assert_eq!(v.counterparties.len(), MAX_NETWORK_PARTIES + 20);
    assert_eq!(v.network.parties.len(), MAX_NETWORK_PARTIES);
    assert!(v.network.truncated);
    // Only links between parties in the network.
    assert_eq!(v.network.links.len(), MAX_NETWORK_PARTIES - 1);
}

/// A whole scan that records no txn id into a store that holds none (alerts
/// only) recorded a count of 0 for `txns`, which verify then named deleted.
fn a_scan_without_txn_ids_into_an_empty_store_verifies(f: &Fixture) {
    let mut s = f.open();
    staff(&mut *s);
    s.commit_scan_batch_with_payments(&[], &[alert("S-1", Role::Sender, 0.9, &[])], &[], b"s", 0)
        .unwrap();
    s.commit_scan_batch(&[], &[alert("S-2", Role::Sender, 0.9, &[])], b"s2")
        .unwrap();
    s.verify_audit().unwrap();
    s.record_txns(&["t1"]).unwrap();
    s.commit_scan_batch(&[], &[], b"s3").unwrap();
    s.verify_audit().unwrap();
}
