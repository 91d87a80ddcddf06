//! In-memory hosts for the three Halfpenny state machines, and a world that
//! wires them together with a fake clock and a seeded random generator.
//!
//! The hosts do what the real servers and wasm apps do — load, call the
//! core, persist the decision, send — with maps instead of databases, so
//! every flow of the patent can be exercised deterministically in one
//! process. The simulation tests and the narrated walk-through both use
//! them.

mod bank_host;
mod buyer_host;
mod seller_host;
mod world;

pub use bank_host::BankHost;
pub use buyer_host::BuyerHost;
pub use seller_host::SellerHost;
pub use world::World;

use halfpenny::bank::BankError;
use halfpenny::till::TillError;
use halfpenny::wallet::WalletError;

/// What can go wrong in a simulated host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Bank(#[from] BankError),
    #[error(transparent)]
    Till(#[from] TillError),
    #[error(transparent)]
    Wallet(#[from] WalletError),
    #[error("this message was already received (replay)")]
    Replay,
    #[error("no such {0}")]
    Unknown(&'static str),
    #[error("the decision could not be applied: {0} changed meanwhile")]
    Conflict(&'static str),
    #[error("the half was already marked for another payment")]
    NotAvailable,
}

impl SimError {
    /// The stable code of the underlying error.
    pub fn code(&self) -> &'static str {
        match self {
            SimError::Bank(e) => e.code(),
            SimError::Till(e) => e.code(),
            SimError::Wallet(e) => e.code(),
            SimError::Replay => "replay",
            SimError::Unknown(_) => "unknown",
            SimError::Conflict(_) => "conflict",
            SimError::NotAvailable => "not_available",
        }
    }
}
