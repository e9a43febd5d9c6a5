//! The harness of the end-to-end tests: the real `spur` binary in a
//! temporary folder of its own.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

// ---------------------------------------------------------------------------
// Harness

/// A folder under the system's temp dir, removed when the test passes.
pub struct Workdir {
    pub path: PathBuf,
}

impl Workdir {
    pub fn new(name: &str) -> Workdir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("spur-cli-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Workdir { path }
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn read(&self, name: &str) -> String {
        let p = self.join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    }

    /// `spur ARGS` run in this folder, with no `SPUR_` variables from the
    /// caller's environment (the test script exports `SPUR_TEST_PG`).
    pub fn spur(&self, args: &[&str]) -> Run {
        self.spur_with(args, &[], None)
    }

    /// The command `spur ARGS` in this folder, with only the given `SPUR_` variables.
    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_spur"));
        cmd.args(args).current_dir(&self.path);
        for (k, _) in std::env::vars() {
            if k.starts_with("SPUR_") {
                cmd.env_remove(k);
            }
        }
        cmd.envs(env.iter().copied());
        cmd
    }

    pub fn spur_with(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
        let mut cmd = self.command(args, env);
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn spur");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            let text = text.to_owned();
            // Written from a thread so a full stdout pipe cannot deadlock us.
            std::thread::spawn(move || pipe.write_all(text.as_bytes()).unwrap());
        }
        let out = child.wait_with_output().unwrap();
        Run::new(args, out)
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

pub struct Run {
    pub what: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn new(args: &[&str], out: Output) -> Run {
        Run {
            what: format!("spur {}", args.join(" ")),
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code,
            Some(0),
            "{} failed\n--- stderr\n{}--- stdout\n{}",
            self.what,
            self.stderr,
            self.stdout
        );
        self
    }

    /// Fails with exactly one error message, which contains every `needle`.
    #[track_caller]
    pub fn fails_with(self, needles: &[&str]) -> Run {
        assert!(
            self.code.is_some_and(|c| c != 0),
            "{} should fail\n--- stderr\n{}",
            self.what,
            self.stderr
        );
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.contains("error"))
            .collect();
        assert_eq!(
            errors.len(),
            1,
            "{}: one error expected\n{}",
            self.what,
            self.stderr
        );
        for n in needles {
            assert!(
                errors[0].contains(n),
                "{}: error should name {n:?}: {}",
                self.what,
                errors[0]
            );
        }
        self
    }
}

/// A new, empty PostgreSQL database on the server of `SPUR_TEST_PG` (which
/// scripts/test starts on loopback), as a `--db` URL: user, host and options
/// of the server's URL, the database named `spur_{what}_{pid}_{n}`.
pub fn postgres_database(what: &str) -> String {
    let base = std::env::var("SPUR_TEST_PG").unwrap_or_else(|_| {
        panic!(
            "SPUR_TEST_PG is not set: these tests need a PostgreSQL server. \
             Run them with scripts/test, which starts one on loopback"
        )
    });
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "spur_{what}_{}_{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = ::postgres::Client::connect(&base, ::postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot reach SPUR_TEST_PG: {e}"));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create test database");
    let (main, query) = base.split_once('?').unwrap_or((&base, ""));
    let start = main.find("://").map_or(0, |i| i + 3);
    let end = main[start..].find('/').map_or(main.len(), |i| start + i);
    let mut url = format!("{}/{name}", &main[..end]);
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    url
}
