//! How the wallet reaches the seller who asks it to pay: the shop page that
//! opened this window (`postMessage`), or the buyer herself, carrying codes
//! to and from a till in person.

use halfpenny::crypto::seal::SealedBox;
use halfpenny::messages::{ForwardedPurseRequest, Payment, Receipt};
use halfpenny::wire::TextForm;
use halfpenny::{Nonce, SessionSerial};
use halfpenny_store::Via;
use halfpenny_wallet::flows::{LinkError, PaymentAnswer, SellerLink, StatusAnswer};
use serde_json::json;

use crate::in_person::InPerson;
use crate::shop_link::{Incoming, ShopLink};

/// Carries one message to the seller and brings back his answer.
#[allow(async_fn_in_trait)] // a single-threaded page: no `Send` bound wanted
pub trait Courier {
    /// Sends `kind` with `fields` and waits for an answer whose type is one
    /// of `answers`.
    async fn ask(
        &mut self,
        kind: &str,
        fields: serde_json::Value,
        answers: &[&str],
    ) -> Result<Incoming, String>;

    /// How a payment sent through it reaches the seller, as her history
    /// notes it.
    fn via(&self) -> Via;
}

/// How the wallet reaches the seller who asks: the shop page that opened
/// this window, or the buyer herself, copying codes to and from a till.
#[derive(Debug)]
pub enum Seller {
    Page(ShopLink),
    Till(InPerson),
}

impl Courier for Seller {
    async fn ask(
        &mut self,
        kind: &str,
        fields: serde_json::Value,
        answers: &[&str],
    ) -> Result<Incoming, String> {
        match self {
            Self::Page(link) => link.ask(kind, fields, answers).await,
            Self::Till(till) => till.ask(kind, fields, answers).await,
        }
    }

    fn via(&self) -> Via {
        match self {
            Self::Page(link) => link.via(),
            Self::Till(till) => till.via(),
        }
    }
}

/// The longest list of spent halves read from a refusal.
const MAX_SPENT: usize = 10_000;

/// The halves a `double_spend` refusal names, if it names them: the
/// numbers in its `spent` field. Anything else there is ignored.
fn spent_in(answer: &Incoming) -> Vec<SessionSerial> {
    answer
        .field("spent")
        .and_then(serde_json::Value::as_array)
        .map(|list| {
            list.iter()
                .take(MAX_SPENT)
                .filter_map(|v| u32::try_from(v.as_u64()?).ok())
                .map(SessionSerial)
                .collect()
        })
        .unwrap_or_default()
}

fn code_of(answer: &Incoming, otherwise: &str) -> String {
    answer
        .text("code")
        .ok()
        .filter(|c| c.len() <= 64)
        .unwrap_or(otherwise)
        .to_owned()
}

/// The receipt in an answer, if it is readable.
fn receipt_in(answer: &Incoming) -> Option<Receipt> {
    Receipt::from_text(answer.text("receipt").ok()?).ok()
}

impl SellerLink for Seller {
    async fn order_purse(
        &mut self,
        request: &ForwardedPurseRequest,
    ) -> Result<SealedBox, LinkError> {
        let answer = self
            .ask(
                "purse-request",
                json!({ "request": request.to_text() }),
                &["purse", "error"],
            )
            .await
            .map_err(LinkError::NoAnswer)?;
        if answer.kind == "error" {
            return Err(LinkError::Refused {
                code: code_of(&answer, "purse_refused"),
                message: answer.message(),
            });
        }
        let text = answer.text("purse").map_err(LinkError::BadAnswer)?;
        SealedBox::from_text(text).map_err(|_| LinkError::BadAnswer("her purse".into()))
    }

    async fn pay(&mut self, payment: &Payment) -> PaymentAnswer {
        let asked = self
            .ask(
                "payment",
                json!({ "payment": payment.to_text() }),
                &["receipt", "refused", "unknown"],
            )
            .await;
        match asked {
            Ok(a) if a.kind == "receipt" => {
                // An unreadable receipt settles nothing: asked again later.
                receipt_in(&a).map_or(PaymentAnswer::Unknown, PaymentAnswer::Receipt)
            }
            Ok(a) if a.kind == "refused" => PaymentAnswer::Refused {
                code: code_of(&a, "refused"),
                message: a.message(),
                spent: spent_in(&a),
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
        let asked = self
            .ask(
                "status",
                json!({ "payment": payment.to_string() }),
                &["receipt", "not-taken", "unknown"],
            )
            .await;
        match asked {
            Ok(a) if a.kind == "receipt" => {
                receipt_in(&a).map_or(StatusAnswer::Unknown, StatusAnswer::Taken)
            }
            Ok(a) if a.kind == "not-taken" => StatusAnswer::NotTaken,
            _ => StatusAnswer::Unknown,
        }
    }

    fn via(&self) -> Via {
        Courier::via(self)
    }
}
