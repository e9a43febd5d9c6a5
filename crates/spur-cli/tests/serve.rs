//! `spur serve` as a process: it listens where `SPUR_LISTEN` says (port 0:
//! a free one, printed), answers over HTTP, and on SIGTERM stops cleanly,
//! exit status 0, after saving a checkpoint.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use common::Workdir;

fn get(addr: &str, path: &str, token: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
}

/// The server, killed if the test fails before it stops it.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn serve_answers_then_stops_cleanly_on_sigterm() {
    let dir = Workdir::new("serve");
    let env = [("SPUR_DB", "s.db")];
    dir.spur_with(&["user", "add", "ada", "--role", "admin"], &env, None)
        .ok();
    let token = dir
        .spur_with(
            &["token", "create", "--for", "ada", "--user", "ada"],
            &env,
            None,
        )
        .ok()
        .stdout
        .trim()
        .to_owned();
    let mut child = dir
        .command(
            &["serve"],
            &[
                ("SPUR_DB", "s.db"),
                ("SPUR_LISTEN", "127.0.0.1:0"),
                ("SPUR_LOG", "info"),
            ],
        )
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let child = Killed(child);
    let mut seen = String::new();
    let addr = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            panic!("spur serve ended before listening:\n{seen}");
        }
        if let Some(a) = line.trim().strip_prefix("spur serve: listening on http://") {
            break a.to_owned();
        }
        seen.push_str(&line);
    };
    let answer = get(&addr, "/v1/tokens", &token);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"created_by\":\"ada\""), "{answer}");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut child = child;
    let status = child.0.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(0), "{rest}");
    assert!(
        rest.contains("stopping") && rest.contains("checkpoint saved"),
        "{rest}"
    );
    assert!(TcpStream::connect(&addr).is_err(), "still listening");
}
