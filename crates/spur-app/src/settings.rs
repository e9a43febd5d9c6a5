//! Layered configuration: built-in defaults, then a TOML file, then `SPUR_`
//! environment variables, then command-line flags. Unknown keys are errors.
//!
//! The file holds the engine's configuration and, in `[input]`, the input
//! profile (`spur_io::InputProfile`): the engine never sees the latter.
//!
//! Environment variables name a key path with `__` between levels:
//! `SPUR_ALERT_THRESHOLD=0.6`, `SPUR_INDICATORS__P_FREQ__WEIGHT=0.5`,
//! `SPUR_RISK__DESTINATIONS='["PH","TH"]'`. Values are read as TOML values
//! (numbers, booleans, arrays), falling back to a plain string.

use std::path::Path;

use crate::{bail, Context, Result};
use spur_engine::EngineConfig;
use spur_io::{AmbiguousTime, InputProfile, Profile};
use toml::Value;

/// The section of the file that is the input profile, not the engine's.
const INPUT: &str = "input";

/// Everything the configuration file and environment say.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub engine: EngineConfig,
    pub input: InputProfile,
}

/// Variables that belong to the command line, not to the engine.
/// `SPUR_TEST_PG` is the test script's PostgreSQL, for storage tests.
/// `SPUR_ENTITY` names the reporting entity file; `SPUR_ROOT` where the FIU
/// profiles' XSD paths start. `SPUR_NOW` is `spur scan --now`.
const NOT_CONFIG: &[&str] = &[
    "SPUR_CONFIG",
    "SPUR_LOG",
    "SPUR_DB",
    "SPUR_USER",
    "SPUR_ENTITY",
    "SPUR_ROOT",
    "SPUR_TEST_PG",
    "SPUR_NOW",
];

/// The engine's configuration, layered (the `[input]` section is checked
/// too, as a misspelt key there must stop every command alike).
pub fn load(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<EngineConfig> {
    Ok(load_all(file, env)?.engine)
}

/// The engine's configuration and the input profile, layered.
pub fn load_all(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Settings> {
    let mut tree = default_tree()?;
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let layer: Value =
            toml::from_str(&text).with_context(|| format!("config file {}", path.display()))?;
        merge(&mut tree, layer);
        check(&tree).with_context(|| format!("config file {}", path.display()))?;
    }
    let mut vars: Vec<(String, String)> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with("SPUR_") && !NOT_CONFIG.contains(&k.as_str()))
        .collect();
    vars.sort();
    for (key, raw) in vars {
        let path: Vec<String> = key["SPUR_".len()..]
            .split("__")
            .map(str::to_ascii_lowercase)
            .collect();
        let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or(Value::String(raw));
        set(&mut tree, &path, value).with_context(|| format!("environment variable {key}"))?;
        // Checked layer by layer, so that an error names the variable at fault.
        check(&tree).with_context(|| format!("environment variable {key}"))?;
    }
    let settings = read(tree).context("configuration")?;
    if let Err(e) = settings.engine.validate() {
        bail!("configuration: {e}");
    }
    Profile::new(&settings.input).context("configuration")?;
    Ok(settings)
}

/// Every key at its default: the engine's, and `[input]`.
fn default_tree() -> Result<Value> {
    let mut tree = Value::try_from(EngineConfig::default())
        .context("serialising the default configuration")?;
    let input =
        Value::try_from(InputProfile::default()).context("serialising the default profile")?;
    if let Value::Table(t) = &mut tree {
        t.insert(INPUT.into(), input);
    }
    Ok(tree)
}

/// The tree as settings: `[input]` is the profile, the rest the engine's.
fn read(mut tree: Value) -> Result<Settings> {
    let input = match &mut tree {
        Value::Table(t) => t.remove(INPUT),
        _ => None,
    };
    let engine: EngineConfig = tree.try_into()?;
    let input: InputProfile = match input {
        Some(v) => v.try_into().context("in `input`")?,
        None => InputProfile::default(),
    };
    Ok(Settings { engine, input })
}

/// Whether the tree reads as a configuration (no unknown keys, no wrong
/// types, a profile spur can use).
fn check(tree: &Value) -> Result<()> {
    let settings = read(tree.clone())?;
    Profile::new(&settings.input)?;
    Ok(())
}

/// `spur scan`'s flags for the input profile; each overrides its `[input]`
/// key.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct InputArgs {
    /// CSV field delimiter, e.g. ";" or "tab" ([input] delimiter).
    #[cfg_attr(feature = "clap", arg(long, value_name = "CHAR"))]
    pub delimiter: Option<String>,
    /// "." or "," between whole units and the fraction ([input] decimal_separator).
    #[cfg_attr(feature = "clap", arg(long, value_name = "CHAR"))]
    pub decimal_separator: Option<String>,
    /// The character grouping thousands, "" for none ([input] thousands_separator).
    #[cfg_attr(feature = "clap", arg(long, value_name = "CHAR"))]
    pub thousands_separator: Option<String>,
    /// A time layout such as "%d.%m.%Y %H:%M", or "rfc3339"; repeat to try several in order ([input] timestamp_format).
    #[cfg_attr(feature = "clap", arg(long, value_name = "LAYOUT"))]
    pub timestamp_format: Vec<String>,
    /// Zone of times without an offset: "Europe/Berlin", "+01:00" ([input] time_zone).
    #[cfg_attr(feature = "clap", arg(long, value_name = "ZONE"))]
    pub time_zone: Option<String>,
    /// A local time that happened twice: earlier, later or reject ([input] ambiguous_time).
    #[cfg_attr(feature = "clap", arg(long, value_name = "RULE", value_parser = ["earlier", "later", "reject"]))]
    pub ambiguous_time: Option<String>,
    /// The export's name of a canonical column, FIELD=NAME (e.g. txn_id=Buchungs-ID); repeat for more ([input.columns]).
    #[cfg_attr(feature = "clap", arg(long = "column", value_name = "FIELD=NAME"))]
    pub columns: Vec<String>,
}

impl InputArgs {
    /// The profile of the layers with these flags over it, checked.
    pub fn apply(&self, mut p: InputProfile) -> Result<Profile> {
        if let Some(d) = &self.delimiter {
            p.delimiter = d.clone();
        }
        if let Some(d) = &self.decimal_separator {
            p.decimal_separator = d.clone();
        }
        if let Some(t) = &self.thousands_separator {
            p.thousands_separator = Some(t.clone());
        }
        if !self.timestamp_format.is_empty() {
            p.timestamp_format = self.timestamp_format.clone();
        }
        if let Some(z) = &self.time_zone {
            p.time_zone = Some(z.clone());
        }
        if let Some(a) = &self.ambiguous_time {
            p.ambiguous_time = match a.as_str() {
                "later" => AmbiguousTime::Later,
                "reject" => AmbiguousTime::Reject,
                _ => AmbiguousTime::Earlier,
            };
        }
        for c in &self.columns {
            let Some((field, name)) = c.split_once('=') else {
                bail!("--column {c:?}: expected FIELD=NAME, e.g. txn_id=Buchungs-ID");
            };
            p.columns.insert(field.trim().to_owned(), name.to_owned());
        }
        Ok(Profile::new(&p)?)
    }
}

fn merge(base: &mut Value, layer: Value) {
    match (base, layer) {
        (Value::Table(b), Value::Table(l)) => {
            for (k, v) in l {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    // Unknown keys reach deserialisation, which names them.
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn set(tree: &mut Value, path: &[String], value: Value) -> Result<()> {
    let Some((last, parents)) = path.split_last() else {
        bail!("empty key")
    };
    let mut node = tree;
    for p in parents {
        node = match node {
            Value::Table(t) => t
                .entry(p.clone())
                .or_insert_with(|| Value::Table(Default::default())),
            _ => bail!("{p} is not a section"),
        };
    }
    match node {
        Value::Table(t) => {
            t.insert(last.clone(), value);
            Ok(())
        }
        _ => bail!("{last} is not inside a section"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn layers() {
        let dir = std::env::temp_dir().join(format!("spur-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("spur.toml");
        std::fs::write(
            &file,
            "alert_threshold = 0.7\n[indicators.p_freq]\nweight = 0.9\n",
        )
        .unwrap();
        let cfg = load(Some(&file), env(&[])).unwrap();
        assert_eq!(cfg.alert_threshold, 0.7);
        assert_eq!(cfg.indicators.p_freq.weight, 0.9);
        assert_eq!(cfg.indicators.p_freq.month_full, 8, "defaults stay");
        let cfg = load(
            Some(&file),
            env(&[
                ("SPUR_ALERT_THRESHOLD", "0.4"),
                ("SPUR_RISK__DESTINATIONS", "[\"PH\"]"),
                ("SPUR_LOG", "debug"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.alert_threshold, 0.4, "environment over file");
        assert_eq!(cfg.risk.destinations, vec!["PH".to_owned()]);
    }

    /// docs/spur.example.toml holds every key at its default, `[input]`
    /// included, and docs/configuration.md reproduces it byte for byte.
    #[test]
    fn the_documented_file_is_the_defaults() {
        let example = include_str!("../../../docs/spur.example.toml");
        let parsed = read(toml::from_str(example).unwrap()).unwrap();
        assert_eq!(parsed.engine, EngineConfig::default());
        assert_eq!(parsed.input, InputProfile::default());
        let every_key = default_tree().unwrap();
        let written: Value = toml::from_str(example).unwrap();
        let mut missing = Vec::new();
        keys_missing(&every_key, &written, "", &mut missing);
        assert!(missing.is_empty(), "keys not in the example: {missing:?}");
        let doc = include_str!("../../../docs/configuration.md");
        assert!(
            doc.contains(example.trim_end()),
            "docs/configuration.md no longer reproduces docs/spur.example.toml"
        );
    }

    fn keys_missing(all: &Value, written: &Value, at: &str, out: &mut Vec<String>) {
        if let (Value::Table(all), Value::Table(written)) = (all, written) {
            for (k, v) in all {
                let path = format!("{at}{k}");
                match written.get(k) {
                    Some(w) => keys_missing(v, w, &format!("{path}."), out),
                    None => out.push(path),
                }
            }
        }
    }

    #[test]
    fn the_input_profile_is_layered_like_the_rest() {
        let dir = std::env::temp_dir().join(format!("spur-settings-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("spur.toml");
        std::fs::write(
            &file,
            "alert_threshold = 0.7\n[input]\ndelimiter = \";\"\ntimestamp_format = [\"%d.%m.%Y %H:%M\"]\n[input.columns]\ntxn_id = \"Buchungs-ID\"\n",
        )
        .unwrap();
        let s = load_all(Some(&file), env(&[])).unwrap();
        assert_eq!(s.engine.alert_threshold, 0.7);
        assert_eq!(s.input.delimiter, ";");
        assert_eq!(s.input.decimal_separator, ".", "defaults stay");
        assert_eq!(s.input.columns["txn_id"], "Buchungs-ID");
        let s = load_all(
            Some(&file),
            env(&[
                ("SPUR_INPUT__DECIMAL_SEPARATOR", ","),
                ("SPUR_INPUT__TIME_ZONE", "Europe/Berlin"),
                ("SPUR_INPUT__COLUMNS__AMOUNT", "Betrag"),
            ]),
        )
        .unwrap();
        assert_eq!(s.input.decimal_separator, ",", "environment over file");
        assert_eq!(s.input.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(s.input.columns.len(), 2, "tables merge key by key");
        let flags = InputArgs {
            delimiter: Some("tab".into()),
            columns: vec!["sender_id=Konto".into()],
            ..InputArgs::default()
        };
        flags.apply(s.input.clone()).unwrap();
        let bad = InputArgs {
            columns: vec!["sender_id".into()],
            ..InputArgs::default()
        };
        assert!(format!("{:#}", bad.apply(s.input).unwrap_err()).contains("FIELD=NAME"));
    }

    #[test]
    fn input_profile_errors_name_the_key() {
        let cases = [
            ("SPUR_INPUT__DELIMETER", ";", "unknown field `delimeter`"),
            (
                "SPUR_INPUT__DELIMITER",
                ";;",
                "[input] delimiter: \";;\" is not one ASCII punctuation character",
            ),
            (
                "SPUR_INPUT__TIME_ZONE",
                "Mars/Olympus",
                "[input] time_zone: \"Mars/Olympus\" is neither",
            ),
            (
                "SPUR_INPUT__COLUMNS__TXN",
                "ID",
                "[input] columns.txn: \"txn\" is not a canonical field",
            ),
            (
                "SPUR_INPUT__TIMESTAMP_FORMAT",
                "[\"%d.%m.%Y\"]",
                "[input] timestamp_format: \"%d.%m.%Y\" ",
            ),
        ];
        for (var, value, expected) in cases {
            let err = load(None, env(&[(var, value)])).unwrap_err();
            let text = format!("{err:#}");
            assert!(text.contains(expected), "{var}={value}: {text}");
            assert!(text.contains(var), "{var}={value}: {text}");
        }
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let err = load(None, env(&[("SPUR_ALERT_TRESHOLD", "0.4")])).unwrap_err();
        assert!(format!("{err:#}").contains("alert_treshold"), "{err:#}");
        let err = load(None, env(&[("SPUR_ALERT_THRESHOLD", "2")])).unwrap_err();
        assert!(
            format!("{err:#}").contains("alert_threshold must lie in [0, 1]"),
            "{err:#}"
        );
        let err = load(None, env(&[("SPUR_INDICATORS__P_FREQ__WEIGHT", "heavy")])).unwrap_err();
        assert!(format!("{err:#}").contains("weight"), "{err:#}");
    }
}
