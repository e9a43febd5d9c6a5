//! The scan's progress bar, for a person at a terminal.

use std::io::{self, IsTerminal};
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use spur_app::scan::Progress;

/// A bar over the input's bytes, drawn only when standard error is a
/// terminal and the size is known.
#[derive(Default)]
pub struct Bar(Mutex<Option<ProgressBar>>);

impl Bar {
    /// A bar when one would be seen; `None` otherwise.
    pub fn for_terminal() -> Option<Arc<dyn Progress>> {
        io::stderr()
            .is_terminal()
            .then(|| Arc::new(Bar::default()) as Arc<dyn Progress>)
    }

    fn with(&self, f: impl FnOnce(&mut Option<ProgressBar>)) {
        // A poisoned lock only loses the bar.
        if let Ok(mut bar) = self.0.lock() {
            f(&mut bar);
        }
    }
}

impl Progress for Bar {
    fn start(&self, total_bytes: Option<u64>) {
        let Some(len) = total_bytes else { return };
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} reading {bytes}/{total_bytes} [{bar:30}] {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        self.with(|b| *b = Some(bar));
    }

    fn advance(&self, bytes: u64) {
        self.with(|b| {
            if let Some(bar) = b {
                bar.inc(bytes);
            }
        });
    }

    fn finish(&self) {
        self.with(|b| {
            if let Some(bar) = b.take() {
                bar.finish_and_clear();
            }
        });
    }
}
