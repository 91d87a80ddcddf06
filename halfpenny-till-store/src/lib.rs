//! # halfpenny-till-store: where a till keeps what it must not lose
//!
//! [`TillStore`] is the small trait a seller's till (the till page in his
//! browser, a kiosk, a parking meter) saves through: his keys and bank, his
//! purses, the payment requests he made, the tokens he joined and has not
//! yet handed in, the receipts he gave, and the payments he refused. Every
//! backend — [`MemoryTillStore`] here, IndexedDB in the browser
//! (`halfpenny_idb::till`) — passes the same [`conformance`] suite.
//!
//! Records are saved in the core's own encodings (`SellerPurse: Encode`,
//! `Receipt`, `SpentToken`, …), so a backend stores opaque bytes.
//!
//! Two operations matter for money. [`TillStore::keep_payment`] consumes a
//! payment's halves, keeps its tokens and its receipt in ONE transaction, so
//! two till tabs can never accept the same half twice and a receipt never
//! exists without its tokens. [`TillStore::hand_in`] marks tokens handed in
//! only once the bank has answered their redemption.

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
mod memory;
mod records;

pub use halfpenny_store::{SavedIdentity, StoreError};
pub use memory::MemoryTillStore;
pub use records::{Refusal, TakenTokens};

use halfpenny::messages::{ForwardedPurseRequest, PaymentRequest, Receipt};
use halfpenny::till::{Acceptance, SellerPurse};
use halfpenny::{Nonce, PurseId};

/// What [`TillStore::keep_payment`] did.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Kept {
    /// The halves are consumed, the tokens and the receipt saved.
    Taken,
    /// This payment was taken before: its first receipt, nothing changed.
    AlreadyTaken(Receipt),
    /// Some of the halves were consumed meanwhile (another tab, another
    /// payment): nothing changed; judge the payment again.
    HalvesGone,
}

/// A seller's saved till. Methods are `async` because browser storage is;
/// futures need not be `Send` (a browser has one thread).
#[allow(async_fn_in_trait)]
pub trait TillStore {
    /// His keys and bank, if the till was set up.
    async fn identity(&self) -> Result<Option<SavedIdentity>, StoreError>;

    /// Saves a new identity. False, and nothing changed, if one exists.
    async fn create_identity(&self, identity: &SavedIdentity) -> Result<bool, StoreError>;

    /// Every purse, in purse-id order.
    async fn purses(&self) -> Result<Vec<SellerPurse>, StoreError>;

    async fn purse(&self, id: PurseId) -> Result<Option<SellerPurse>, StoreError>;

    /// Saves a purse just received. False, and nothing changed, if a purse
    /// with this id is already saved (a purse delivered twice).
    async fn add_purse(&self, purse: &SellerPurse) -> Result<bool, StoreError>;

    /// Reads the purse, lets `change` edit it and writes it back, all in one
    /// transaction. `change` returns false to leave the purse as it was.
    /// Returns what `change` returned; `StoreError::NotFound` if there is no
    /// such purse.
    async fn update_purse<F>(&self, id: PurseId, change: F) -> Result<bool, StoreError>
    where
        F: FnOnce(&mut SellerPurse) -> bool;

    /// Forgets a purse handed back to the bank (a return). False if absent.
    async fn remove_purse(&self, id: PurseId) -> Result<bool, StoreError>;

    /// Saves a buyer's purse request before the till forwards it, so that
    /// it goes again, the very same bytes, until the bank answers (the bank
    /// answers a request it knows with its first answer). Saving it twice
    /// keeps one.
    async fn save_order(&self, order: &ForwardedPurseRequest) -> Result<(), StoreError>;

    /// Purse requests forwarded and not yet answered.
    async fn orders(&self) -> Result<Vec<ForwardedPurseRequest>, StoreError>;

    /// Forgets a purse request the bank answered. False if absent.
    async fn drop_order(&self, order: &ForwardedPurseRequest) -> Result<bool, StoreError>;

    /// Remembers a payment request until it is answered.
    async fn save_offer(&self, request: &PaymentRequest) -> Result<(), StoreError>;

    async fn offer(&self, payment: Nonce) -> Result<Option<PaymentRequest>, StoreError>;

    /// In one transaction: if this payment was taken before, its first
    /// receipt; else consumes the accepted halves from their purse (none if
    /// any is gone), keeps the tokens under the payment's nonce and keeps
    /// the receipt. `StoreError::NotFound` if the purse is not saved.
    async fn keep_payment(&self, accepted: &Acceptance) -> Result<Kept, StoreError>;

    /// The receipt given for a payment, if it was taken.
    async fn receipt(&self, payment: Nonce) -> Result<Option<Receipt>, StoreError>;

    /// Joined tokens not yet handed in, grouped by payment, in nonce order.
    async fn unredeemed(&self) -> Result<Vec<TakenTokens>, StoreError>;

    /// Marks these payments' tokens handed in (the bank answered their
    /// redemption or return), in one transaction. Returns how many of the
    /// payments still had tokens waiting; unknown ones are skipped.
    async fn hand_in(&self, payments: &[Nonce]) -> Result<usize, StoreError>;

    /// Tokens already handed in, kept as a record, in nonce order.
    async fn handed_in(&self) -> Result<Vec<TakenTokens>, StoreError>;

    /// Appends a refused payment.
    async fn record_refusal(&self, refusal: &Refusal) -> Result<(), StoreError>;

    /// Refused payments, oldest first.
    async fn refusals(&self) -> Result<Vec<Refusal>, StoreError>;
}

/// A shared store is a store: two tills (two tabs) can use one.
impl<S: TillStore + ?Sized> TillStore for &S {
    async fn identity(&self) -> Result<Option<SavedIdentity>, StoreError> {
        (**self).identity().await
    }
    async fn create_identity(&self, identity: &SavedIdentity) -> Result<bool, StoreError> {
        (**self).create_identity(identity).await
    }
    async fn purses(&self) -> Result<Vec<SellerPurse>, StoreError> {
        (**self).purses().await
    }
    async fn purse(&self, id: PurseId) -> Result<Option<SellerPurse>, StoreError> {
        (**self).purse(id).await
    }
    async fn add_purse(&self, purse: &SellerPurse) -> Result<bool, StoreError> {
        (**self).add_purse(purse).await
    }
    async fn update_purse<F>(&self, id: PurseId, change: F) -> Result<bool, StoreError>
    where
        F: FnOnce(&mut SellerPurse) -> bool,
    {
        (**self).update_purse(id, change).await
    }
    async fn remove_purse(&self, id: PurseId) -> Result<bool, StoreError> {
        (**self).remove_purse(id).await
    }
    async fn save_order(&self, order: &ForwardedPurseRequest) -> Result<(), StoreError> {
        (**self).save_order(order).await
    }
    async fn orders(&self) -> Result<Vec<ForwardedPurseRequest>, StoreError> {
        (**self).orders().await
    }
    async fn drop_order(&self, order: &ForwardedPurseRequest) -> Result<bool, StoreError> {
        (**self).drop_order(order).await
    }
    async fn save_offer(&self, request: &PaymentRequest) -> Result<(), StoreError> {
        (**self).save_offer(request).await
    }
    async fn offer(&self, payment: Nonce) -> Result<Option<PaymentRequest>, StoreError> {
        (**self).offer(payment).await
    }
    async fn keep_payment(&self, accepted: &Acceptance) -> Result<Kept, StoreError> {
        (**self).keep_payment(accepted).await
    }
    async fn receipt(&self, payment: Nonce) -> Result<Option<Receipt>, StoreError> {
        (**self).receipt(payment).await
    }
    async fn unredeemed(&self) -> Result<Vec<TakenTokens>, StoreError> {
        (**self).unredeemed().await
    }
    async fn hand_in(&self, payments: &[Nonce]) -> Result<usize, StoreError> {
        (**self).hand_in(payments).await
    }
    async fn handed_in(&self) -> Result<Vec<TakenTokens>, StoreError> {
        (**self).handed_in().await
    }
    async fn record_refusal(&self, refusal: &Refusal) -> Result<(), StoreError> {
        (**self).record_refusal(refusal).await
    }
    async fn refusals(&self) -> Result<Vec<Refusal>, StoreError> {
        (**self).refusals().await
    }
}
