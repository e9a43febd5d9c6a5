//! FIU profiles: what differs between financial intelligence units that take goAML.
//!
//! A profile is a TOML file (`profiles/<name>.toml` at the repository root): the
//! schema version and XSD, the code lists the profile uses, and the mapping from
//! spur's channels and indicator codes to those codes. A profile is checked when it
//! loads, so a report never carries a code the profile did not declare.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// spur's indicator codes (crates/spur-engine/src/indicators): every profile maps each.
pub const SPUR_INDICATOR_CODES: [&str; 20] = [
    "P-LOWVAL",
    "P-FREQ",
    "P-MULTIBEN",
    "P-NOTIES",
    "P-HOURS",
    "P-REMARK",
    "P-SHAPE",
    "P-SHARED",
    "P-CHANNEL",
    "P-PURCHASE",
    "P-PROFILE",
    "R-FANIN",
    "R-BAND",
    "R-SENDERS",
    "R-EVENING",
    "R-ALIAS",
    "R-CASHOUT",
    "R-RING",
    "P-XMATCH",
    "R-XMATCH",
];

/// spur's payment channels plus `other` (any other or unknown channel).
pub const SPUR_CHANNELS: [&str; 7] = [
    "remittance",
    "wallet",
    "bank",
    "card",
    "crypto",
    "cash",
    "other",
];

/// The profiles shipped with spur, by name.
const SHIPPED: [(&str, &str); 2] = [
    ("ae", include_str!("../../../profiles/ae.toml")),
    ("generic", include_str!("../../../profiles/generic.toml")),
];

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProfileError {
    #[error("unknown FIU profile `{0}`; shipped profiles: ae, generic")]
    Unknown(String),
    #[error("profile is not valid TOML or has unknown keys: {0}")]
    Toml(String),
    #[error("`{key}`: code `{code}` is not in the profile's `codes.{list}`")]
    CodeNotInList {
        key: String,
        code: String,
        list: &'static str,
    },
    #[error("`{key}`: `{code}` is not one of spur's {what}")]
    UnknownSpurKey {
        key: String,
        code: String,
        what: &'static str,
    },
    #[error("`{key}` is missing: every {what} needs a mapping")]
    Missing { key: String, what: &'static str },
    #[error("`{key}` must not be empty")]
    Empty { key: String },
    #[error("`{key}`: {problem}")]
    Invalid { key: String, problem: String },
}

/// How names may be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameCharset {
    /// Any character XML allows.
    Any,
    /// Only `[a-zA-Z0-9 .'-]`, as some FIUs' schemas require of names.
    BasicLatin,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FiuProfile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub goaml_version: String,
    /// The XSD that validates this profile's reports, relative to the repository root.
    pub xsd: PathBuf,
    pub report_code: String,
    pub submission_code: String,
    pub name_charset: NameCharset,
    /// Written as `transmode_comment` when set (some schemas require one).
    #[serde(default)]
    pub transmode_comment: Option<String>,
    /// `contact_type` of the reporting entity's address.
    pub address_type: String,
    /// Written for a country not in `codes.countries`.
    pub unknown_country: String,
    pub codes: CodeLists,
    /// By spur channel (see [`SPUR_CHANNELS`]).
    pub channels: BTreeMap<String, ChannelCodes>,
    pub indicators: IndicatorMapping,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeLists {
    pub transaction_modes: Vec<String>,
    pub funds_types: Vec<String>,
    pub report_indicators: Vec<String>,
    /// Empty: the schema does not restrict countries.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Empty: the schema does not restrict currencies.
    #[serde(default)]
    pub currencies: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelCodes {
    pub transmode: String,
    /// Funds type of both sides.
    pub funds: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorMapping {
    /// Report indicators written on every report of this profile.
    pub always: Vec<String>,
    /// By spur indicator code (see [`SPUR_INDICATOR_CODES`]).
    pub map: BTreeMap<String, Vec<String>>,
}

impl FiuProfile {
    /// The names of the profiles shipped in `profiles/`.
    pub fn shipped_names() -> impl Iterator<Item = &'static str> {
        SHIPPED.iter().map(|(name, _)| *name)
    }

    /// One of the profiles shipped in `profiles/`.
    pub fn shipped(name: &str) -> Result<FiuProfile, ProfileError> {
        let (_, text) = SHIPPED
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| ProfileError::Unknown(name.to_string()))?;
        FiuProfile::from_toml(text)
    }

    /// Parses and checks a profile.
    pub fn from_toml(text: &str) -> Result<FiuProfile, ProfileError> {
        let profile: FiuProfile =
            toml::from_str(text).map_err(|e| ProfileError::Toml(e.to_string()))?;
        profile.check()?;
        Ok(profile)
    }

    /// The XSD's path, given the repository root the profile's path is relative to.
    pub fn xsd_path(&self, repo_root: &Path) -> PathBuf {
        repo_root.join(&self.xsd)
    }

    /// The channel's codes; unknown channels read as `other`.
    pub fn channel(&self, channel: &str) -> Result<&ChannelCodes, ProfileError> {
        self.channels
            .get(channel)
            .or_else(|| self.channels.get("other"))
            .ok_or_else(|| ProfileError::Missing {
                key: "channels.other".to_string(),
                what: "channel",
            })
    }

    /// The country as the schema accepts it.
    pub fn country<'a>(&'a self, code: &'a str) -> &'a str {
        if self.codes.countries.is_empty() || self.codes.countries.iter().any(|c| c == code) {
            code
        } else {
            &self.unknown_country
        }
    }

    pub fn currency_allowed(&self, code: &str) -> bool {
        self.codes.currencies.is_empty() || self.codes.currencies.iter().any(|c| c == code)
    }

    /// The report indicators for a set of spur indicator codes: `always` first,
    /// then in the order of the codes, each once. Unknown spur codes add nothing.
    pub fn report_indicators<'a>(
        &'a self,
        spur_codes: impl IntoIterator<Item = &'a str>,
    ) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        let mapped = spur_codes
            .into_iter()
            .filter_map(|code| self.indicators.map.get(code))
            .flatten();
        for code in self.indicators.always.iter().chain(mapped) {
            if !out.contains(&code.as_str()) {
                out.push(code);
            }
        }
        out
    }

    /// Checks that every code the profile maps to is in its own code lists and that
    /// every spur channel and indicator code is mapped. [`FiuProfile::from_toml`] runs
    /// it; run it again after changing a profile in code.
    pub fn check(&self) -> Result<(), ProfileError> {
        for (key, value) in [
            ("name", &self.name),
            ("goaml_version", &self.goaml_version),
            ("report_code", &self.report_code),
            ("submission_code", &self.submission_code),
            ("address_type", &self.address_type),
            ("unknown_country", &self.unknown_country),
        ] {
            if value.trim().is_empty() {
                return Err(ProfileError::Empty {
                    key: key.to_string(),
                });
            }
        }
        if self.xsd.as_os_str().is_empty() {
            return Err(ProfileError::Empty {
                key: "xsd".to_string(),
            });
        }
        if let Some(comment) = &self.transmode_comment {
            if comment.is_empty() {
                return Err(ProfileError::Empty {
                    key: "transmode_comment".to_string(),
                });
            }
        }
        let codes = &self.codes;
        for (key, list) in [
            ("codes.transaction_modes", &codes.transaction_modes),
            ("codes.funds_types", &codes.funds_types),
            ("codes.report_indicators", &codes.report_indicators),
        ] {
            if list.is_empty() {
                return Err(ProfileError::Empty {
                    key: key.to_string(),
                });
            }
        }
        if !codes.countries.is_empty() && !codes.countries.contains(&self.unknown_country) {
            return Err(ProfileError::CodeNotInList {
                key: "unknown_country".to_string(),
                code: self.unknown_country.clone(),
                list: "countries",
            });
        }

        for key in self.channels.keys() {
            if !SPUR_CHANNELS.contains(&key.as_str()) {
                return Err(ProfileError::UnknownSpurKey {
                    key: format!("channels.{key}"),
                    code: key.clone(),
                    what: "channels (remittance, wallet, bank, card, crypto, cash, other)",
                });
            }
        }
        for channel in SPUR_CHANNELS {
            let Some(mapped) = self.channels.get(channel) else {
                return Err(ProfileError::Missing {
                    key: format!("channels.{channel}"),
                    what: "channel",
                });
            };
            in_list(
                &format!("channels.{channel}.transmode"),
                &mapped.transmode,
                &codes.transaction_modes,
                "transaction_modes",
            )?;
            in_list(
                &format!("channels.{channel}.funds"),
                &mapped.funds,
                &codes.funds_types,
                "funds_types",
            )?;
        }

        if self.indicators.always.is_empty() {
            // goAML requires at least one indicator on every report.
            return Err(ProfileError::Empty {
                key: "indicators.always".to_string(),
            });
        }
        for code in &self.indicators.always {
            in_list(
                "indicators.always",
                code,
                &codes.report_indicators,
                "report_indicators",
            )?;
        }
        for (spur_code, mapped) in &self.indicators.map {
            if !SPUR_INDICATOR_CODES.contains(&spur_code.as_str()) {
                return Err(ProfileError::UnknownSpurKey {
                    key: format!("indicators.map.{spur_code}"),
                    code: spur_code.clone(),
                    what: "indicator codes",
                });
            }
            for code in mapped {
                in_list(
                    &format!("indicators.map.{spur_code}"),
                    code,
                    &codes.report_indicators,
                    "report_indicators",
                )?;
            }
        }
        for spur_code in SPUR_INDICATOR_CODES {
            if !self.indicators.map.contains_key(spur_code) {
                return Err(ProfileError::Missing {
                    key: format!("indicators.map.{spur_code}"),
                    what: "spur indicator code (map it to [] when nothing fits)",
                });
            }
        }
        Ok(())
    }
}

fn in_list(key: &str, code: &str, list: &[String], name: &'static str) -> Result<(), ProfileError> {
    if list.iter().any(|c| c == code) {
        Ok(())
    } else {
        Err(ProfileError::CodeNotInList {
            key: key.to_string(),
            code: code.to_string(),
            list: name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_profiles_load() {
        for name in ["ae", "generic"] {
            let profile = FiuProfile::shipped(name).expect(name);
            assert_eq!(profile.name, name);
        }
        assert_eq!(
            FiuProfile::shipped("de"),
            Err(ProfileError::Unknown("de".into()))
        );
    }

    #[test]
    fn ae_maps_to_csam1_first() {
        let ae = FiuProfile::shipped("ae").unwrap();
        assert_eq!(
            ae.report_indicators(["R-FANIN", "P-SHARED", "P-HOURS"]),
            ["CSAM1", "MURCW", "MTOCB"]
        );
        let generic = FiuProfile::shipped("generic").unwrap();
        assert_eq!(generic.report_indicators(["R-FANIN"]), ["-"]);
    }

    #[test]
    fn unknown_channel_reads_as_other() {
        let ae = FiuProfile::shipped("ae").unwrap();
        assert_eq!(ae.channel("pigeon").unwrap().transmode, "-");
        assert_eq!(ae.channel("crypto").unwrap().funds, "CRPTC");
    }

    #[test]
    fn country_outside_the_list_is_unknown() {
        let ae = FiuProfile::shipped("ae").unwrap();
        assert_eq!(ae.country("PH"), "PH");
        assert_eq!(ae.country("QQ"), "-");
    }
}
