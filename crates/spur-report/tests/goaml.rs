//! goAML reports for synthetic cases, validated by the real xmllint against both
//! shipped profiles' XSDs (../shared/data/goaml/ beside the repository).

use std::collections::BTreeSet;
use std::path::PathBuf;

use quick_xml::events::Event;
use quick_xml::Reader;
use spur_report::*;

const DAY: i64 = 86_400;
/// 2026-01-05T00:00:00Z
const T0: i64 = 1_767_571_200;
const AE: &str = include_str!("../../../profiles/ae.toml");

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn profiles() -> [FiuProfile; 2] {
    [
        FiuProfile::shipped("ae").unwrap(),
        FiuProfile::shipped("generic").unwrap(),
    ]
}

fn entity() -> ReportingEntity {
    ReportingEntity {
        rentity_id: 4711,
        branch: "Head office, compliance".into(),
        name: "Example Remit LLC".into(),
        institution_code: "EXRMAEAD".into(),
        reporting_person: ReportingPerson {
            first_name: "Amal".into(),
            last_name: "Haddad".into(),
            occupation: "Money laundering reporting officer".into(),
            email: "mlro@example.ae".into(),
        },
        address: Address {
            address: "Sheikh Zayed Road 1".into(),
            city: "Dubai".into(),
            country: "AE".into(),
            state: "Dubai".into(),
            zip: "".into(),
        },
    }
}

fn party(id: &str, name: &str, country: &str) -> Party {
    Party {
        id: id.into(),
        name: name.into(),
        country: country.into(),
        organisation: false,
    }
}

#[allow(clippy::too_many_arguments)]
fn txn(
    id: &str,
    ts: i64,
    local: f64,
    foreign: Option<(&str, f64)>,
    channel: &str,
    from: Party,
    to: Party,
    message: &str,
) -> Transaction {
    Transaction {
        txn_id: id.into(),
        timestamp: ts,
        amount_local: local,
        foreign: foreign.map(|(currency, amount)| ForeignAmount {
            currency: currency.into(),
            amount,
        }),
        channel: channel.into(),
        from,
        to,
        message: message.into(),
    }
}

fn indicator(code: &str, reason: &str) -> IndicatorReason {
    IndicatorReason {
        code: code.into(),
        reason: reason.into(),
    }
}

fn report(case_id: &str, alerts: Vec<AlertSummary>, transactions: Vec<Transaction>) -> ReportInput {
    ReportInput {
        entity: entity(),
        meta: ReportMeta {
            case_id: case_id.into(),
            entity_reference: String::new(),
            submission_date: T0 + 40 * DAY,
            currency_code_local: "AED".into(),
            corrects: None,
        },
        reason: "Receiver's account shows the pattern of a facilitator of live-streamed abuse."
            .into(),
        action: "Account frozen pending the FIU's instructions.".into(),
        alerts,
        transactions,
    }
}

/// A facilitator in the Philippines: many small payments from unrelated senders
/// in different countries and currencies.
fn facilitator_case() -> ReportInput {
    let senders = [
        ("S001", "Smith, John", "US", "USD", 3.67),
        ("S002", "Peter Müller", "DE", "EUR", 3.98),
        ("S003", "Olsen, Erik", "NO", "NOK", 0.34),
        ("S004", "Brown, Michael", "GB", "GBP", 4.66),
        ("S005", "Jack Taylor", "AU", "AUD", 2.42),
        ("S006", "Lars Svensson", "SE", "SEK", 0.35),
        ("S007", "Tremblay, Luc", "CA", "CAD", 2.68),
        ("S008", "de Vries, Jan", "NL", "EUR", 3.98),
    ];
    let receiver = party("R000042", "Santos, Maria Luz", "PH");
    let mut transactions = Vec::new();
    for i in 0..32_i64 {
        let (id, name, country, currency, rate) = senders[(i % 8) as usize];
        let amount = [25.0, 30.0, 40.0, 50.0][(i % 4) as usize];
        transactions.push(txn(
            &format!("TX{:06}", 1000 + i),
            T0 + i * DAY / 2 + 20 * 3600,
            ((amount * rate) * 100.0_f64).round() / 100.0,
            Some((currency, amount)),
            if i % 5 == 0 { "wallet" } else { "remittance" },
            party(id, name, country),
            receiver.clone(),
            if i % 3 == 0 { "for the show" } else { "" },
        ));
    }
    let alert = AlertSummary {
        payments: 0,
        subject: "R000042".into(),
        role: spur_engine::Role::Receiver,
        score: 0.93,
        first_seen: T0,
        last_seen: T0 + 16 * DAY,
        indicators: vec![
            indicator(
                "R-FANIN",
                "small payments from 8 unrelated senders in 8 countries within 16 days",
            ),
            indicator(
                "R-BAND",
                "31 of 32 payments between PHP 1,000 and 10,000, the price band of live shows",
            ),
            indicator(
                "R-EVENING",
                "most payments arrive between 16:00 and 23:00 Manila time",
            ),
        ],
    };
    report("CASE-2026-0042", vec![alert], transactions)
}

/// A customer in the US paying several unrelated receivers abroad through every channel.
fn customer_case() -> ReportInput {
    let sender = party("S004711", "Doe, Richard", "US");
    let receivers = [
        party("R1", "Reyes, Ana", "PH"),
        party("R2", "Cruz, Joy", "PH"),
        party("R3", "Nguyen Van An", "VN"),
    ];
    let channels = [
        "remittance",
        "wallet",
        "bank",
        "card",
        "crypto",
        "cash",
        "carrier-pigeon",
        "",
    ];
    let transactions = (0..8)
        .map(|i| {
            txn(
                &format!("C{i}"),
                T0 + i as i64 * 3 * DAY + 3 * 3600,
                183.5 + i as f64,
                Some(("USD", 50.0 + i as f64 / 3.67)),
                channels[i],
                sender.clone(),
                receivers[i % 3].clone(),
                "",
            )
        })
        .collect();
    let alert = AlertSummary {
        payments: 0,
        subject: "S004711".into(),
        role: spur_engine::Role::Sender,
        score: 0.71,
        first_seen: T0,
        last_seen: T0 + 21 * DAY,
        indicators: vec![
            indicator(
                "P-LOWVAL",
                "8 transfers of USD 50-52 to high-risk destinations",
            ),
            indicator(
                "P-MULTIBEN",
                "3 unrelated beneficiaries in 2 high-risk countries",
            ),
            indicator(
                "P-HOURS",
                "6 of 8 payments between 01:00 and 05:00 local time",
            ),
            indicator("P-CHANNEL", "the same beneficiary paid through 3 channels"),
        ],
    };
    let mut input = report("CASE-2026-0043", vec![alert], transactions);
    input.meta.currency_code_local = "aed".into(); // any case
    input
}

/// Names that do not split into first and last, text that needs escaping, non-ASCII.
fn odd_names_case() -> ReportInput {
    let mut shop = party("M-77", "Tom & Jerry's <Shop> \"Ltd\"", "PH");
    shop.organisation = true;
    let mut script_org = party("M-78", "株式会社", "JP");
    script_org.organisation = true;
    let pairs = [
        (party("S1", "Madonna", "US"), party("R1", "李小龙", "CN")),
        (party("S2", "@kiddo99", "GB"), party("R2", "", "PH")),
        (party("S3", "Peña, José", "ES"), shop),
        (party("S4", "O'Brien, Seán", "IE"), script_org),
        (
            party("S5", "Shop 24/7 <&>\"'", "ZZ"),
            party("R5", "Straße, Jürgen", "XX"),
        ),
        (
            party("S6", "Ñandú\u{1b} Ökonom", "AR"),
            party("R6", "Zoë Ægir-Łukasz", "PL"),
        ),
    ];
    let transactions = pairs
        .into_iter()
        .enumerate()
        .map(|(i, (from, to))| {
            txn(
                &format!("N{i}"),
                T0 + i as i64 * 3600,
                10.0,
                Some(("XBT", 0.00012345)),
                "crypto",
                from,
                to,
                "<b>&amp; \"quoted\" 'single'</b> ñ",
            )
        })
        .collect();
    let alert = AlertSummary {
        payments: 0,
        subject: "S3".into(),
        role: spur_engine::Role::Sender,
        score: 0.5,
        first_seen: T0,
        last_seen: T0 + DAY,
        indicators: vec![indicator(
            "P-REMARK",
            "cover words in the message: \"show\", <cam> & 'live'",
        )],
    };
    let mut input = report("CASE <&> \"odd\" 'names'", vec![alert], transactions);
    input.reason = "Peña's payments: <&>\"' and a control character \u{7} here".into();
    input
}

/// Every field at or beyond its schema's maximum length.
fn max_length_case() -> ReportInput {
    let long = |c: char, n: usize| std::iter::repeat_n(c, n).collect::<String>();
    let from = party(
        &long('A', 255),
        &format!("{} {}", long('é', 150), long('z', 150)),
        "US",
    );
    let to = party(&long('B', 255), &long('x', 400), "PH");
    let mut t = txn(
        &long('9', 100),
        T0,
        7.9e15,
        None,
        "bank",
        from,
        to,
        &long('m', 9000),
    );
    t.message.push_str("<&>");
    let mut input = report(&long('C', 255), Vec::new(), vec![t]);
    input.entity.branch = long('b', 255);
    input.entity.name = long('n', 300);
    input.entity.institution_code = long('I', 50);
    input.entity.reporting_person.first_name = long('f', 200);
    input.entity.reporting_person.last_name = long('l', 200);
    input.entity.reporting_person.occupation = long('o', 300);
    input.entity.address.address = long('a', 150);
    input.entity.address.city = long('c', 300);
    input.entity.address.zip = long('1', 20);
    input.reason = long('r', 20_000);
    input.action = long('q', 9_000);
    input.alerts = (0..200)
        .map(|i| AlertSummary {
            payments: 0,
            subject: format!("S{i}"),
            role: spur_engine::Role::Sender,
            score: 0.6,
            first_seen: T0,
            last_seen: T0,
            indicators: vec![
                indicator("P-FREQ", &long('w', 300)),
                indicator("NOT-A-CODE", "unknown codes add no indicator"),
            ],
        })
        .collect();
    input
}

/// Drafts the report for both shipped profiles; every one must validate.
fn check(input: &ReportInput) -> [String; 2] {
    profiles().map(
        |profile| match draft_report(input, &profile, &repo_root()) {
            Ok(report) => {
                assert_eq!(report.profile(), profile.name);
                report.into_xml()
            }
            Err(e) => panic!("{} report for {}: {e}", profile.name, input.meta.case_id),
        },
    )
}

#[test]
fn facilitator_case_validates() {
    let [ae, generic] = check(&facilitator_case());
    assert_eq!(ae.matches("<transaction>").count(), 32);
    assert!(ae.contains("<indicator>CSAM1</indicator>"));
    assert!(ae.contains("<indicator>MURCW</indicator>"));
    assert!(ae.contains("<foreign_currency_code>NOK</foreign_currency_code>"));
    assert!(ae.contains("<transmode_code>MB</transmode_code>"));
    assert!(
        ae.contains("<first_name>Peter</first_name>\n"),
        "non-ASCII name folded for ae"
    );
    assert!(ae.contains("<last_name>Muller</last_name>"));
    assert!(ae.contains("<full_name_frn>Peter Müller</full_name_frn>"));
    assert!(generic.contains("<last_name>Müller</last_name>"));
    assert!(generic.contains("<indicator>-</indicator>"));
    assert!(
        ae.contains("small payments from 8 unrelated senders in 8 countries"),
        "reason from the indicators"
    );
}

#[test]
fn customer_case_validates() {
    let [ae, _] = check(&customer_case());
    for mode in ["ELCFT", "MB", "ONBNK", "CCD", "DAWLT", "OCT", "-"] {
        assert!(
            ae.contains(&format!("<transmode_code>{mode}</transmode_code>")),
            "{mode}"
        );
    }
    assert!(ae.contains("<currency_code_local>AED</currency_code_local>"));
    assert!(
        ae.contains("<last_name>Nguyen</last_name>") || ae.contains("<last_name>An</last_name>")
    );
}

#[test]
fn odd_names_validate_and_are_escaped() {
    let [ae, generic] = check(&odd_names_case());
    // Names that are not a person's become accounts at the reporting institution.
    assert!(generic.contains("<account_name>Madonna</account_name>"));
    assert!(generic.contains("<account_name>李小龙</account_name>"));
    assert!(ae.contains("<account_name>name not in Latin letters</account_name>"));
    assert!(ae.contains("<account_name>name not given</account_name>"));
    assert!(generic.contains("<name>Tom &amp; Jerry's &lt;Shop&gt; \"Ltd\"</name>"));
    assert!(
        ae.contains("<name>Tom Jerry's Shop Ltd</name>"),
        "{}",
        &ae[ae
            .find("<from_entity>")
            .or(ae.find("<to_entity>"))
            .unwrap_or(0)..][..300]
    );
    assert!(generic.contains("<last_name>Peña</last_name>"));
    assert!(ae.contains("<last_name>Pena</last_name>"));
    assert!(ae.contains("<full_name_frn>José Peña</full_name_frn>"));
    assert!(
        ae.contains("<from_country>-</from_country>"),
        "ZZ is not in ae's country list"
    );
    assert!(
        !ae.contains('\u{1b}') && !ae.contains('\u{7}'),
        "control characters dropped"
    );
    assert!(generic.contains("&lt;b&gt;&amp;amp; \"quoted\" 'single'&lt;/b&gt; ñ"));
    assert!(
        generic.contains("<foreign_amount>0.00012345</foreign_amount>")
            || generic.contains("XBT, a currency")
    );
}

#[test]
fn fields_at_maximum_length_validate() {
    let [ae, generic] = check(&max_length_case());
    for xml in [&ae, &generic] {
        assert!(xml.contains("<amount_local>7900000000000000</amount_local>"));
        assert!(xml.contains("more lines left out"));
        assert!(xml.contains(&format!(
            "<transactionnumber>{}</transactionnumber>",
            "9".repeat(100)
        )));
    }
}

#[test]
fn output_is_deterministic_whatever_the_transaction_order() {
    let input = facilitator_case();
    let mut reversed = input.clone();
    reversed.transactions.reverse();
    let profile = FiuProfile::shipped("ae").unwrap();
    assert_eq!(
        write_goaml(&input, &profile).unwrap(),
        write_goaml(&reversed, &profile).unwrap()
    );
}

#[test]
fn golden_report() {
    let mut input = customer_case();
    input.transactions.truncate(2);
    let xml = draft_report(&input, &FiuProfile::shipped("ae").unwrap(), &repo_root())
        .unwrap()
        .into_xml();
    insta::assert_snapshot!("customer_case_ae", xml);
}

/// A change that spoils a valid input.
type Mutation = Box<dyn Fn(&mut ReportInput)>;

#[test]
fn bad_input_is_a_typed_error() {
    let profile = FiuProfile::shipped("generic").unwrap();
    let cases: Vec<(Mutation, &str)> = vec![
        (Box::new(|i| i.transactions.clear()), "transactions"),
        (
            Box::new(|i| i.transactions[0].txn_id = "T".repeat(101)),
            "transactions.txn_id",
        ),
        (
            Box::new(|i| i.transactions[1].txn_id = i.transactions[0].txn_id.clone()),
            "transactions",
        ),
        (
            Box::new(|i| i.transactions[0].amount_local = f64::NAN),
            "transactions[C0].amount_local",
        ),
        (
            Box::new(|i| i.transactions[0].from.id = " ".into()),
            "transactions[C0].from.id",
        ),
        (
            Box::new(|i| i.transactions[0].timestamp = -8_000_000_000),
            "transactions[C0].timestamp",
        ),
        (Box::new(|i| i.entity.rentity_id = 0), "entity.rentity_id"),
        (
            Box::new(|i| i.meta.currency_code_local = "XYZ".into()),
            "meta.currency_code_local",
        ),
        (
            Box::new(|i| i.entity.reporting_person.last_name = "".into()),
            "entity.reporting_person",
        ),
    ];
    for (change, field) in cases {
        let mut input = customer_case();
        change(&mut input);
        match write_goaml(&input, &profile) {
            Err(ReportError::Input { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[test]
fn broken_profiles_are_rejected_on_load() {
    let cases = [
        (
            AE.replace("always = [\"CSAM1\"]", "always = [\"CSAM2\"]"),
            "`indicators.always`: code `CSAM2` is not in the profile's `codes.report_indicators`",
        ),
        (
            AE.replace("R-RING = [\"ORGC2\"]", "R-RING = [\"XXXXX\"]"),
            "`indicators.map.R-RING`: code `XXXXX`",
        ),
        (
            AE.replace("R-RING = [\"ORGC2\"]", ""),
            "`indicators.map.R-RING` is missing",
        ),
        (
            AE.replace("R-RING = ", "R-RINGG = "),
            "`indicators.map.R-RINGG`: `R-RINGG` is not one of spur's indicator codes",
        ),
        (
            AE.replace(
                "crypto = { transmode = \"DAWLT\"",
                "crypto = { transmode = \"BTC\"",
            ),
            "`channels.crypto.transmode`: code `BTC`",
        ),
        (
            AE.replace("cash = { transmode = \"OCT\", funds = \"CASH\" }", ""),
            "`channels.cash` is missing",
        ),
        (
            AE.replace("funds = \"CRPTC\"", "funds = \"BANKD\""),
            "`channels.crypto.funds`: code `BANKD` is not in the profile's `codes.funds_types`",
        ),
        (
            AE.replace("unknown_country = \"-\"", "unknown_country = \"??\""),
            "`unknown_country`: code `??`",
        ),
        (
            AE.replace(
                "report_code = \"STR\"",
                "report_code = \"STR\"\nreport_colour = \"red\"",
            ),
            "unknown field `report_colour`",
        ),
        (
            AE.replace("always = [\"CSAM1\"]", "always = []"),
            "`indicators.always` must not be empty",
        ),
    ];
    for (text, expected) in cases {
        let err = FiuProfile::from_toml(&text)
            .expect_err(expected)
            .to_string();
        assert!(err.contains(expected), "{err}\n  expected: {expected}");
    }
}

#[test]
fn report_that_does_not_validate_is_refused_with_xmllint_messages() {
    // Self-consistent profile, but BOGUS is not a transaction mode in the 5.0.2 XSD.
    let text = AE
        .replace(
            "transaction_modes = [\"-\",",
            "transaction_modes = [\"BOGUS\", \"-\",",
        )
        .replace(
            "remittance = { transmode = \"ELCFT\"",
            "remittance = { transmode = \"BOGUS\"",
        );
    let profile = FiuProfile::from_toml(&text).unwrap();
    let xml = write_goaml(&facilitator_case(), &profile).unwrap();
    let messages = validate(&xml, &profile.xsd_path(&repo_root())).unwrap_err();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("transmode_code") && m.contains("BOGUS")),
        "{messages:#?}"
    );
    match draft_report(&facilitator_case(), &profile, &repo_root()) {
        Err(ReportError::Invalid(m)) => assert_eq!(m, messages),
        other => panic!("{other:?}"),
    }
}

#[test]
fn validate_reports_a_missing_schema_or_malformed_xml() {
    let xsd = FiuProfile::shipped("generic")
        .unwrap()
        .xsd_path(&repo_root());
    assert!(validate("<report>", &xsd).is_err());
    let missing = validate("<report/>", &repo_root().join("no-such.xsd")).unwrap_err();
    assert!(missing[0].contains("schema not found"));
}

/// simpleType name → its enumeration values, read from an XSD.
fn enumerations(xsd: &std::path::Path) -> std::collections::BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(xsd).unwrap();
    let mut reader = Reader::from_str(&text);
    let mut out = std::collections::BTreeMap::new();
    let mut current: Option<String> = None;
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let attr = |name: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == name)
                        .map(|a| String::from_utf8(a.value.to_vec()).unwrap())
                };
                match e.name().as_ref() {
                    b"xs:simpleType" => current = attr(b"name").or(current.take()),
                    b"xs:enumeration" => {
                        if let (Some(t), Some(v)) = (&current, attr(b"value")) {
                            out.entry(t.clone()).or_insert_with(BTreeSet::new).insert(v);
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) if e.name().as_ref() == b"xs:simpleType" => current = None,
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn profile_code_lists_are_the_schemas_codes() {
    for profile in profiles() {
        let enums = enumerations(&profile.xsd_path(&repo_root()));
        let subset = |list: &[String], ty: &str| {
            for code in list {
                assert!(
                    enums[ty].contains(code),
                    "{}: {code} not in {ty}",
                    profile.name
                );
            }
        };
        subset(&profile.codes.transaction_modes, "conduction_type");
        subset(&profile.codes.funds_types, "funds_type");
        subset(&profile.codes.report_indicators, "report_indicator_type");
        subset(std::slice::from_ref(&profile.report_code), "report_type");
        subset(
            std::slice::from_ref(&profile.submission_code),
            "submission_type",
        );
        subset(std::slice::from_ref(&profile.address_type), "contact_type");
        let set = |l: &[String]| l.iter().cloned().collect::<BTreeSet<_>>();
        assert_eq!(
            set(&profile.codes.countries),
            enums["country_type"],
            "{}",
            profile.name
        );
        assert_eq!(
            set(&profile.codes.currencies),
            enums["currency_type"],
            "{}",
            profile.name
        );
    }
}

#[test]
fn profiles_map_exactly_the_engines_indicators() {
    let engine = spur_engine::Engine::new(spur_engine::EngineConfig::default()).unwrap();
    let engine_codes: BTreeSet<&str> = engine.indicators().iter().map(|i| i.code()).collect();
    let ours: BTreeSet<&str> = SPUR_INDICATOR_CODES.into_iter().collect();
    // P-PROFILE is off in the default configuration (it needs KYC fields).
    let off_by_default: BTreeSet<&str> = ours.difference(&engine_codes).copied().collect();
    assert!(engine_codes.is_subset(&ours), "{engine_codes:?}");
    assert_eq!(off_by_default, BTreeSet::from(["P-PROFILE"]));
}

/// The text of one element, unescaped enough for these checks.
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    Some(&xml[start..end])
}

#[test]
fn a_report_that_shows_part_of_the_evidence_says_so() {
    let mut input = facilitator_case();
    input.alerts[0].payments = 137;
    for xml in check(&input) {
        let reason = element(&xml, "reason").unwrap();
        assert!(
            reason.contains("this report shows 32 of 137 payments of the alerted parties"),
            "{reason}"
        );
        assert!(
            reason.contains("- 32 of the 137 payments it received are in this report."),
            "{reason}"
        );
    }
    // All of them shown: nothing to say.
    input.alerts[0].payments = 32;
    for xml in check(&input) {
        assert!(!xml.contains("of the evidence"), "{xml}");
    }
    // A sender's side counts the payments it made.
    let mut input = customer_case();
    input.alerts[0].payments = 9;
    for xml in check(&input) {
        let reason = element(&xml, "reason").unwrap();
        assert!(reason.contains("shows 8 of 9 payments"), "{reason}");
        assert!(reason.contains("8 of the 9 payments it made"), "{reason}");
    }
}

#[test]
fn a_correction_names_the_report_it_replaces() {
    let mut input = facilitator_case();
    input.meta.entity_reference = "CASE-2026-0042-c1".into();
    input.meta.corrects = Some(CorrectedReport {
        entity_reference: "CASE-2026-0042".into(),
        filed_at: T0 + 20 * DAY,
        fiu_ref_number: "AE-STR-2026-000123".into(),
    });
    for xml in check(&input) {
        assert_eq!(element(&xml, "entity_reference"), Some("CASE-2026-0042-c1"));
        assert_eq!(element(&xml, "fiu_ref_number"), Some("AE-STR-2026-000123"));
        // Still an STR: goAML 5.0 has no report code for a correction.
        assert_eq!(element(&xml, "report_code"), Some("STR"));
        let reason = element(&xml, "reason").unwrap();
        assert!(
            reason.starts_with(
                "CORRECTION: this report replaces in full the report with entity reference \
                 CASE-2026-0042 filed on 2026-01-25, FIU reference AE-STR-2026-000123."
            ),
            "{reason}"
        );
    }
    // Without the FIU's reference: no fiu_ref_number, the reason still says it.
    input.meta.corrects.as_mut().unwrap().fiu_ref_number.clear();
    for xml in check(&input) {
        assert!(!xml.contains("fiu_ref_number"), "{xml}");
        assert!(element(&xml, "reason").unwrap().starts_with("CORRECTION"));
    }
    // A correction under the corrected report's own reference is refused.
    input.meta.entity_reference = "CASE-2026-0042".into();
    let profile = FiuProfile::shipped("ae").unwrap();
    match write_goaml(&input, &profile) {
        Err(ReportError::Input { field, .. }) => assert_eq!(field, "meta.entity_reference"),
        other => panic!("{other:?}"),
    }
    // A first report's reference is the case id.
    let first = facilitator_case();
    for xml in check(&first) {
        assert_eq!(element(&xml, "entity_reference"), Some("CASE-2026-0042"));
        assert!(!xml.contains("CORRECTION"));
    }
}
