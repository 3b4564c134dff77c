//! Progress bars for long runs (drawn on a terminal only; plain lines otherwise).

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// A bar that fills with elapsed time over a run of known length.
pub struct RunBar {
    bar: ProgressBar,
    ticker: tokio::task::JoinHandle<()>,
}

impl RunBar {
    pub fn start(prefix: String, length: Duration) -> RunBar {
        let bar = ProgressBar::new(length.as_millis() as u64);
        bar.set_style(
            ProgressStyle::with_template("{prefix:>24} [{bar:32}] {elapsed:>4} / {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(prefix);
        bar.set_message(format!("{:.0?}", length));
        let ticking = bar.clone();
        let started = Instant::now();
        let ticker = tokio::spawn(async move {
            loop {
                ticking.set_position(started.elapsed().as_millis() as u64);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        RunBar { bar, ticker }
    }

    /// Clears the bar and prints `line` in its place.
    pub fn finish(self, line: &str) {
        self.ticker.abort();
        self.bar.finish_and_clear();
        println!("{line}");
    }
}

impl Drop for RunBar {
    fn drop(&mut self) {
        self.ticker.abort();
    }
}
