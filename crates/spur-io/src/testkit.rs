//! Test helpers shared by the format tests: run a reader over a text and
//! render each outcome as one short line, so cases read as data.

use std::ops::ControlFlow;

use spur_engine::model::Payment;

use crate::input::{open_reader_with, Format};
use crate::profile::{InputProfile, Profile};
use crate::time::rfc3339;

/// The profile of an `[input]` section's TOML text.
pub(crate) fn profile(toml_text: &str) -> Profile {
    let p: InputProfile = toml::from_str(toml_text).expect("profile TOML");
    Profile::new(&p).expect("a valid profile")
}

/// Every outcome of reading `input`, one line each: `ok <txn_id>` or
/// `<line> <field>: <reason>`; or the whole-input error.
pub(crate) fn outcomes(format: Format, input: &[u8]) -> Result<(Vec<String>, Vec<String>), String> {
    outcomes_with(format, &Profile::default(), input)
}

/// As [`outcomes`], read as `profile` says.
pub(crate) fn outcomes_with(
    format: Format,
    profile: &Profile,
    input: &[u8],
) -> Result<(Vec<String>, Vec<String>), String> {
    let mut reader = open_reader_with(
        format,
        Box::new(std::io::Cursor::new(input.to_vec())),
        profile,
    )
    .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let stats = reader
        .read_all(&mut |_, r| {
            out.push(match r {
                Ok(p) => format!("ok {}", p.txn_id),
                Err(r) => format!("{} {}: {}", r.line, r.field, r.reason),
            });
            ControlFlow::Continue(())
        })
        .map_err(|e| e.to_string())?;
    assert_eq!(stats.accepted + stats.rejected, out.len() as u64);
    assert_eq!(
        stats.accepted,
        out.iter().filter(|o| o.starts_with("ok ")).count() as u64
    );
    Ok((out, reader.unknown_columns().to_vec()))
}

/// Asserts the outcomes of reading `input`.
#[track_caller]
pub(crate) fn check(format: Format, input: &str, expected: &[&str]) {
    check_bytes(format, input.as_bytes(), expected)
}

#[track_caller]
pub(crate) fn check_bytes(format: Format, input: &[u8], expected: &[&str]) {
    match outcomes(format, input) {
        Ok((got, _)) => assert_eq!(got, expected, "input:\n{}", String::from_utf8_lossy(input)),
        Err(e) => panic!(
            "input error {e:?} for input:\n{}",
            String::from_utf8_lossy(input)
        ),
    }
}

/// Asserts the outcomes of reading `input` with the profile `toml_text`.
#[track_caller]
pub(crate) fn check_with(format: Format, toml_text: &str, input: &str, expected: &[&str]) {
    match outcomes_with(format, &profile(toml_text), input.as_bytes()) {
        Ok((got, _)) => assert_eq!(got, expected, "profile {toml_text:?}, input:\n{input}"),
        Err(e) => panic!("input error {e:?} for profile {toml_text:?}, input:\n{input}"),
    }
}

/// Asserts that reading `input` with the profile `toml_text` fails as a whole.
#[track_caller]
pub(crate) fn check_error_with(format: Format, toml_text: &str, input: &str, expected: &str) {
    match outcomes_with(format, &profile(toml_text), input.as_bytes()) {
        Ok((got, _)) => panic!("expected error {expected:?}, got {got:?}"),
        Err(e) => assert_eq!(e, expected),
    }
}

/// The accepted payments of `input` read with the profile `toml_text`.
pub(crate) fn payments_with(format: Format, toml_text: &str, input: &str) -> Vec<String> {
    let mut reader = open_reader_with(
        format,
        Box::new(std::io::Cursor::new(input.as_bytes().to_vec())),
        &profile(toml_text),
    )
    .unwrap();
    let mut out = Vec::new();
    reader
        .read_all(&mut |_, r| {
            if let Ok(p) = r {
                out.push(render(&p));
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    out
}

/// Asserts that reading `input` fails as a whole with `expected`.
#[track_caller]
pub(crate) fn check_error(format: Format, input: &str, expected: &str) {
    match outcomes(format, input.as_bytes()) {
        Ok((got, _)) => panic!("expected error {expected:?}, got {got:?}"),
        Err(e) => assert_eq!(e, expected),
    }
}

/// The accepted payments of `input`, rendered field by field.
pub(crate) fn payments(format: Format, input: &str) -> Vec<String> {
    let mut reader = open_reader_with(
        format,
        Box::new(std::io::Cursor::new(input.as_bytes().to_vec())),
        &Profile::default(),
    )
    .unwrap();
    let mut out = Vec::new();
    reader
        .read_all(&mut |_, r| {
            if let Ok(p) = r {
                out.push(render(&p));
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    out
}

/// All fields of a payment on one line; empty optional fields left out.
pub(crate) fn render(p: &Payment<'_>) -> String {
    let mut s = format!(
        "{} {} {} {} {}({})->{}({})",
        p.txn_id,
        rfc3339(p.timestamp),
        p.amount,
        p.currency,
        p.sender_id,
        p.sender_country,
        p.receiver_id,
        p.receiver_country
    );
    let mut opt = |k: &str, v: String| {
        if !v.is_empty() {
            s.push_str(&format!(" {k}={v}"));
        }
    };
    opt("sender_name", p.sender_name.into());
    opt("receiver_name", p.receiver_name.into());
    opt(
        "channel",
        p.channel
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
    );
    opt("message", p.message.into());
    opt(
        "mcc",
        p.extra.mcc.map(|n| n.to_string()).unwrap_or_default(),
    );
    opt("phone", p.extra.receiver_phone.into());
    opt(
        "birth",
        p.extra
            .sender_birth_year
            .map(|n| n.to_string())
            .unwrap_or_default(),
    );
    opt(
        "sex",
        p.extra
            .sender_sex
            .map(|x| format!("{x:?}"))
            .unwrap_or_default(),
    );
    opt(
        "payout",
        p.extra.payout_time.map(rfc3339).unwrap_or_default(),
    );
    s
}
