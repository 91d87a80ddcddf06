//! A server's log: `tracing` to standard output.

/// Installs the subscriber, filtered by `RUST_LOG` (`info` when unset).
pub fn init() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
}
