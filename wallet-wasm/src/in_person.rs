//! Paying a till in person (a kiosk, a newsstand): no network between the
//! wallet and the till. Each message to the seller is shown as a code, text
//! and QR, for his till to read; the buyer pastes the till's answer back.

use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::StreamExt;
use halfpenny_pay_protocol::{FromWallet, Kind, Message};
use halfpenny_store::Via;

use crate::courier::{AskError, Courier};
use crate::shop_link::Incoming;

/// Why a code could not go to the till, or its answer could not come back.
/// The page words it (`app::sentences`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TillError {
    /// Only a purse request or a payment is shown to a till; this message
    /// (of this kind) is neither.
    #[error("a `{0}` message cannot be shown to a till")]
    NothingToShow(Kind),
    /// The page dropped the channel her pasted answers come through.
    #[error("the page stopped waiting for the till")]
    StoppedWaiting,
}

/// A code the page shows for the till: what it is and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    /// The message's kind: a purse request or a payment.
    pub kind: Kind,
    pub code: String,
}

/// Where the page's buttons put what the buyer pasted.
pub type Answers = UnboundedSender<Incoming>;

/// The buyer as the courier between her wallet and a till.
pub struct InPerson {
    show: Box<dyn Fn(Option<Shown>)>,
    answers: UnboundedReceiver<Incoming>,
}

impl std::fmt::Debug for InPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InPerson")
    }
}

impl InPerson {
    /// `show` puts a code on the screen (or takes it away, with `None`).
    pub fn new(show: impl Fn(Option<Shown>) + 'static) -> (Self, Answers) {
        let (tx, answers) = unbounded();
        (
            Self {
                show: Box::new(show),
                answers,
            },
            tx,
        )
    }
}

impl Courier for InPerson {
    async fn ask(&mut self, message: FromWallet, answers: &[Kind]) -> Result<Incoming, AskError> {
        // A till is shown a purse request or a payment: one code each.
        let kind = message.kind();
        let code = match message {
            FromWallet::PurseRequest { request } => request,
            FromWallet::Payment { payment } => payment,
            _ => return Err(TillError::NothingToShow(kind).into()),
        };
        (self.show)(Some(Shown { kind, code }));
        loop {
            let m = self.answers.next().await.ok_or(TillError::StoppedWaiting)?;
            if answers.contains(&m.kind) {
                (self.show)(None);
                return Ok(m);
            }
        }
    }

    fn via(&self) -> Via {
        Via::TillInPerson
    }
}
