//! # halfpenny-wallet: the buyer's wallet, without its screen
//!
//! [`Keeper`] holds a buyer's identity and drives the core's `Wallet` state
//! machine, saving every step through a [`WalletStore`] before anything
//! leaves: a payment's halves are chosen and marked pending inside one store
//! transaction, then sent; a receipt settles them; a till that says it never
//! took them releases them. So a half is never lost and never in two
//! payments, whatever tabs, crashes or lost replies do. What a lost reply
//! leaves open is listed by [`Keeper::pending`], for her to settle or
//! release. A refund's letter is saved with its halves marked refunding
//! and resent unchanged ([`Keeper::refunds_to_send`]) until the bank
//! answers. The host (the browser app) only moves the messages: it never
//! touches a half itself.
//!
//! Time and randomness are passed in, as in the core; this crate does no I/O
//! besides the store.
//!
//! With the feature `scenarios`, the module `scenarios` holds the keeper's test
//! scenarios for any store; this crate's tests run them on a `MemoryStore`,
//! `halfpenny-idb`'s on IndexedDB in headless Chromium.

mod error;
pub mod flows;
mod keeper;
mod money;
mod orders;
mod pending;
#[cfg(feature = "scenarios")]
pub mod scenarios;
mod spent_before;

pub use error::KeeperError;
pub use keeper::{Keeper, NO_RECEIPT_ITEM, PurseSummary, RefundToSend};
pub use money::{Money, money_in};
pub use orders::OrderToSend;
pub use pending::{Pending, PendingOrder, PendingPayment, PendingRefund, SentNote};
