//! `spur feedback import` and `spur model ...`: calls into spur-app's
//! `learn` and prints. Who may do what is decided in the store.

use std::io::{self, Write};
use std::path::Path;

use anyhow::Result;
use spur_app::learn::{self, db};
use spur_store::{Store, StoredModel};

use crate::table::{Align, Table};
use crate::terminal::visible;

pub fn import(store: &mut dyn Store, file: &Path, actor: &str) -> Result<()> {
    let done = db::import_labels(store, file, actor)?;
    let mut err = io::stderr().lock();
    for e in &done.errors {
        writeln!(err, "{}", visible(&e.to_string()))?;
    }
    match &done.stored {
        Some(s) => println!(
            "imported {} label(s) from {} (audit entry {}); {} line(s) left out",
            s.imported,
            visible(&file.display().to_string()),
            s.audit_entry,
            done.errors.len()
        ),
        None => anyhow::bail!(
            "{}: no good label to import ({} bad line(s))",
            file.display(),
            done.errors.len()
        ),
    }
    Ok(())
}

fn figures(m: &StoredModel) -> String {
    format!(
        "cross-validated precision {:.3} recall {:.3}; the rules on the same labels: precision {:.3} recall {:.3}",
        m.cv_precision, m.cv_recall, m.rules_precision, m.rules_recall
    )
}

pub fn train(store: &mut dyn Store, rules: f64, candidates_from: f64, actor: &str) -> Result<()> {
    let (m, t) = db::train_from_store(store, rules, candidates_from, actor)?;
    println!(
        "model version {} ({}) trained on {} labels ({} with an alert), threshold {:.2}",
        m.version, m.status, t.labels, t.fitted_on, m.threshold
    );
    println!("  {}", figures(&m));
    match &m.refusal {
        Some(r) => println!("  refused: {r}; it cannot be activated and the rules stay in use"),
        None => println!(
            "  the rules stay in use until a supervisor other than {} runs `spur model activate --version {}`",
            visible(&m.trainer),
            m.version
        ),
    }
    Ok(())
}

pub fn show(store: &mut dyn Store, version: Option<i64>, actor: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    let Some(v) = version else {
        let mut t = Table::new(&[
            ("version", Align::Right),
            ("status", Align::Left),
            ("trainer", Align::Left),
            ("labels", Align::Right),
            ("cv precision", Align::Right),
            ("cv recall", Align::Right),
            ("rules precision", Align::Right),
            ("rules recall", Align::Right),
            ("activated by", Align::Left),
        ]);
        for m in store.models(actor)? {
            t.row([
                m.version.to_string(),
                m.status.to_string(),
                m.trainer.clone(),
                m.labels.to_string(),
                format!("{:.3}", m.cv_precision),
                format!("{:.3}", m.cv_recall),
                format!("{:.3}", m.rules_precision),
                format!("{:.3}", m.rules_recall),
                m.activated_by.clone().unwrap_or_default(),
            ]);
        }
        t.write(&mut out)?;
        return Ok(());
    };
    let m = store.model(v, actor)?;
    let model = db::model_of(&m)?;
    writeln!(
        out,
        "model version {} ({}), trained by {}",
        m.version,
        m.status,
        visible(&m.trainer)
    )?;
    writeln!(out, "  {}", figures(&m))?;
    if let Some(r) = &m.refusal {
        writeln!(out, "  refused: {r}")?;
    }
    writeln!(
        out,
        "  threshold {:.2}; judges alerts from the rules' score {:.2}; intercept {:.3}; L2 penalty {}",
        model.threshold, model.candidate_threshold, model.fit.intercept, model.fit.lambda
    )?;
    let mut t = Table::new(&[
        ("feature", Align::Left),
        ("weight per sd", Align::Right),
        ("mean", Align::Right),
        ("sd", Align::Right),
    ]);
    for (i, name) in model.features.iter().enumerate() {
        t.row([
            learn::features::describe(name),
            format!("{:+.3}", model.fit.weights[i]),
            format!("{:.3}", model.fit.mean[i]),
            format!("{:.3}", model.fit.scale[i]),
        ]);
    }
    t.write(&mut out)?;
    Ok(())
}

pub fn shadow(
    store: &mut dyn Store,
    version: i64,
    rules_threshold: f64,
    sentences: usize,
    actor: &str,
) -> Result<()> {
    let (m, scored) = db::shadow(store, version, actor)?;
    let mut out = io::stdout().lock();
    let rules = |s: &db::Shadowed| s.scored.alert.score >= rules_threshold;
    let dropped: Vec<_> = scored
        .iter()
        .filter(|s| rules(s) && !s.scored.model.flagged)
        .collect();
    let added: Vec<_> = scored
        .iter()
        .filter(|s| !rules(s) && s.scored.model.flagged)
        .collect();
    writeln!(
        out,
        "model version {} ({}) over {} standing alerts: the rules (score >= {}) alert {}, the model {}; \
         the model would drop {} and add {}",
        m.version,
        m.status,
        scored.len(),
        rules_threshold,
        scored.iter().filter(|s| rules(s)).count(),
        scored.iter().filter(|s| s.scored.model.flagged).count(),
        dropped.len(),
        added.len()
    )?;
    for (what, list) in [("dropped", &dropped), ("added", &added)] {
        for s in list.iter() {
            let a = &s.scored.alert;
            writeln!(
                out,
                "alert {} {} {} rules' score {:.3}: would be {what}",
                s.alert_id,
                a.role.as_str(),
                visible(&a.subject),
                a.score
            )?;
            for line in s.scored.model.sentences(sentences) {
                writeln!(out, "    {line}")?;
            }
        }
    }
    Ok(())
}

pub fn activate(store: &mut dyn Store, version: i64, actor: &str) -> Result<()> {
    let m = store.activate_model(version, actor)?;
    println!(
        "model version {} is active (activated by {}, trained by {})",
        m.version,
        visible(m.activated_by.as_deref().unwrap_or("")),
        visible(&m.trainer)
    );
    Ok(())
}

pub fn export(store: &mut dyn Store, version: i64, out: &Path, actor: &str) -> Result<()> {
    let e = db::export(store, version, out, actor)?;
    println!(
        "model version {} ({}) written to {}",
        e.version,
        e.status,
        visible(&out.display().to_string())
    );
    Ok(())
}
