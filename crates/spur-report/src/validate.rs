//! Schema validation with libxml2's `xmllint` (Debian: libxml2-utils).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Validates `xml` against the XSD at `xsd` by running
/// `xmllint --noout --schema XSD -`. On failure, xmllint's messages, one per line
/// (`-:LINE: element NAME: Schemas validity error : ...`), or why xmllint could not run.
pub fn validate(xml: &str, xsd: &Path) -> Result<(), Vec<String>> {
    if !xsd.is_file() {
        return Err(vec![format!("schema not found: {}", xsd.display())]);
    }
    let mut child = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(xsd)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| vec![format!("cannot run xmllint (install libxml2-utils): {e}")])?;
    let Some(mut stdin) = child.stdin.take() else {
        return Err(vec!["xmllint: no stdin".to_string()]);
    };
    // Written from a thread: xmllint may fill stderr before it has read all of stdin.
    let input = xml.as_bytes().to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child
        .wait_with_output()
        .map_err(|e| vec![format!("xmllint did not finish: {e}")])?;
    let written = writer.join().unwrap_or(Ok(()));
    let messages: Vec<String> = String::from_utf8_lossy(&output.stderr)
        .lines()
        .chain(String::from_utf8_lossy(&output.stdout).lines())
        .filter(|l| !l.trim().is_empty() && l.trim() != "- validates")
        .map(str::to_string)
        .collect();
    if output.status.success() {
        return Ok(());
    }
    let mut messages = messages;
    if let Err(e) = written {
        messages.push(format!("writing to xmllint: {e}"));
    }
    if messages.is_empty() {
        messages.push(format!("xmllint failed with {}", output.status));
    }
    Err(messages)
}
