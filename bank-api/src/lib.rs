//! The bank's HTTP contract, typed once: the JSON body of every request
//! and answer of `bank-server`'s API, read and written by the bank and by
//! every client (the shop server, the wallet and till pages), so that a
//! change one side does not share fails to compile on the other.
//!
//! Binary protocol messages travel inside these bodies in their text form
//! (`hpq1.…`, `hps1.…`, `hpm1.…`), keys as base64url SPKI DER. The crate
//! builds for `wasm32-unknown-unknown`; with the `openapi` feature every
//! body also derives `utoipa::ToSchema` for the bank's OpenAPI document.
//!
//! - [`ErrorView`]: the error view `{"error": {"code", "message"}}`.
//! - [`AmountView`]: an amount as `{"currency", "minor"}`.
//! - [`BankInfo`]: `GET /v1/bank`, and [`BankInfo::to_public`], the one
//!   conversion to the core's [`halfpenny::bank::BankPublic`].
//! - every other request and answer, named after its route's use
//!   ([`LetterBody`], [`RedemptionReply`], [`InboxReply`], …).
//!
//! Everything is exported at the root, so `use halfpenny_bank_api::*` in
//! a server brings in types only.

mod amount;
mod bank;
mod bodies;
mod error;

pub use amount::{AmountError, AmountView};
pub use bank::{BankInfo, BankInfoError, TokenKeyView};
pub use bodies::*;
pub use error::{ErrorDetail, ErrorView};
