//! The wallet's flows: buying a purse, paying, refunding and recovering
//! what a lost message left open. Each step goes through the [`Keeper`]
//! first (saved before anything leaves), then travels over a link the host
//! provides: a [`SellerLink`] to the seller who asks her to pay (the shop's
//! page, or a till in person) and a [`BankLink`] to her bank. The links are
//! the only I/O; time and randomness are passed in. So every loss runs
//! natively against the simulation's hosts (feature `scenarios`) and in the
//! browser against the real servers, through the same code.
//!
//! [`Keeper`]: crate::Keeper

mod link;
mod payment;
mod purse;
mod refund;

pub use link::{BankLink, InboxLetter, LinkError, PaymentAnswer, SellerLink, StatusAnswer};
pub use payment::{PayOutcome, pay, pay_within_allowance, recover_payments};
pub use purse::{OrdersChecked, buy_purse, recover_orders};
pub use refund::{collect_refunds, refund, send_refunds};

use crate::KeeperError;

/// Why a flow stopped. Whatever it is, what she holds is saved and in one
/// state she can see (`Keeper::pending` lists what waits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    Keeper(#[from] KeeperError),
    /// The seller or the bank refused; nothing was taken.
    #[error("refused ({code}): {message}")]
    Refused { code: String, message: String },
    /// No answer came (lost, or the other side is down). What was sent is
    /// saved and goes again.
    #[error("no answer: {0}")]
    NoAnswer(String),
    /// An answer came that could not be read; what was sent goes again.
    #[error("the answer could not be read: {0}")]
    BadAnswer(String),
}

impl FlowError {
    /// A stable code.
    pub fn code(&self) -> &str {
        match self {
            Self::Keeper(e) => e.code(),
            Self::Refused { code, .. } => code,
            Self::NoAnswer(_) => "no_answer",
            Self::BadAnswer(_) => "bad_answer",
        }
    }
}

impl From<LinkError> for FlowError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::NoAnswer(why) => Self::NoAnswer(why),
            LinkError::Refused { code, message } => Self::Refused { code, message },
            LinkError::BadAnswer(why) => Self::BadAnswer(why),
        }
    }
}
