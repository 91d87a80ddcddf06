//! A server's log: `tracing` to standard output.

use std::io::IsTerminal;

/// Installs the subscriber, filtered by `RUST_LOG` (`info` when unset),
/// with colours only when standard output is a terminal (a log file gets
/// plain text).
pub fn init() {
    tracing_subscriber::fmt()
        .with_ansi(std::io::stdout().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
}
