//! The Halfpenny bank server: drives the core's `Bank` over HTTP and keeps
//! its books in SQLite or PostgreSQL. Of the bank's code, only this crate
//! knows HTTP status codes (most in `error.rs`; `api.rs` picks the success
//! statuses and the 404 of an unknown route).

pub mod api;
pub use halfpenny_server_kit::clock;
pub mod error;
pub mod keys;
pub mod metrics;
pub mod notice;
pub mod retention;
pub mod service;
pub mod store;
pub mod views;

use std::sync::Arc;

use halfpenny::bank::{Bank, BankConfig};
use halfpenny::{BankId, Suite};
use zeroize::Zeroizing;

pub use service::App;

/// Everything needed to start a bank.
#[derive(Debug)]
pub struct Settings {
    pub bank_id: BankId,
    pub database_url: String,
    pub operator_token: Option<Zeroizing<String>>,
    /// Seconds a seller has to answer a return request.
    pub return_window_secs: u64,
    /// The token suite of a purse whose request names none.
    pub default_suite: Suite,
    /// Lets sellers register, and the bank post notices to, addresses
    /// inside its own network (loopback, private ranges, link-local…).
    /// Off by default; for a demo or tests on one machine only.
    pub allow_private_addresses: bool,
    /// How long first answers and delivered letters are kept (`retention`).
    pub retention: retention::Retention,
}

/// Connects the store and builds the app around the given keys.
pub async fn build(settings: Settings, keys: keys::BankKeys) -> anyhow::Result<Arc<App>> {
    let mut config = BankConfig::new(settings.bank_id);
    config.return_window_secs = settings.return_window_secs;
    config.default_suite = settings.default_suite;
    settings
        .retention
        .check(config.freshness)
        .map_err(anyhow::Error::msg)?;
    let store = store::Store::connect(&settings.database_url).await?;
    let bank = Bank::new(
        config,
        keys.identity,
        keys.tokens,
        Box::new(halfpenny_aws_lc::AwsLc),
    )?;
    Ok(Arc::new(App {
        bank: Arc::new(bank),
        store,
        clock: clock::Clock::default(),
        metrics: metrics::Metrics::default(),
        operator_token: settings.operator_token,
        allow_private_addresses: settings.allow_private_addresses,
        retention: settings.retention,
    }))
}
