//! # Halfpenny: the protocol core
//!
//! Off-line micropayments with split tokens (EP 0 833 285): a bank mints
//! tokens, signs them and splits each into halves, one for the buyer and one
//! for the seller; the seller joins the buyer's half with his own to get a
//! token the bank will honour, and stops double spending on the spot because
//! each of his halves joins only once.
//!
//! This crate is the whole protocol and nothing else: no I/O, no clock, no
//! global random number generator. Time and randomness are passed in; the
//! [`bank::Bank`], [`till::Till`] and [`wallet::Wallet`] state machines return
//! what the host must persist and send, as values.
#![cfg_attr(test, allow(clippy::indexing_slicing))]

pub mod amount;
pub mod assertion;
pub mod bank;
pub mod coins;
pub mod crypto;
pub mod ids;
pub mod ledger;
pub mod letter;
pub mod messages;
pub mod sentence;
pub mod split;
pub mod suite;
pub mod till;
pub mod time;
pub mod token;
pub mod wallet;
pub mod wire;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use amount::{Amount, AmountError, Currency};
pub use assertion::{Assertion, Attribute};
pub use ids::{BankId, CaseId, KeyId, Nonce, PurseId, SessionSerial, TokenSerial};
pub use sentence::sentence;
pub use suite::{Suite, TokenKeys};
pub use time::{Date, Timestamp};
pub use token::{SignedToken, Token, TokenKind};
