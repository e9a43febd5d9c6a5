//! The server started in-process on 127.0.0.1:0 over a real store (a SQLite
//! file in a temporary folder, or a fresh database on the PostgreSQL of
//! `SPUR_TEST_PG`, which scripts/test starts), talked to with a real HTTP
//! client. All names are synthetic.

#![allow(dead_code)]

/// Each named function of a [`Backend`] as two tests, `sqlite::NAME` and
/// `postgres::NAME` (a test file declares `#[macro_use] mod common;`).
#[allow(unused_macros)]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(super::Backend::Sqlite); } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(super::Backend::Postgres); } )*
        }
    };
}

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use spur_server::{Limits, RunningServer, ServerConfig};
use spur_store::{ManualClock, UserRole};

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Each role's user, by role name; tokens are made for each.
pub const ROLES: &[(&str, &str, UserRole)] = &[
    ("admin", "ada", UserRole::Admin),
    ("analyst", "ana", UserRole::Analyst),
    ("supervisor", "sue", UserRole::Supervisor),
    ("auditor", "aud", UserRole::Auditor),
    ("ingest", "feed", UserRole::Ingest),
    ("peer", "bank-b", UserRole::Peer),
];

/// The repository's example reporting entity (synthetic), for drafting reports.
pub const ENTITY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/reporting-entity.example.toml"
);

/// 2026-01-05T00:00:00Z: the clock the fixture's store writes with.
pub const T0: i64 = 1_767_571_200;

pub struct TestServer {
    pub server: Option<RunningServer>,
    config: ServerConfig,
    pub base: String,
    pub db: String,
    /// Token secrets by role name (see [`ROLES`]), plus `disabled` (an
    /// analyst disabled after their token was made) and `revoked`.
    pub tokens: BTreeMap<&'static str, String>,
    agent: ureq::Agent,
    _dir: tempfile::TempDir,
}

/// An answer: status, headers (lower-case names) and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// An error answer of the table's shape: `{"code", "message"}`, both non-empty.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) -> String {
        assert_eq!(self.status, status, "{self:?}");
        let v = self.json();
        assert_eq!(v["code"], code, "{self:?}");
        let message = v["message"].as_str().unwrap_or_default().to_owned();
        assert!(!message.is_empty(), "{self:?}");
        assert_eq!(v.as_object().map(|o| o.len()), Some(2), "{self:?}");
        message
    }
}

pub fn database(backend: Backend, dir: &tempfile::TempDir, what: &str) -> String {
    match backend {
        Backend::Sqlite => dir.path().join(format!("{what}.db")).display().to_string(),
        Backend::Postgres => postgres_database(what),
    }
}

impl TestServer {
    pub fn start(backend: Backend, what: &str) -> TestServer {
        Self::with_limits(backend, what, Limits::default())
    }

    pub fn with_limits(backend: Backend, what: &str, limits: Limits) -> TestServer {
        Self::with_settling(backend, what, limits, Duration::from_millis(100))
    }

    pub fn with_settling(
        backend: Backend,
        what: &str,
        limits: Limits,
        settle_after: Duration,
    ) -> TestServer {
        Self::with_input(
            backend,
            what,
            limits,
            settle_after,
            spur_io::Profile::default(),
        )
    }

    /// With the input profile that reads posted files.
    pub fn with_input(
        backend: Backend,
        what: &str,
        limits: Limits,
        settle_after: Duration,
        input: spur_io::Profile,
    ) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = database(backend, &dir, what);
        let mut tokens = BTreeMap::new();
        {
            let mut s = spur_store::open(&db, Arc::new(ManualClock::new(T0))).expect("open store");
            s.add_user("ada", UserRole::Admin, "ada").unwrap();
            for (role, name, r) in ROLES {
                if *r != UserRole::Admin {
                    s.add_user(name, *r, "ada").unwrap();
                }
                tokens.insert(*role, s.create_token(name, "ada").unwrap().secret);
            }
            s.add_user("dis", UserRole::Analyst, "ada").unwrap();
            tokens.insert("disabled", s.create_token("dis", "ada").unwrap().secret);
            s.disable_user("dis", "ada").unwrap();
            let revoked = s.create_token("ana", "ada").unwrap();
            s.revoke_token(revoked.token.id, "ada").unwrap();
            tokens.insert("revoked", revoked.secret);
        }
        let config = ServerConfig {
            db: db.clone(),
            listen: "127.0.0.1:0".parse().unwrap(),
            limits,
            engine: spur_engine::EngineConfig::default(),
            settle_after,
            handle_signals: false,
            reporting: spur_server::Reporting {
                entity: Some(ENTITY.into()),
                engine: spur_engine::EngineConfig::default(),
            },
            input,
        };
        let server = spur_server::start(config.clone()).expect("start the server");
        let base = format!("http://{}", server.addr());
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        TestServer {
            server: Some(server),
            config,
            base,
            db,
            tokens,
            agent,
            _dir: dir,
        }
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.as_ref().expect("running").addr()
    }

    /// `METHOD PATH` as `who` (a key of [`TestServer::tokens`], or `None`
    /// for no token), with a JSON body when given.
    pub fn call(&self, method: &str, path: &str, who: Option<&str>, body: Option<&str>) -> Answer {
        let url = format!("{}{path}", self.base);
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(w) = who {
            let secret = self.tokens.get(w).unwrap_or_else(|| panic!("no token {w}"));
            req = req.header("Authorization", format!("Bearer {secret}"));
        }
        let result = match body {
            Some(b) => {
                let req = req
                    .header("Content-Type", "application/json")
                    .body(b.to_owned())
                    .unwrap();
                self.agent.run(req)
            }
            None => self.agent.run(req.body(()).unwrap()),
        };
        answer(result.unwrap_or_else(|e| panic!("{method} {path}: {e}")))
    }

    /// `POST PATH` as `who` with `body` and the headers given (its
    /// `Content-Type` among them).
    pub fn post_as(&self, path: &str, who: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        let url = format!("{}{path}", self.base);
        let secret = self
            .tokens
            .get(who)
            .unwrap_or_else(|| panic!("no token {who}"));
        let mut req = ureq::http::Request::builder()
            .method("POST")
            .uri(&url)
            .header("Authorization", format!("Bearer {secret}"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        answer(
            self.agent
                .run(req.body(body.to_vec()).unwrap())
                .unwrap_or_else(|e| panic!("POST {path}: {e}")),
        )
    }

    pub fn get(&self, path: &str, who: Option<&str>) -> Answer {
        self.call("GET", path, who, None)
    }

    /// Stops the server gracefully, then starts it again on the same database.
    pub fn restart(&mut self) {
        self.stop();
        let server = spur_server::start(self.config.clone()).expect("start the server again");
        self.base = format!("http://{}", server.addr());
        self.server = Some(server);
    }

    /// Stops the server gracefully and waits for it.
    pub fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().expect("graceful shutdown");
        }
    }
}

/// The status, headers and body of a response.
fn answer(mut response: ureq::http::Response<ureq::Body>) -> Answer {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Answer {
        status,
        headers,
        body,
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A request written by hand on a raw connection: the head and the first
/// `sent` bytes of `body` now, the rest when [`Partial::finish`] is called,
/// so a test holds a request in flight for as long as it likes.
pub struct Partial {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl Partial {
    pub fn begin(
        addr: std::net::SocketAddr,
        method: &str,
        path: &str,
        secret: &str,
        body: &str,
        sent: usize,
    ) -> Partial {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {secret}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body.as_bytes()[..sent]).unwrap();
        stream.flush().unwrap();
        Partial {
            stream,
            rest: body.as_bytes()[sent..].to_vec(),
        }
    }

    /// Sends the rest of the body; returns the status and the body of the answer.
    pub fn finish(mut self) -> (u16, String) {
        self.stream.write_all(&self.rest).unwrap();
        self.stream.flush().unwrap();
        let mut raw = String::new();
        self.stream
            .read_to_string(&mut raw)
            .expect("read the answer");
        let status = raw
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {raw:?}"));
        let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_owned();
        (status, body)
    }
}

/// A new, empty PostgreSQL database on the server of `SPUR_TEST_PG`.
pub fn postgres_database(what: &str) -> String {
    let base = std::env::var("SPUR_TEST_PG").unwrap_or_else(|_| {
        panic!(
            "SPUR_TEST_PG is not set: these tests need a PostgreSQL server. \
             Run them with scripts/test, which starts one on loopback"
        )
    });
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "spur_server_{}_{}_{}",
        &what[..what.len().min(30)],
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

/// Waits until `f` holds (polling a real condition, bounded).
pub fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting until {what}");
}
