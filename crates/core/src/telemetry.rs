//! Logging set-up shared by every binary.

use tracing_subscriber::EnvFilter;

/// Starts a `tracing` subscriber that writes to stderr, in colour only on a terminal (a
/// container's log or a file gets plain text). `RUST_LOG` overrides `default`. Calling it
/// twice is harmless (the second call does nothing).
pub fn init(default: &str) {
    use std::io::IsTerminal;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}
