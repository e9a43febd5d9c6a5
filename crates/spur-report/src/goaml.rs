//! goAML XML: a suspicious transaction report as the UNODC schema (5.0.x) wants it.
//!
//! Elements are written in schema order. Both sides of a payment are written as
//! `t_from` / `t_to`, not `t_from_my_client` / `t_to_my_client`: the "my client"
//! types require KYC data spur does not hold (birth date, identity document,
//! nationality, phone, account opening date and status). See docs/goaml.md.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use spur_engine::{Channel, Role};

use crate::input::{Party, ReportInput, Transaction};
use crate::profile::{FiuProfile, NameCharset};
use crate::text::{clip, decimal, fold_basic_latin, split_name, sql_date, xml_legal};
use crate::ReportError;

/// `comments_type` and other free text.
const COMMENTS_MAX: usize = 8000;
const NAME_MAX: usize = 100;
const TEXT255: usize = 255;
const TXN_ID_MAX: usize = 100;

type W = Writer<Vec<u8>>;

/// Writes the goAML `<report>` for a case. The result is not yet known to be
/// valid: file only what [`crate::draft_report`] returns.
pub fn write_goaml(input: &ReportInput, profile: &FiuProfile) -> Result<String, ReportError> {
    profile.check()?;
    let report = Prepared::new(input, profile)?;
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    report
        .write(&mut w)
        .map_err(|e| ReportError::Xml(e.to_string()))?;
    let mut xml = String::from_utf8(w.into_inner()).map_err(|e| ReportError::Xml(e.to_string()))?;
    xml.push('\n');
    tracing::debug!(profile = %profile.name, transactions = report.transactions.len(), "goaml report written");
    Ok(xml)
}

/// Everything the report says, checked and in the schema's terms, so that writing
/// cannot fail on input.
struct Prepared<'a> {
    profile: &'a FiuProfile,
    input: &'a ReportInput,
    submission_date: String,
    currency_local: String,
    reporting_person: (String, String),
    reason: String,
    transactions: Vec<PreparedTxn>,
    indicators: Vec<&'a str>,
}

struct PreparedTxn {
    number: String,
    description: String,
    date: String,
    transmode: String,
    amount_local: String,
    funds: String,
    /// (currency, amount, rate) of the amount as paid.
    foreign: Option<(String, String, String)>,
    from: PreparedParty,
    from_country: String,
    to: PreparedParty,
    to_country: String,
}

enum PreparedParty {
    Person {
        first: String,
        last: String,
        full_name_frn: Option<String>,
        comments: String,
    },
    Account {
        institution_name: String,
        institution_code: String,
        account: String,
        account_name: String,
        comments: String,
    },
    Entity {
        name: String,
        comments: String,
    },
}

fn bad(field: impl Into<String>, problem: impl Into<String>) -> ReportError {
    ReportError::Input {
        field: field.into(),
        problem: problem.into(),
    }
}

/// Free text: XML-legal and at most `max` characters.
fn text(s: &str, max: usize) -> String {
    clip(xml_legal(s).trim(), max).into_owned()
}

/// A name as the profile allows it; may come out empty.
fn name_text(s: &str, profile: &FiuProfile, max: usize) -> String {
    match profile.name_charset {
        NameCharset::Any => text(s, max),
        NameCharset::BasicLatin => clip(&fold_basic_latin(s), max).into_owned(),
    }
}

/// An identifier: never cut, since a cut id names something else.
fn ident(field: &str, s: &str, max: usize) -> Result<String, ReportError> {
    let s = xml_legal(s.trim());
    match s.chars().count() {
        0 => Err(bad(field, "must not be empty")),
        n if n > max => Err(bad(
            field,
            format!("is {n} characters long; the schema allows {max}"),
        )),
        _ => Ok(s.into_owned()),
    }
}

fn date(field: &str, ts: i64) -> Result<String, ReportError> {
    sql_date(ts).ok_or_else(|| bad(field, "is outside the years 1753 to 9999"))
}

fn amount(field: &str, x: f64) -> Result<String, ReportError> {
    decimal(x).ok_or_else(|| bad(field, "must be a finite amount from 0 to 7.9e15"))
}

impl<'a> Prepared<'a> {
    fn new(input: &'a ReportInput, profile: &'a FiuProfile) -> Result<Prepared<'a>, ReportError> {
        let entity = &input.entity;
        if entity.rentity_id == 0 {
            return Err(bad("entity.rentity_id", "must be at least 1"));
        }
        ident("entity.branch", &entity.branch, TEXT255)?;
        ident("meta.case_id", &input.meta.case_id, TEXT255)?;
        ident("meta.entity_reference", input.meta.reference(), TEXT255)?;
        if let Some(c) = &input.meta.corrects {
            ident(
                "meta.corrects.entity_reference",
                &c.entity_reference,
                TEXT255,
            )?;
            if c.entity_reference.trim() == input.meta.reference() {
                return Err(bad(
                    "meta.entity_reference",
                    "a correction needs a reference of its own, not the corrected report's",
                ));
            }
            date("meta.corrects.filed_at", c.filed_at)?;
            if c.fiu_ref_number.chars().count() > TEXT255 {
                return Err(bad(
                    "meta.corrects.fiu_ref_number",
                    format!("is longer than the schema's {TEXT255} characters"),
                ));
            }
        }
        ident("entity.institution_code", &entity.institution_code, 50)?;
        let currency_local = input.meta.currency_code_local.trim().to_ascii_uppercase();
        if !profile.currency_allowed(&currency_local) {
            return Err(bad(
                "meta.currency_code_local",
                format!("`{currency_local}` is not in the profile's currency list"),
            ));
        }
        let person = &entity.reporting_person;
        let first = name_text(&person.first_name, profile, NAME_MAX);
        let last = name_text(&person.last_name, profile, NAME_MAX);
        if first.is_empty() || last.is_empty() {
            return Err(bad(
                "entity.reporting_person",
                "needs a first and a last name",
            ));
        }
        if input.transactions.is_empty() {
            return Err(bad(
                "transactions",
                "a report needs at least one transaction",
            ));
        }

        let mut seen = BTreeSet::new();
        let mut order: Vec<&Transaction> = input.transactions.iter().collect();
        order.sort_by(|a, b| (a.timestamp, &a.txn_id).cmp(&(b.timestamp, &b.txn_id)));
        let mut transactions = Vec::with_capacity(order.len());
        for txn in order {
            if !seen.insert(txn.txn_id.trim()) {
                return Err(bad(
                    "transactions",
                    format!("txn_id `{}` appears twice", txn.txn_id.trim()),
                ));
            }
            transactions.push(PreparedTxn::new(txn, &currency_local, input, profile)?);
        }

        let codes = input
            .alerts
            .iter()
            .flat_map(|a| a.indicators.iter().map(|i| i.code.as_str()));
        Ok(Prepared {
            profile,
            input,
            submission_date: date("meta.submission_date", input.meta.submission_date)?,
            reason: reason_text(input, &currency_local),
            currency_local,
            reporting_person: (first, last),
            transactions,
            indicators: profile.report_indicators(codes),
        })
    }

    fn write(&self, w: &mut W) -> io::Result<()> {
        let entity = &self.input.entity;
        let profile = self.profile;
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        w.create_element("report").write_inner_content(|w| {
            el(w, "rentity_id", &entity.rentity_id.to_string())?;
            el(w, "rentity_branch", &text(&entity.branch, TEXT255))?;
            el(w, "submission_code", &profile.submission_code)?;
            el(w, "report_code", &profile.report_code)?;
            el(
                w,
                "entity_reference",
                &text(self.input.meta.reference(), TEXT255),
            )?;
            // goAML has no correction element: the FIU's own number of the
            // replaced report is how its analysts find it (docs/goaml.md).
            if let Some(c) = &self.input.meta.corrects {
                opt(w, "fiu_ref_number", &text(&c.fiu_ref_number, TEXT255))?;
            }
            el(w, "submission_date", &self.submission_date)?;
            el(w, "currency_code_local", &self.currency_local)?;
            w.create_element("reporting_person")
                .write_inner_content(|w| {
                    el(w, "first_name", &self.reporting_person.0)?;
                    el(w, "last_name", &self.reporting_person.1)?;
                    opt(w, "email", &text(&entity.reporting_person.email, TEXT255))?;
                    opt(
                        w,
                        "occupation",
                        &text(&entity.reporting_person.occupation, TEXT255),
                    )
                })?;
            let address = &entity.address;
            w.create_element("location").write_inner_content(|w| {
                el(w, "address_type", &profile.address_type)?;
                el(w, "address", &text(&address.address, 100))?;
                el(w, "city", &text(&address.city, TEXT255))?;
                opt(w, "zip", &text(&address.zip, 10))?;
                el(
                    w,
                    "country_code",
                    profile.country(&address.country.trim().to_ascii_uppercase()),
                )?;
                opt(w, "state", &text(&address.state, TEXT255))
            })?;
            el(w, "reason", &self.reason)?;
            opt(w, "action", &text(&self.input.action, COMMENTS_MAX))?;
            // No wrapper element: the schema repeats <transaction> inside <report>.
            for txn in &self.transactions {
                txn.write(w, entity.branch.as_str(), profile)?;
            }
            w.create_element("report_indicators")
                .write_inner_content(|w| {
                    for code in &self.indicators {
                        el(w, "indicator", code)?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
        Ok(())
    }
}

impl PreparedTxn {
    fn new(
        txn: &Transaction,
        currency_local: &str,
        input: &ReportInput,
        profile: &FiuProfile,
    ) -> Result<PreparedTxn, ReportError> {
        let number = ident("transactions.txn_id", &txn.txn_id, TXN_ID_MAX)?;
        let field = |name: &str| format!("transactions[{number}].{name}");
        let channel = Channel::parse(txn.channel.trim().as_bytes());
        let codes = profile.channel(channel.as_str())?;
        let amount_local = amount(&field("amount_local"), txn.amount_local)?;

        let mut notes = Vec::new();
        let foreign = match &txn.foreign {
            None => None,
            Some(f) => {
                let code = f.currency.trim().to_ascii_uppercase();
                let paid = amount(&field("foreign.amount"), f.amount)?;
                if f.amount <= 0.0 {
                    return Err(bad(field("foreign.amount"), "must be positive"));
                }
                if code == currency_local {
                    None
                } else if profile.currency_allowed(&code) {
                    let rate = amount(&field("foreign"), txn.amount_local / f.amount)?;
                    Some((code, paid, rate))
                } else {
                    notes.push(format!(
                        "Paid as {paid} {}, a currency the FIU's code list does not have.",
                        text(&code, 3)
                    ));
                    None
                }
            }
        };
        let mut country = |side: &str, code: &str| {
            let code = code.trim().to_ascii_uppercase();
            let written = profile.country(&code).to_string();
            if written != code {
                notes.push(format!(
                    "The {side}'s country code is {} (not in the FIU's code list).",
                    text(&code, 10)
                ));
            }
            written
        };
        let from_country = country("sender", &txn.from.country);
        let to_country = country("receiver", &txn.to.country);

        let mut description = match &foreign {
            Some((code, paid, _)) => format!(
                "{} payment of {paid} {code} ({amount_local} {currency_local})",
                capitalised(channel_words(channel))
            ),
            None => format!(
                "{} payment of {amount_local} {currency_local}",
                capitalised(channel_words(channel))
            ),
        };
        let _ = write!(
            description,
            " from {} to {}.",
            txn.from.country.trim(),
            txn.to.country.trim()
        );
        for note in notes {
            description.push(' ');
            description.push_str(&note);
        }
        let message = xml_legal(txn.message.trim());
        if !message.is_empty() {
            let _ = write!(description, " Message with the payment: \"{message}\"");
        }

        Ok(PreparedTxn {
            description: clip(&xml_legal(&description), COMMENTS_MAX).into_owned(),
            date: date(&field("timestamp"), txn.timestamp)?,
            transmode: codes.transmode.clone(),
            funds: codes.funds.clone(),
            amount_local,
            foreign,
            from: PreparedParty::new(&txn.from, &field("from.id"), input, profile)?,
            from_country,
            to: PreparedParty::new(&txn.to, &field("to.id"), input, profile)?,
            to_country,
            number,
        })
    }

    fn write(&self, w: &mut W, location: &str, profile: &FiuProfile) -> io::Result<()> {
        w.create_element("transaction").write_inner_content(|w| {
            el(w, "transactionnumber", &self.number)?;
            el(w, "transaction_location", &text(location, TEXT255))?;
            el(w, "transaction_description", &self.description)?;
            el(w, "date_transaction", &self.date)?;
            el(w, "transmode_code", &self.transmode)?;
            if let Some(comment) = &profile.transmode_comment {
                el(w, "transmode_comment", comment)?;
            }
            el(w, "amount_local", &self.amount_local)?;
            w.create_element("t_from").write_inner_content(|w| {
                el(w, "from_funds_code", &self.funds)?;
                if let Some((code, paid, rate)) = &self.foreign {
                    w.create_element("from_foreign_currency")
                        .write_inner_content(|w| {
                            el(w, "foreign_currency_code", code)?;
                            el(w, "foreign_amount", paid)?;
                            el(w, "foreign_exchange_rate", rate)
                        })?;
                }
                self.from.write(w, "from")?;
                el(w, "from_country", &self.from_country)
            })?;
            w.create_element("t_to").write_inner_content(|w| {
                el(w, "to_funds_code", &self.funds)?;
                self.to.write(w, "to")?;
                el(w, "to_country", &self.to_country)
            })?;
            Ok(())
        })?;
        Ok(())
    }
}

impl PreparedParty {
    fn new(
        party: &Party,
        field: &str,
        input: &ReportInput,
        profile: &FiuProfile,
    ) -> Result<PreparedParty, ReportError> {
        let id = ident(field, &party.id, TEXT255)?;
        let written = text(&party.name, COMMENTS_MAX);
        let comments = |with_name: bool| {
            let mut c = format!("Party id {id} in the reporting institution's records.");
            if with_name && !written.is_empty() {
                let _ = write!(c, " Name as written in the payment: \"{written}\"");
            }
            clip(&c, COMMENTS_MAX).into_owned()
        };
        if party.organisation {
            let name = name_text(&party.name, profile, TEXT255);
            if !name.is_empty() {
                let folded = name != text(&party.name, TEXT255);
                return Ok(PreparedParty::Entity {
                    name,
                    comments: comments(folded),
                });
            }
        } else if let Some(person) = split_name(&party.name) {
            let first = name_text(&person.first, profile, NAME_MAX);
            let last = name_text(&person.last, profile, NAME_MAX);
            if !first.is_empty() && !last.is_empty() {
                let as_written = format!("{} {}", person.first, person.last);
                let full_name_frn = (first != text(&person.first, NAME_MAX)
                    || last != text(&person.last, NAME_MAX))
                .then(|| text(&as_written, TEXT255));
                return Ok(PreparedParty::Person {
                    first,
                    last,
                    full_name_frn,
                    comments: comments(false),
                });
            }
        }
        // No name that reads as a person's (or an organisation's in the allowed letters).
        let account_name = match name_text(&party.name, profile, TEXT255) {
            n if !n.is_empty() => n,
            _ if written.is_empty() => "name not given".to_string(),
            _ => "name not in Latin letters".to_string(),
        };
        let entity = &input.entity;
        Ok(PreparedParty::Account {
            institution_name: text(&entity.name, TEXT255),
            institution_code: text(&entity.institution_code, 50),
            account: id.clone(),
            comments: comments(account_name != written),
            account_name,
        })
    }

    fn write(&self, w: &mut W, side: &str) -> io::Result<()> {
        match self {
            PreparedParty::Person {
                first,
                last,
                full_name_frn,
                comments,
            } => {
                w.create_element(format!("{side}_person"))
                    .write_inner_content(|w| {
                        el(w, "first_name", first)?;
                        el(w, "last_name", last)?;
                        if let Some(full) = full_name_frn {
                            el(w, "full_name_frn", full)?;
                        }
                        el(w, "comments", comments)
                    })?;
            }
            PreparedParty::Account {
                institution_name,
                institution_code,
                account,
                account_name,
                comments,
            } => {
                w.create_element(format!("{side}_account"))
                    .write_inner_content(|w| {
                        opt(w, "institution_name", institution_name)?;
                        el(w, "institution_code", institution_code)?;
                        el(w, "account", account)?;
                        el(w, "account_name", account_name)?;
                        el(w, "comments", comments)
                    })?;
            }
            PreparedParty::Entity { name, comments } => {
                w.create_element(format!("{side}_entity"))
                    .write_inner_content(|w| {
                        el(w, "name", name)?;
                        el(w, "comments", comments)
                    })?;
            }
        }
        Ok(())
    }
}

fn el(w: &mut W, name: &str, value: &str) -> io::Result<()> {
    // Quotes need no escaping in element content; `<`, `>` and `&` do.
    let escaped = quick_xml::escape::partial_escape(value);
    w.create_element(name)
        .write_text_content(BytesText::from_escaped(escaped))?;
    Ok(())
}

/// An optional element: left out when empty.
fn opt(w: &mut W, name: &str, value: &str) -> io::Result<()> {
    if value.is_empty() {
        Ok(())
    } else {
        el(w, name, value)
    }
}

fn channel_words(channel: Channel) -> &'static str {
    match channel {
        Channel::Remittance => "remittance",
        Channel::Wallet => "e-wallet",
        Channel::Bank => "bank transfer",
        Channel::Card => "card",
        Channel::Crypto => "crypto-asset",
        Channel::Cash => "cash",
        Channel::Other => "other",
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The report's reason: what an FIU analyst reads first, in words, without spur.
fn reason_text(input: &ReportInput, currency_local: &str) -> String {
    let mut lines = Vec::new();
    if let Some(c) = &input.meta.corrects {
        // First, so that an FIU analyst reads it before anything else.
        let fiu = match c.fiu_ref_number.trim() {
            "" => String::new(),
            r => format!(", FIU reference {}", xml_legal(r)),
        };
        lines.push(format!(
            "CORRECTION: this report replaces in full the report with entity reference {} filed on {}{fiu}. Disregard that report.",
            xml_legal(c.entity_reference.trim()),
            sql_date(c.filed_at).map_or_else(String::new, |d| d[..10].to_string()),
        ));
    }
    lines.push(
        "Suspected payments for live-streamed child sexual abuse (online sexual exploitation of children). \
         The reporting institution's transaction monitoring flagged the parties below and an analyst reviewed the case."
            .to_string(),
    );
    let reason = input.reason.trim();
    if !reason.is_empty() {
        lines.push(format!("Analyst: {reason}"));
    }
    let txns = &input.transactions;
    let first = txns.iter().map(|t| t.timestamp).min().and_then(sql_date);
    let last = txns.iter().map(|t| t.timestamp).max().and_then(sql_date);
    let total: f64 = txns
        .iter()
        .map(|t| t.amount_local)
        .filter(|a| a.is_finite())
        .sum();
    let senders: BTreeSet<&str> = txns.iter().map(|t| t.from.id.as_str()).collect();
    let receivers: BTreeSet<&str> = txns.iter().map(|t| t.to.id.as_str()).collect();
    let countries: BTreeSet<&str> = txns.iter().map(|t| t.from.country.as_str()).collect();
    if let (Some(first), Some(last), Some(total)) = (first, last, decimal(total)) {
        lines.push(format!(
            "{} from {} to {}, {total} {currency_local} in total, from {} in {} to {}.",
            counted(txns.len(), "payment", "payments"),
            &first[..10],
            &last[..10],
            counted(senders.len(), "sender", "senders"),
            counted(countries.len(), "country", "countries"),
            counted(receivers.len(), "receiver", "receivers"),
        ));
    }
    let evidence = input.evidence_shown();
    let (shown, total) = input.shown_of_total();
    if shown < total {
        lines.push(format!(
            "Part of the evidence: this report shows {shown} of {total} payments of the alerted parties; \
             the reporting institution holds the others."
        ));
    }
    for (alert, (shown, total)) in input.alerts.iter().zip(evidence) {
        let role = match alert.role {
            Role::Sender => "Sender",
            Role::Receiver => "Receiver",
        };
        let seen = match (sql_date(alert.first_seen), sql_date(alert.last_seen)) {
            (Some(a), Some(b)) => format!(", active {} to {}", &a[..10], &b[..10]),
            _ => String::new(),
        };
        let score = if alert.score.is_finite() {
            alert.score.clamp(0.0, 1.0)
        } else {
            0.0
        };
        lines.push(format!(
            "{role} {} (risk score {score:.2}{seen}):",
            alert.subject.trim()
        ));
        for indicator in &alert.indicators {
            lines.push(format!("- {}", indicator.reason.trim()));
        }
        if shown < total {
            let side = match alert.role {
                Role::Sender => "made",
                Role::Receiver => "received",
            };
            lines.push(format!(
                "- {shown} of the {total} payments it {side} are in this report."
            ));
        }
    }

    // Whole lines only; the last line says how many did not fit.
    let mut out = String::new();
    let mut used = 0;
    let budget = COMMENTS_MAX - 100;
    for (i, line) in lines.iter().enumerate() {
        // One long line (an analyst's essay) must not push out everything else.
        let line = clip(&xml_legal(line), budget / 4).into_owned();
        used += line.chars().count() + 1;
        if used > budget {
            let _ = write!(
                out,
                "\n[{} more lines left out; the reporting institution holds the full case file]",
                lines.len() - i
            );
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line);
    }
    clip(&out, COMMENTS_MAX).into_owned()
}
