//! The till's flows that need the bank: forwarding a purse request
//! ([`forward_purse`], saved first and sent again by [`resend_orders`]
//! until the bank answers), answering the bank's return requests
//! ([`answer_returns`]) and redeeming the takings ([`redeem`]). Each step
//! goes through the [`TillDesk`] (saved before, or marked only after, the
//! bank answers), then travels over a [`BankLink`] the host provides. The
//! link is the only I/O; time and randomness are passed in. So every flow
//! runs natively against the simulation's bank and in the browser against
//! the real one, through the same code, as the wallet's flows do.
//!
//! [`TillDesk`]: crate::TillDesk

mod link;
mod purse;
mod redeem;
mod returns;

pub use link::{BankLink, InboxLetter, LinkError, RETURN_REQUEST};
pub use purse::{OrdersResent, forward_purse, resend_orders};
pub use redeem::{Redeemed, redeem};
pub use returns::{ReturnsAnswered, answer_returns};

use crate::DeskError;

/// Why a flow stopped. Whatever it is, what the till holds is saved: a
/// purse it received is kept, takings are marked handed in only once the
/// bank answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    Desk(#[from] DeskError),
    /// The bank refused; it did nothing.
    #[error("{message}")]
    Refused { code: String, message: String },
    /// No answer came (lost, or the bank is down); try again later.
    #[error("{0}")]
    NoAnswer(String),
    /// An answer came that could not be read.
    #[error("{0}")]
    BadAnswer(String),
}

impl FlowError {
    /// A stable code.
    pub fn code(&self) -> &str {
        match self {
            Self::Desk(e) => e.code(),
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
