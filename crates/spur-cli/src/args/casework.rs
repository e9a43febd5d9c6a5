//! The subcommands of the work on a database: users and tokens, alerts,
//! cases and reports, the audit log, `spur stats`' verify, labels and
//! models, with the roles, statuses and dispositions they take.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum RoleArg {
    Analyst,
    Supervisor,
    Admin,
    Auditor,
    /// A system that posts payments to `spur serve` and may do nothing else.
    Ingest,
    /// Another installation that may only run `spur match` against this one.
    Peer,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum StatusArg {
    Investigating,
    Escalated,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum DispositionArg {
    Undetermined,
    Suspicious,
    NotSuspicious,
    FalsePositive,
}

#[derive(Subcommand)]
pub(crate) enum UserCommand {
    /// Adds a user (by an admin; the very first user is an admin adding themself).
    Add {
        /// The user's name, as they will give it with --user.
        name: String,
        /// What the user may do: analyst, supervisor, admin, auditor or ingest (docs/cases.md).
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Users with their roles, and whether they are disabled.
    List,
    /// Gives a user another role (by an admin; the last active admin stays one).
    Role {
        /// The user's name.
        name: String,
        /// The new role.
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// Disables a user, who can then no longer act or read (by an admin;
    /// not the last active admin).
    Disable {
        /// The user's name.
        name: String,
    },
    /// Enables a disabled user again (by an admin).
    Enable {
        /// The user's name.
        name: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum StatsCommand {
    /// Recomputes the figures from the database (with the k the manifest
    /// names) and fails, naming each file, when one differs.
    Verify {
        /// The folder `spur stats --out` wrote.
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum TokenCommand {
    /// Creates an API token for a user and prints it once (by an admin);
    /// only its hash is kept.
    Create {
        /// The user the token acts as.
        #[arg(long = "for", value_name = "NAME")]
        for_user: String,
    },
    /// Revokes a token: requests carrying it are refused from now on (by an admin).
    Revoke {
        /// The token, by id (`spur token list`).
        #[arg(long = "token-id", value_name = "ID")]
        token_id: i64,
    },
    /// Every token with its user, who created it and whether it is revoked
    /// (admins, auditors); never the secrets.
    List,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum AlertRoleArg {
    Sender,
    Receiver,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum AlertStatusArg {
    /// Standing, in no case.
    New,
    /// Gathered into a case.
    #[value(name = "in_case", alias = "in-case")]
    InCase,
    /// A later scan found the party below the threshold.
    Cleared,
}

#[derive(Subcommand)]
pub(crate) enum AlertCommand {
    /// Why the party was alerted, its counterparties and the payments behind it.
    Show {
        /// The alert, by id (`spur alerts`).
        #[arg(long = "alert", value_name = "ID")]
        alert_id: i64,
        /// The whole view as one JSON document.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum CaseCommand {
    /// Opens a case from an alert.
    Open {
        /// The alert, by id (`spur alerts`).
        #[arg(long, value_name = "ID")]
        alert: i64,
    },
    /// Adds another alert to a case (e.g. another member of the same ring).
    AddAlert {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// The alert, by id (`spur alerts`).
        #[arg(long, value_name = "ID")]
        alert: i64,
    },
    /// All cases, newest activity last.
    List,
    /// One case: its alerts and why, notes, reports.
    Show {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
    },
    /// Assigns the case to an analyst or supervisor.
    Assign {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// The user who takes the case over.
        #[arg(long, value_name = "NAME")]
        to: String,
    },
    /// Adds a note to the case's record (kept in the audit log).
    Note {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// The note.
        #[arg(long)]
        text: String,
    },
    /// open → investigating | escalated; investigating ⇄ escalated.
    Status {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// The new status.
        #[arg(long, value_enum)]
        to: StatusArg,
    },
    /// The analysts' conclusion.
    Disposition {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// The conclusion.
        #[arg(long, value_enum)]
        to: DispositionArg,
    },
    /// Closes the case for good.
    Close {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// Why the case is closed (kept in the case and the audit log).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum ReportCommand {
    /// Writes a goAML report for a case, validates it and stores it as a draft.
    /// A case has at most one report not yet filed; once one is filed, a later
    /// report is a correction of it (--corrects).
    Draft {
        /// The case, by id (`spur case list`).
        #[arg(long = "case", value_name = "ID")]
        case_id: i64,
        /// FIU profile: ae, generic, or a profile file.
        #[arg(long)]
        fiu: String,
        /// The case's latest filed report, which this one corrects (replaces in full).
        #[arg(long = "corrects", value_name = "REPORT_ID")]
        corrects: Option<i64>,
        /// The FIU's reference of the corrected report (its acknowledgement), written as fiu_ref_number.
        #[arg(long = "fiu-ref", value_name = "REF", requires = "corrects")]
        fiu_ref: Option<String>,
        #[command(flatten)]
        text: ReportText,
    },
    /// Writes a draft again from the case as it is now (drafts only); the
    /// reason, action and evidence choice stay unless given. Whoever redrafts
    /// becomes one of its authors and may not approve it.
    Redraft {
        /// The report, by id (`spur report list`).
        #[arg(long = "report", value_name = "ID")]
        report_id: i64,
        /// The FIU profile, when the report's was a profile file.
        #[arg(long)]
        fiu: Option<String>,
        #[command(flatten)]
        text: ReportText,
    },
    /// Four eyes: a supervisor other than the author approves.
    Approve {
        /// The report, by id (`spur report list`).
        #[arg(long = "report", value_name = "ID")]
        report_id: i64,
    },
    /// Files an approved report; it never changes again.
    File {
        /// The report, by id (`spur report list`).
        #[arg(long = "report", value_name = "ID")]
        report_id: i64,
        /// Where to write the filed XML; the report is filed only if it can be written.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the --out file if it exists.
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Prints what the store holds of a report (authors, reference, ...), then its XML.
    Show {
        /// The report, by id (`spur report list`).
        #[arg(long = "report", value_name = "ID")]
        report_id: i64,
        /// Only the XML, as stored (to redirect into a file).
        #[arg(long)]
        xml: bool,
    },
    /// Every report with its case, status and authors.
    List,
}

#[derive(clap::Args)]
pub(crate) struct ReportText {
    /// The reporting entity (TOML), see docs/reporting-entity.example.toml.
    #[arg(long, env = "SPUR_ENTITY")]
    pub(crate) entity: Option<PathBuf>,
    /// The analyst's own words on why the case is suspicious (redraft: kept unless given).
    #[arg(long)]
    pub(crate) reason: Option<String>,
    /// What the institution did about it (redraft: kept unless given).
    #[arg(long)]
    pub(crate) action: Option<String>,
    /// Report every kept payment of the alerted parties, not only their alerts' evidence.
    #[arg(long, conflicts_with = "alert_evidence")]
    pub(crate) all_evidence: bool,
    /// Report only the alerts' evidence payments (the default for a draft).
    #[arg(long)]
    pub(crate) alert_evidence: bool,
    /// Also write the XML here.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
}

impl ReportText {
    /// The evidence choice, if one was given.
    pub(crate) fn evidence(&self) -> Option<bool> {
        match (self.all_evidence, self.alert_evidence) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// Walks the hash chain and checks every protected row against it: OK
    /// with the entry count, or what was changed behind spur's back.
    Verify,
    /// The audit log, oldest first, filtered (auditors, admins, supervisors).
    Log {
        /// Only entries by this user (`system` for ingestion).
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// Only this action (`case.note`) or family of actions (`case`).
        #[arg(long)]
        action: Option<String>,
        /// Only entries about objects of this kind: user, case, report,
        /// alert, payment, scan, txns, engine_state, database.
        #[arg(long, value_name = "KIND")]
        object: Option<String>,
        /// Only entries about this case.
        #[arg(long = "case", value_name = "ID", conflicts_with_all = ["object", "report_id", "alert"])]
        case_id: Option<i64>,
        /// Only entries about this report.
        #[arg(long = "report", value_name = "ID", conflicts_with_all = ["object", "alert"])]
        report_id: Option<i64>,
        /// Only entries that wrote this alert (the scans that raised or updated it).
        #[arg(long, value_name = "ID", conflicts_with = "object")]
        alert: Option<i64>,
        /// Entries at or after this time (RFC 3339, or a date YYYY-MM-DD in UTC).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Entries before this time (RFC 3339, or a date YYYY-MM-DD in UTC).
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// One JSON object per entry and line, with its before and after.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum FeedbackCommand {
    /// Imports past dispositions: a CSV file with the header
    /// party_id,role,disposition (sender|receiver; suspicious,
    /// not-suspicious or false-positive). Bad lines are named and left out.
    Import {
        #[arg(long)]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum ModelCommand {
    /// Trains a model on the database's labels and alerts; prints the new
    /// version with its cross-validated precision and recall beside the rules'.
    Train {
        /// The alert threshold the stored alerts were raised at (`spur scan
        /// --threshold`), at most the configuration's: the lowest rules' score
        /// the model judges. Default: the configuration's alert threshold.
        #[arg(long, value_name = "SCORE")]
        candidates_from: Option<f64>,
    },
    /// Every version with its status and figures; with --version, its weights.
    Show {
        #[arg(long)]
        version: Option<i64>,
    },
    /// Scores the standing alerts with the rules and the model and tells
    /// which alerts the model would drop or add, with its sentences.
    Shadow {
        #[arg(long)]
        version: i64,
        /// Sentences per alert shown.
        #[arg(long, default_value_t = 3)]
        sentences: usize,
    },
    /// Makes a version the active model (a supervisor other than its trainer).
    Activate {
        #[arg(long)]
        version: i64,
    },
    /// Writes a version to a file, for `spur scan --model` or another database.
    Export {
        #[arg(long)]
        version: i64,
        /// The file (never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// Stores an exported model in this database as its next version (the
    /// importer counts as its trainer: another supervisor activates it).
    Import {
        #[arg(long)]
        file: PathBuf,
    },
}

pub(crate) fn store_role(role: RoleArg) -> spur_store::UserRole {
    match role {
        RoleArg::Analyst => spur_store::UserRole::Analyst,
        RoleArg::Supervisor => spur_store::UserRole::Supervisor,
        RoleArg::Admin => spur_store::UserRole::Admin,
        RoleArg::Auditor => spur_store::UserRole::Auditor,
        RoleArg::Ingest => spur_store::UserRole::Ingest,
        RoleArg::Peer => spur_store::UserRole::Peer,
    }
}
