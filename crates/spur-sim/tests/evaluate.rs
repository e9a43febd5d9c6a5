//! Evaluation math on hand-built cases, and typed errors on malformed input.

use spur_sim::{evaluate, EvalError, EvalReport};

/// Compact, line-per-fact rendering of a report for data-driven expectations.
fn summarize(r: &EvalReport) -> String {
    let mut out = Vec::new();
    for (name, m) in [
        ("sender", &r.sender),
        ("receiver", &r.receiver),
        ("overall", &r.overall),
    ] {
        out.push(format!(
            "{name}: p={} a={} tp={} P={:.3} R={:.3} F1={:.3} AP={:.3}",
            m.positives,
            m.alerts,
            m.true_positives,
            m.precision,
            m.recall,
            m.f1,
            m.average_precision
        ));
    }
    if let (Some(l), Some(h)) = (&r.light_offenders, &r.heavy_offenders) {
        out.push(format!(
            "light {}/{} heavy {}/{}",
            l.detected, l.offenders, h.detected, h.offenders
        ));
    }
    for fp in r.false_positives.iter().filter(|f| f.alerted > 0) {
        out.push(format!(
            "fp {} {}: {}/{}",
            fp.role, fp.label, fp.alerted, fp.parties
        ));
    }
    out.join("\n")
}

fn check(truth: &str, alerts: &str, payments: Option<&str>, expected: &str) {
    let report = evaluate(
        truth.as_bytes(),
        alerts.as_bytes(),
        payments.map(str::as_bytes),
    )
    .expect("evaluate");
    let got = summarize(&report);
    let expected = expected
        .trim()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        got, expected,
        "\n--- got ---\n{got}\n--- expected ---\n{expected}"
    );
    // The human table and the JSON form render without failing.
    assert!(report.to_string().contains("precision"));
    assert!(serde_json::to_string(&report).is_ok());
}

const TRUTH: &str = "party_id,role,label
S1,sender,osec_offender
S2,sender,osec_offender
S3,sender,family_sender
S4,sender,family_sender
S5,sender,donor_sender
R1,receiver,osec_facilitator
R2,receiver,family_receiver
";

fn alerts(xs: &[(&str, &str, f64)]) -> String {
    xs.iter().map(|(s, r, x)| format!("{{\"subject\":\"{s}\",\"role\":\"{r}\",\"score\":{x},\"reasons\":[\"ignored\"]}}\n")).collect()
}

#[test]
fn perfect_detector() {
    check(
        TRUTH,
        &alerts(&[
            ("S1", "sender", 0.9),
            ("S2", "sender", 0.8),
            ("R1", "receiver", 0.7),
        ]),
        None,
        "sender: p=2 a=2 tp=2 P=1.000 R=1.000 F1=1.000 AP=1.000
         receiver: p=1 a=1 tp=1 P=1.000 R=1.000 F1=1.000 AP=1.000
         overall: p=3 a=3 tp=3 P=1.000 R=1.000 F1=1.000 AP=1.000",
    );
}

#[test]
fn no_alerts() {
    check(
        TRUTH,
        "",
        None,
        "sender: p=2 a=0 tp=0 P=0.000 R=0.000 F1=0.000 AP=0.000
         receiver: p=1 a=0 tp=0 P=0.000 R=0.000 F1=0.000 AP=0.000
         overall: p=3 a=0 tp=0 P=0.000 R=0.000 F1=0.000 AP=0.000",
    );
}

#[test]
fn ranking_and_missed_positives() {
    // Ranked S3 (fp), S1 (hit at 2: precision 1/2), S4 (fp); S2 never alerted.
    // AP = (1/2) / 2 positives = 0.25; P = 1/3, R = 1/2, F1 = 0.4.
    check(
        TRUTH,
        &alerts(&[
            ("S4", "sender", 0.7),
            ("S3", "sender", 0.9),
            ("S1", "sender", 0.8),
        ]),
        None,
        "sender: p=2 a=3 tp=1 P=0.333 R=0.500 F1=0.400 AP=0.250
         receiver: p=1 a=0 tp=0 P=0.000 R=0.000 F1=0.000 AP=0.000
         overall: p=3 a=3 tp=1 P=0.333 R=0.333 F1=0.333 AP=0.167
         fp sender family_sender: 2/2",
    );
}

#[test]
fn ties_rank_false_positives_first() {
    // Equal scores: S3 (fp) ranks before S1, so the hit is at rank 2.
    check(
        TRUTH,
        &alerts(&[("S1", "sender", 0.5), ("S3", "sender", 0.5)]),
        None,
        "sender: p=2 a=2 tp=1 P=0.500 R=0.500 F1=0.500 AP=0.250
         receiver: p=1 a=0 tp=0 P=0.000 R=0.000 F1=0.000 AP=0.000
         overall: p=3 a=2 tp=1 P=0.500 R=0.333 F1=0.400 AP=0.167
         fp sender family_sender: 1/2",
    );
}

#[test]
fn overall_merges_both_roles_into_one_ranking() {
    // Ranked R2 (fp), S1 (hit 1/2), R1 (hit 2/3): AP = (0.5 + 0.667) / 3.
    check(
        TRUTH,
        &alerts(&[
            ("S1", "sender", 0.8),
            ("R1", "receiver", 0.6),
            ("R2", "receiver", 0.95),
        ]),
        None,
        "sender: p=2 a=1 tp=1 P=1.000 R=0.500 F1=0.667 AP=0.500
         receiver: p=1 a=2 tp=1 P=0.500 R=1.000 F1=0.667 AP=0.500
         overall: p=3 a=3 tp=2 P=0.667 R=0.667 F1=0.667 AP=0.389
         fp receiver family_receiver: 1/1",
    );
}

#[test]
fn unknown_parties_and_wrong_roles_are_false_positives() {
    // S9 is not in truth; S1 is a sender, not a receiver.
    check(
        TRUTH,
        &alerts(&[
            ("S9", "sender", 0.9),
            ("S1", "receiver", 0.8),
            ("S1", "sender", 0.1),
        ]),
        None,
        "sender: p=2 a=2 tp=1 P=0.500 R=0.500 F1=0.500 AP=0.250
         receiver: p=1 a=1 tp=0 P=0.000 R=0.000 F1=0.000 AP=0.000
         overall: p=3 a=3 tp=1 P=0.333 R=0.333 F1=0.333 AP=0.111
         fp sender unknown: 1/0
         fp receiver unknown: 1/0",
    );
}

#[test]
fn repeated_alerts_count_once_with_their_best_score() {
    let a = alerts(&[
        ("S3", "sender", 0.6),
        ("S1", "sender", 0.2),
        ("S1", "sender", 0.9),
    ]);
    check(
        TRUTH,
        &a,
        None,
        "sender: p=2 a=2 tp=1 P=0.500 R=0.500 F1=0.500 AP=0.500
         receiver: p=1 a=0 tp=0 P=0.000 R=0.000 F1=0.000 AP=0.000
         overall: p=3 a=2 tp=1 P=0.500 R=0.333 F1=0.400 AP=0.333
         fp sender family_sender: 1/2",
    );
    let r = evaluate(TRUTH.as_bytes(), a.as_bytes(), None::<&[u8]>).expect("evaluate");
    assert_eq!(r.duplicate_alerts, 1);
}

#[test]
fn light_and_heavy_offenders_from_payments() {
    // S1 makes 5 payments (heavy), S2 makes 1 (light); only S1 is alerted.
    let mut payments = String::from("txn_id,timestamp,sender_id,receiver_id\n");
    for i in 0..5 {
        payments.push_str(&format!("T{i},2026-01-01T00:00:00Z,S1,R1\n"));
    }
    payments.push_str("T9,2026-01-02T00:00:00Z,S2,R1\nT10,2026-01-02T00:00:00Z,S3,R2\n");
    check(
        TRUTH,
        &alerts(&[("S1", "sender", 0.9), ("S5", "sender", 0.3)]),
        Some(&payments),
        "sender: p=2 a=2 tp=1 P=0.500 R=0.500 F1=0.500 AP=0.500
         receiver: p=1 a=0 tp=0 P=0.000 R=0.000 F1=0.000 AP=0.000
         overall: p=3 a=2 tp=1 P=0.500 R=0.333 F1=0.400 AP=0.333
         light 0/1 heavy 1/1
         fp sender donor_sender: 1/1",
    );
}

fn err(truth: &str, alerts: &str, payments: Option<&str>) -> String {
    match evaluate(
        truth.as_bytes(),
        alerts.as_bytes(),
        payments.map(str::as_bytes),
    ) {
        Ok(_) => panic!("expected an error"),
        Err(e) => {
            assert!(matches!(
                e,
                EvalError::Truth { .. } | EvalError::Alerts { .. } | EvalError::Payments { .. }
            ));
            e.to_string()
        }
    }
}

#[test]
fn malformed_input_names_file_and_line() {
    let ok_alert = "{\"subject\":\"S1\",\"role\":\"sender\",\"score\":1}\n";
    let cases: &[(&str, &str, Option<&str>, &str)] = &[
        (
            "id,role,label\nS1,sender,x\n",
            ok_alert,
            None,
            "truth line 1: header",
        ),
        (
            "party_id,role,label\nS1,sender,x\nS2,buyer,x\n",
            ok_alert,
            None,
            "truth line 3: role must be",
        ),
        (
            "party_id,role,label\nS1,sender,x\nS1,sender,y\n",
            ok_alert,
            None,
            "truth line 3: duplicate",
        ),
        (
            "party_id,role,label\nS1,sender\n",
            ok_alert,
            None,
            "truth line 2: expected 3 fields",
        ),
        (
            "party_id,role,label\nS1,sender,x\n,receiver,y\n",
            ok_alert,
            None,
            "truth line 3: empty party_id",
        ),
        (
            TRUTH,
            "{\"subject\":\"S1\",\"role\":\"sender\",\"score\":1}\n\nnot json\n",
            None,
            "alerts line 3:",
        ),
        (
            TRUTH,
            "{\"subject\":\"S1\",\"role\":\"sender\"}\n",
            None,
            "alerts line 1: missing field `score`",
        ),
        (
            TRUTH,
            "{\"subject\":\"S1\",\"role\":\"sender\",\"score\":\"high\"}\n",
            None,
            "alerts line 1: invalid type",
        ),
        (
            TRUTH,
            "{\"subject\":\"S1\",\"role\":\"both\",\"score\":1}\n",
            None,
            "alerts line 1: role must be",
        ),
        (
            TRUTH,
            ok_alert,
            Some("txn_id,sender\nT1,S1\n"),
            "payments line 1: no sender_id column",
        ),
        (
            TRUTH,
            ok_alert,
            Some("txn_id,sender_id\nT1,S1\nT2,S1,extra\n"),
            "payments line 3",
        ),
    ];
    for (truth, alerts, payments, want) in cases {
        let got = err(truth, alerts, *payments);
        assert!(got.starts_with(want), "got {got:?}, want prefix {want:?}");
    }
}

#[test]
fn evaluates_simulated_truth() {
    // End to end: alert every offender with a high score and every family sender low.
    let cfg = spur_sim::SimConfig {
        senders: 800,
        days: 30,
        ..Default::default()
    };
    let (mut payments, mut truth) = (Vec::new(), Vec::new());
    spur_sim::simulate(&cfg, &mut payments, &mut truth).expect("simulate");
    let mut alerts = String::new();
    let mut rdr = csv::Reader::from_reader(truth.as_slice());
    for rec in rdr.records() {
        let rec = rec.expect("row");
        let score = match &rec[2] {
            "osec_offender" | "osec_facilitator" => 0.9,
            "family_sender" => 0.1,
            _ => continue,
        };
        alerts.push_str(&format!(
            "{{\"subject\":\"{}\",\"role\":\"{}\",\"score\":{score}}}\n",
            &rec[0], &rec[1]
        ));
    }
    let r = evaluate(
        truth.as_slice(),
        alerts.as_bytes(),
        Some(payments.as_slice()),
    )
    .expect("evaluate");
    assert_eq!(r.overall.recall, 1.0);
    assert_eq!(r.overall.average_precision, 1.0);
    let (l, h) = (
        r.light_offenders.expect("light"),
        r.heavy_offenders.expect("heavy"),
    );
    assert_eq!(l.offenders + h.offenders, r.sender.positives);
    let fam = r
        .false_positives
        .iter()
        .find(|f| f.label == "family_sender")
        .expect("family row");
    assert_eq!(fam.share, 1.0);
}

#[test]
fn labelled_scores_pair_every_alert_with_its_truth() {
    let truth = "party_id,role,label\nS1,sender,osec_offender\nS2,sender,partner_abroad\nR1,receiver,osec_facilitator\n";
    let alerts = concat!(
        r#"{"subject":"S2","role":"sender","score":0.6}"#,
        "\n",
        r#"{"subject":"S1","role":"sender","score":0.9}"#,
        "\n",
        r#"{"subject":"S1","role":"sender","score":0.7}"#,
        "\n",
        r#"{"subject":"R1","role":"receiver","score":0.8}"#,
        "\n",
        r#"{"subject":"X9","role":"receiver","score":0.55}"#,
        "\n",
    );
    let [s, r] = spur_sim::labelled_scores(truth.as_bytes(), alerts.as_bytes()).unwrap();
    assert_eq!(
        s,
        vec![(0.6, false), (0.9, true)],
        "a repeated alert counts once, highest"
    );
    assert_eq!(
        r,
        vec![(0.55, false), (0.8, true)],
        "a party absent from truth is untrue"
    );
    let bad = spur_sim::labelled_scores(truth.as_bytes(), "{".as_bytes()).unwrap_err();
    assert!(matches!(bad, EvalError::Alerts { line: 1, .. }), "{bad}");
}
