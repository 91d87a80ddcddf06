//! How the till's flows reach the bank: one small trait the host
//! implements (`fetch` in the till page; the simulation's bank in tests).
//! The till needs the bank for three things only: forwarding a buyer's
//! purse request, redeeming the takings, and the return requests waiting
//! in its inbox. Taking a payment never needs it.

use halfpenny::Amount;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::messages::{ForwardedPurseRequest, MintResponse};

/// Why a message got no answer the flow can act on. Each variant carries
/// the sentence the host has for it, shown as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Nothing came back: lost, timed out, or the bank is down. The same
    /// bytes may be sent again.
    #[error("{0}")]
    NoAnswer(String),
    /// The bank refused it and did nothing.
    #[error("{message}")]
    Refused { code: String, message: String },
    /// An answer came but could not be read.
    #[error("{0}")]
    BadAnswer(String),
}

/// One letter from his inbox at the bank, still sealed for him.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxLetter {
    /// `return_request`, `refund_result`, …
    pub kind: String,
    pub letter: SealedBox,
}

/// The kind of inbox letter that asks the till to hand a purse back.
pub const RETURN_REQUEST: &str = "return_request";

/// Carries the till's messages to its bank.
#[allow(async_fn_in_trait)] // one thread in a browser: no `Send` bound wanted
pub trait BankLink {
    /// Forwards her sealed purse request (Fig. 5); both sealed purses. The
    /// bank answers the very same request again with its first answer.
    async fn mint(&mut self, request: &ForwardedPurseRequest) -> Result<MintResponse, LinkError>;

    /// Hands his signed, sealed redemption letter in (Fig. 9); what the
    /// bank credited, per currency.
    async fn redeem(&mut self, letter: &SealedBox) -> Result<Vec<Amount>, LinkError>;

    /// Hands a purse back in answer to a return request (step 1084).
    async fn take_return(&mut self, letter: &SealedBox) -> Result<(), LinkError>;

    /// The letters waiting for him, for a signed inbox request.
    async fn inbox(&mut self, request: &SealedBox) -> Result<Vec<InboxLetter>, LinkError>;
}
