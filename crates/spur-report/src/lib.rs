//! spur's reports to financial intelligence units (FIUs).
//!
//! [`write_goaml`] turns a case ([`ReportInput`]) into a goAML XML suspicious
//! transaction report for one FIU ([`FiuProfile`]); [`validate`] checks XML against
//! the profile's XSD with libxml2's `xmllint`; [`draft_report`] does both and is
//! the only way to a [`ValidReport`], the only kind of report spur files.
//!
//! The crate reads no files except the XSD it is pointed at, and logs no names or
//! account ids. See docs/goaml.md.

mod goaml;
mod input;
mod profile;
pub mod text;
mod validate;

pub use goaml::write_goaml;
pub use input::{
    Address, AlertSummary, CorrectedReport, ForeignAmount, IndicatorReason, Party, ReportInput,
    ReportMeta, ReportingEntity, ReportingPerson, Transaction,
};
pub use profile::{
    ChannelCodes, CodeLists, FiuProfile, IndicatorMapping, NameCharset, ProfileError,
    SPUR_CHANNELS, SPUR_INDICATOR_CODES,
};
pub use validate::validate;

use std::path::Path;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReportError {
    #[error("invalid FIU profile: {0}")]
    Profile(#[from] ProfileError),
    #[error("report input: `{field}` {problem}")]
    Input { field: String, problem: String },
    #[error("writing XML: {0}")]
    Xml(String),
    #[error("the report does not validate against its schema:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

/// A report that validated against its profile's XSD when it was drafted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidReport {
    xml: String,
    profile: String,
}

impl ValidReport {
    pub fn xml(&self) -> &str {
        &self.xml
    }

    pub fn into_xml(self) -> String {
        self.xml
    }

    /// The name of the FIU profile it validated for.
    pub fn profile(&self) -> &str {
        &self.profile
    }
}

/// Writes the report and validates it against the profile's XSD (resolved from
/// `repo_root`, see [`FiuProfile::xsd_path`]). A report that does not validate is
/// refused with xmllint's messages.
pub fn draft_report(
    input: &ReportInput,
    profile: &FiuProfile,
    repo_root: &Path,
) -> Result<ValidReport, ReportError> {
    let xml = write_goaml(input, profile)?;
    validate(&xml, &profile.xsd_path(repo_root)).map_err(ReportError::Invalid)?;
    Ok(ValidReport {
        xml,
        profile: profile.name.clone(),
    })
}
