//! How the wallet reaches the seller who asks it to pay: the shop page that
//! opened this window (`postMessage`), or the buyer herself, carrying codes
//! to and from a till in person.

use halfpenny::crypto::seal::SealedBox;
use halfpenny::messages::{ForwardedPurseRequest, Payment, Receipt};
use halfpenny::wire::TextForm;
use halfpenny::{Nonce, SessionSerial};
use halfpenny_pay_protocol::{FromWallet, Kind, ToWallet};
use halfpenny_store::Via;
use halfpenny_wallet::flows::{self, PaymentAnswer, SellerLink, StatusAnswer};

use crate::app::sentences;
use crate::in_person::{InPerson, TillError};
use crate::shop_link::{Incoming, LinkError, ShopLink};

/// Why a courier brought back no answer: which of the two ways to the
/// seller failed, and how. The page words it (`app::sentences`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AskError {
    /// The shop page that opened this window.
    #[error(transparent)]
    Page(#[from] LinkError),
    /// The buyer, carrying codes to and from a till in person.
    #[error(transparent)]
    Till(#[from] TillError),
}

/// Carries one message to the seller and brings back his answer.
#[allow(async_fn_in_trait)] // a single-threaded page: no `Send` bound wanted
pub trait Courier {
    /// Sends `message` and waits for an answer whose kind is one of
    /// `answers`.
    async fn ask(&mut self, message: FromWallet, answers: &[Kind]) -> Result<Incoming, AskError>;

    /// How a payment sent through it reaches the seller, as her history
    /// notes it.
    fn via(&self) -> Via;
}

/// How the wallet reaches the seller who asks: the shop page that opened
/// this window, or the buyer herself, copying codes to and from a till.
#[derive(Debug)]
pub enum Link {
    Page(ShopLink),
    Till(InPerson),
}

impl Courier for Link {
    async fn ask(&mut self, message: FromWallet, answers: &[Kind]) -> Result<Incoming, AskError> {
        match self {
            Self::Page(link) => link.ask(message, answers).await,
            Self::Till(till) => till.ask(message, answers).await,
        }
    }

    fn via(&self) -> Via {
        match self {
            Self::Page(link) => link.via(),
            Self::Till(till) => till.via(),
        }
    }
}

/// What the shop said went wrong, as it said it (at most 300 characters).
fn cut(message: String) -> String {
    message.chars().take(300).collect()
}

/// The receipt in an answer, if it is readable.
fn receipt_in(receipt: &str) -> Option<Receipt> {
    Receipt::from_text(receipt).ok()
}

impl SellerLink for Link {
    async fn order_purse(
        &mut self,
        request: &ForwardedPurseRequest,
    ) -> Result<SealedBox, flows::LinkError> {
        let answer = self
            .ask(
                FromWallet::PurseRequest {
                    request: request.to_text(),
                },
                &[Kind::Purse, Kind::Error],
            )
            .await
            // `flows` carries why no answer came as text: worded here.
            .map_err(|e| flows::LinkError::NoAnswer(sentences::asked(&e)))?;
        match answer.message {
            Some(ToWallet::Purse { purse }) => SealedBox::from_text(&purse)
                .map_err(|_| flows::LinkError::BadAnswer("her purse".into())),
            Some(ToWallet::Error { code, message }) => Err(flows::LinkError::Refused {
                code,
                message: cut(message),
            }),
            _ => Err(flows::LinkError::BadAnswer(format!(
                "The shop's `{}` message could not be read.",
                answer.kind
            ))),
        }
    }

    async fn pay(&mut self, payment: &Payment) -> PaymentAnswer {
        let asked = self
            .ask(
                FromWallet::Payment {
                    payment: payment.to_text(),
                },
                &[Kind::Receipt, Kind::Refused, Kind::Unknown],
            )
            .await;
        match asked.ok().and_then(|a| a.message) {
            // An unreadable receipt settles nothing: asked again later.
            Some(ToWallet::Receipt { receipt }) => {
                receipt_in(&receipt).map_or(PaymentAnswer::Unknown, PaymentAnswer::Receipt)
            }
            Some(ToWallet::Refused {
                code,
                message,
                spent,
            }) => PaymentAnswer::Refused {
                code,
                message: cut(message),
                spent: spent
                    .unwrap_or_default()
                    .into_iter()
                    .map(SessionSerial)
                    .collect(),
            },
            _ => PaymentAnswer::Unknown,
        }
    }

    async fn status(&mut self, payment: Nonce) -> StatusAnswer {
        // A till in person cannot be asked: her pending payments wait for
        // the receipt she pastes, or for her to release them.
        if matches!(self, Self::Till(_)) {
            return StatusAnswer::Unknown;
        }
        let asked = payment.to_string();
        let answer = self
            .ask(
                FromWallet::Status {
                    payment: asked.clone(),
                },
                &[Kind::Receipt, Kind::NotTaken, Kind::Unknown],
            )
            .await;
        match answer.ok().and_then(|a| a.message) {
            Some(ToWallet::Receipt { receipt }) => {
                receipt_in(&receipt).map_or(StatusAnswer::Unknown, StatusAnswer::Taken)
            }
            // Released only when it is about this very payment.
            Some(ToWallet::NotTaken { payment }) if payment == asked => StatusAnswer::NotTaken,
            _ => StatusAnswer::Unknown,
        }
    }

    fn via(&self) -> Via {
        Courier::via(self)
    }
}
