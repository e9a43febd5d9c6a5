//! The client's transport: JSON posted to the peer's `spur serve` with a
//! bearer token (ureq, blocking). An answer other than success is an error
//! with the peer's status, code and message.

use std::time::Duration;

use super::protocol::Peer;
use crate::AppError;

pub struct HttpPeer {
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl HttpPeer {
    /// `base` as `http://host:port` (no trailing slash needed).
    pub fn new(base: &str, token: &str) -> HttpPeer {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(300)))
            .build()
            .into();
        HttpPeer {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            agent,
        }
    }
}

impl Peer for HttpPeer {
    fn post(&mut self, route: &str, body: &str) -> Result<String, AppError> {
        let url = format!("{}{route}", self.base);
        let mut answer = self
            .agent
            .post(&url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Content-Type", "application/json")
            .send(body)
            .map_err(|e| AppError::Invalid(format!("POST {url}: {e}")))?;
        let status = answer.status().as_u16();
        let text = answer
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_string()
            .map_err(|e| AppError::Invalid(format!("POST {url}: reading the answer: {e}")))?;
        if !(200..300).contains(&status) {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            return Err(AppError::Invalid(format!(
                "POST {url}: the peer answered {status} {}: {}",
                v["code"].as_str().unwrap_or("?"),
                v["message"].as_str().unwrap_or(&text)
            )));
        }
        Ok(text)
    }
}
