//! How the flows reach the seller and the bank: two small traits the host
//! implements (`postMessage` to a shop page and `fetch` to the bank in the
//! browser; the simulation's hosts in tests).

use halfpenny::crypto::seal::SealedBox;
use halfpenny::messages::{ForwardedPurseRequest, Payment, Receipt};
use halfpenny::{CaseId, Nonce, SessionSerial};
use halfpenny_store::Via;

/// Why a message got no answer the flow can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Nothing came back: lost, timed out, or the other side is down. The
    /// same bytes may be sent again.
    #[error("no answer: {0}")]
    NoAnswer(String),
    /// The other side refused it and took nothing.
    #[error("refused ({code}): {message}")]
    Refused { code: String, message: String },
    /// An answer came but could not be read.
    #[error("the answer could not be read: {0}")]
    BadAnswer(String),
}

/// The seller's answer to a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentAnswer {
    /// He took it.
    Receipt(Receipt),
    /// He refused it and kept nothing. `spent` names the halves he refused
    /// as spent already (code `double_spend`), if any.
    Refused {
        code: String,
        message: String,
        spent: Vec<SessionSerial>,
    },
    /// No answer, or he is still judging it: the halves stay set aside.
    Unknown,
}

/// What the seller says of a payment sent earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusAnswer {
    Taken(Receipt),
    /// He never took it and never will: the halves are hers again.
    NotTaken,
    /// He cannot say now (no answer, still judging, or a till in person
    /// that cannot be asked).
    Unknown,
}

/// Carries the wallet's messages to the seller who asks her to pay.
#[allow(async_fn_in_trait)] // one thread in a browser: no `Send` bound wanted
pub trait SellerLink {
    /// Forwards her purse order to the bank through the seller; her purse,
    /// still sealed for her.
    async fn order_purse(
        &mut self,
        request: &ForwardedPurseRequest,
    ) -> Result<SealedBox, LinkError>;

    async fn pay(&mut self, payment: &Payment) -> PaymentAnswer;

    async fn status(&mut self, payment: Nonce) -> StatusAnswer;

    /// How a payment sent through it reaches the seller, as her history
    /// notes it.
    fn via(&self) -> Via;
}

/// One letter from her inbox at the bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxLetter {
    /// `refund_result`, …
    pub kind: String,
    pub letter: SealedBox,
}

/// Carries her signed letters to her bank.
#[allow(async_fn_in_trait)]
pub trait BankLink {
    /// Hands in a refund letter; the case the bank opened for it.
    async fn refund(&mut self, letter: &SealedBox) -> Result<CaseId, LinkError>;

    /// The letters waiting for her, for a signed inbox request.
    async fn inbox(&mut self, request: &SealedBox) -> Result<Vec<InboxLetter>, LinkError>;

    /// Her purse for an order, straight from the bank, for a signed
    /// recovery request; `None` when the bank minted nothing for it.
    async fn recover_purse(&mut self, request: &SealedBox) -> Result<Option<SealedBox>, LinkError>;
}
