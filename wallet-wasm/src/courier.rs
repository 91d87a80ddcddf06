//! How the wallet reaches the seller who asks it to pay: the shop page that
//! opened this window (`postMessage`), or the buyer herself, carrying codes
//! to and from a till in person.

use halfpenny_store::Via;

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
