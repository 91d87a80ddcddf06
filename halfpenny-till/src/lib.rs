//! # halfpenny-till: the seller's till, without its screen
//!
//! [`TillDesk`] holds a seller's identity and drives the core's `Till`
//! state machine over a [`TillStore`], the way every Halfpenny host drives
//! the core: load the records, let the till decide, save the decision in
//! one store transaction, then hand anything out. A payment's halves are
//! consumed, and its tokens and receipt kept, in one transaction
//! (`TillStore::keep_payment`), so two till tabs never take the same half
//! twice; the same payment again gets its first receipt; a refused one is
//! recorded and consumes nothing. Taking a payment needs no network.
//!
//! [`flows`] holds the few steps that need the bank (forwarding a purse
//! request, redeeming the takings, answering return requests), generic
//! over the store and over a small [`flows::BankLink`] the host implements
//! (`fetch` in the till page, the simulation's bank in this crate's
//! tests). It mirrors `halfpenny-wallet`, the buyer's driver: `Keeper` and
//! its flows over `SellerLink` and `BankLink`.
//!
//! Time and randomness are passed in, as in the core; this crate does no
//! I/O besides the store and the link.
//!
//! [`TillStore`]: halfpenny_till_store::TillStore

mod desk;
mod error;
pub mod flows;

pub use desk::{Forwarded, OFFER_SECS, Redemption, ReturnAnswer, TillDesk, price};
pub use error::DeskError;
