//! Layered configuration: built-in defaults, then a TOML file, then `SPUR_`
//! environment variables, then command-line flags. Unknown keys are errors.
//!
//! Environment variables name a key path with `__` between levels:
//! `SPUR_ALERT_THRESHOLD=0.6`, `SPUR_INDICATORS__P_FREQ__WEIGHT=0.5`,
//! `SPUR_RISK__DESTINATIONS='["PH","TH"]'`. Values are read as TOML values
//! (numbers, booleans, arrays), falling back to a plain string.

use std::path::Path;

use anyhow::{bail, Context, Result};
use spur_engine::EngineConfig;
use toml::Value;

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

pub fn load(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<EngineConfig> {
    let mut tree = Value::try_from(EngineConfig::default())
        .context("serialising the default configuration")?;
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
    let cfg: EngineConfig = tree.try_into().context("configuration")?;
    if let Err(e) = cfg.validate() {
        bail!("configuration: {e}");
    }
    Ok(cfg)
}

/// Whether the tree reads as a configuration (no unknown keys, no wrong types).
fn check(tree: &Value) -> Result<()> {
    tree.clone().try_into::<EngineConfig>()?;
    Ok(())
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

    /// docs/spur.example.toml holds every key at its default, and
    /// docs/configuration.md reproduces it byte for byte.
    #[test]
    fn the_documented_file_is_the_defaults() {
        let example = include_str!("../../../docs/spur.example.toml");
        let parsed: EngineConfig = toml::from_str(example).unwrap();
        assert_eq!(parsed, EngineConfig::default());
        let every_key = Value::try_from(EngineConfig::default()).unwrap();
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
