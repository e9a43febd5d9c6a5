//! The transcript of a run (`spur match --transcript FILE`): every message
//! sent and received, as JSON Lines, byte for byte as it crossed, so that an
//! auditor can check that only blinded values and counts left.

use std::io::Write;

use crate::AppError;

/// Where the messages are written, if anywhere.
pub struct Transcript {
    out: Option<Box<dyn Write>>,
}

impl Transcript {
    pub fn none() -> Transcript {
        Transcript { out: None }
    }

    pub fn to(out: Box<dyn Write>) -> Transcript {
        Transcript { out: Some(out) }
    }

    /// One message: its direction (`sent` or `received`), the route and its
    /// body as it crossed (a JSON text, kept as a string).
    pub fn record(&mut self, direction: &str, route: &str, body: &str) -> Result<(), AppError> {
        if let Some(out) = &mut self.out {
            let line = serde_json::json!({
                "direction": direction,
                "route": route,
                "bytes": body.len(),
                "body": body,
            });
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
            out.flush()?;
        }
        Ok(())
    }
}
