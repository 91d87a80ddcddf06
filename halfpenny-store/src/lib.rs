//! # halfpenny-store: where a wallet keeps what it must not lose
//!
//! [`WalletStore`] is the small trait a buyer's host saves through: her keys
//! and bank, her purses, and the history she is shown. Every backend —
//! [`MemoryStore`] here, IndexedDB in the browser (`halfpenny-idb`) — passes
//! the same [`conformance`] suite, so a host can swap one for another.
//!
//! Purses are saved in the core's own encoding (`BuyerPurse: Encode`), so a
//! backend stores opaque bytes under a purse id and never interprets them.
//! The one operation that matters for money is [`WalletStore::update_purse`]:
//! read, change and write one purse in a single transaction, so that two tabs
//! (or two tasks) can never mark the same half for two payments.
//! [`WalletStore::start_refund`] does the same for a refund and also saves
//! its letter, so the letter that hands halves back is never lost.

pub mod backup;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
mod error;
mod history;
mod identity;
mod letters;
mod memory;

pub use error::StoreError;
pub use history::{DaySpend, Event, EventKind, Via, spending_by_day};
pub use identity::SavedIdentity;
pub use letters::{SavedOrder, SavedRefund};
pub use memory::MemoryStore;

use halfpenny::wallet::BuyerPurse;
use halfpenny::{Amount, CaseId, KeyId, Nonce, PurseId};

use backup::Backup;

/// A buyer's saved state. Methods are `async` because browser storage is;
/// futures need not be `Send` (a browser has one thread).
#[allow(async_fn_in_trait)]
pub trait WalletStore {
    /// Her keys and bank, if an identity was created.
    async fn identity(&self) -> Result<Option<SavedIdentity>, StoreError>;

    /// Saves a new identity. False, and nothing changed, if one exists: an
    /// identity is never overwritten by accident (restoring a backup into a
    /// wallet that has one is the host's explicit choice, via `replace`).
    async fn create_identity(&self, identity: &SavedIdentity) -> Result<bool, StoreError>;

    /// Replaces everything with a backup's (identity, purses, history, saved
    /// refund letters and purse orders), in one transaction. Allowances are
    /// dropped.
    async fn replace(&self, backup: &Backup) -> Result<(), StoreError>;

    /// Every purse, in purse-id order.
    async fn purses(&self) -> Result<Vec<BuyerPurse>, StoreError>;

    async fn purse(&self, id: PurseId) -> Result<Option<BuyerPurse>, StoreError>;

    /// Saves a purse just received. False, and nothing changed, if a purse
    /// with this id is already saved (a purse delivered twice).
    async fn add_purse(&self, purse: &BuyerPurse) -> Result<bool, StoreError>;

    /// Reads the purse, lets `change` edit it and writes it back, all in one
    /// transaction. `change` returns false to leave the purse as it was (for
    /// example when `mark_pending` finds a half already taken). Returns what
    /// `change` returned; `StoreError::NotFound` if there is no such purse.
    async fn update_purse<F>(&self, id: PurseId, change: F) -> Result<bool, StoreError>
    where
        F: FnOnce(&mut BuyerPurse) -> bool;

    /// Like [`update_purse`](Self::update_purse), and in the same
    /// transaction saves the refund letter `change` returns (keyed by its
    /// nonce): the halves marked refunding and the letter that hands them
    /// back are saved together, or neither (`change` returns `None`).
    async fn start_refund<F>(&self, id: PurseId, change: F) -> Result<bool, StoreError>
    where
        F: FnOnce(&mut BuyerPurse) -> Option<SavedRefund>;

    /// Every saved refund letter, in nonce order.
    async fn refund_letters(&self) -> Result<Vec<SavedRefund>, StoreError>;

    /// Notes the case the bank opened for a saved letter. False, and
    /// nothing changed, if no letter has this nonce.
    async fn refund_answered(&self, nonce: Nonce, case: CaseId) -> Result<bool, StoreError>;

    /// Drops a saved letter (its result is in). False if there was none.
    async fn drop_refund_letter(&self, nonce: Nonce) -> Result<bool, StoreError>;

    /// Saves a purse order before it leaves. False, and nothing changed, if
    /// an order with this nonce is saved already.
    async fn save_order(&self, order: &SavedOrder) -> Result<bool, StoreError>;

    /// Every saved purse order (not yet in her store), in nonce order.
    async fn orders(&self) -> Result<Vec<SavedOrder>, StoreError>;

    /// In one transaction: saves the purse an order brought and drops the
    /// order. False, and nothing changed, if a purse with its id is saved
    /// already (the same purse twice is saved once; an older purse passed
    /// off as this order's leaves the order waiting).
    async fn complete_order(&self, nonce: Nonce, purse: &BuyerPurse) -> Result<bool, StoreError>;

    /// Drops a saved order (nothing was minted for it). False if none.
    async fn drop_order(&self, nonce: Nonce) -> Result<bool, StoreError>;

    /// Appends an event to the history.
    async fn record(&self, event: &Event) -> Result<(), StoreError>;

    /// The history, oldest first.
    async fn events(&self) -> Result<Vec<Event>, StoreError>;

    /// What is left of the allowance she gave this seller (paid without
    /// asking her), if she gave one. Spent to nothing, it is a zero amount.
    async fn allowance(&self, seller: KeyId) -> Result<Option<Amount>, StoreError>;

    /// Sets the seller's allowance; `None` removes it.
    async fn set_allowance(&self, seller: KeyId, amount: Option<Amount>) -> Result<(), StoreError>;

    /// In one transaction: if the seller's allowance is in `amount`'s
    /// currency and at least `amount`, lowers it by `amount` and returns
    /// true; otherwise changes nothing and returns false. Two spends of the
    /// last of an allowance never both succeed.
    async fn spend_allowance(&self, seller: KeyId, amount: Amount) -> Result<bool, StoreError>;

    /// In one transaction: gives back `amount` spent from the seller's
    /// allowance (a payment that did not go ahead). False, and nothing
    /// changed, if there is no allowance in that currency any more (she
    /// removed or replaced it meanwhile).
    async fn refund_allowance(&self, seller: KeyId, amount: Amount) -> Result<bool, StoreError>;
}

/// The allowance after spending `amount` from `left`, if it covers it.
pub fn allowance_after_spend(left: Amount, amount: Amount) -> Option<Amount> {
    left.checked_sub(amount).ok()
}

/// The allowance after `amount` is given back, if it is in that currency.
pub fn allowance_after_refund(left: Amount, amount: Amount) -> Option<Amount> {
    left.checked_add(amount).ok()
}

/// A shared store is a store: two wallets (two tabs) can use one.
impl<S: WalletStore + ?Sized> WalletStore for &S {
    async fn identity(&self) -> Result<Option<SavedIdentity>, StoreError> {
        (**self).identity().await
    }

    async fn create_identity(&self, identity: &SavedIdentity) -> Result<bool, StoreError> {
        (**self).create_identity(identity).await
    }

    async fn replace(&self, backup: &Backup) -> Result<(), StoreError> {
        (**self).replace(backup).await
    }

    async fn purses(&self) -> Result<Vec<BuyerPurse>, StoreError> {
        (**self).purses().await
    }

    async fn purse(&self, id: PurseId) -> Result<Option<BuyerPurse>, StoreError> {
        (**self).purse(id).await
    }

    async fn add_purse(&self, purse: &BuyerPurse) -> Result<bool, StoreError> {
        (**self).add_purse(purse).await
    }

    async fn update_purse<F>(&self, id: PurseId, change: F) -> Result<bool, StoreError>
    where
        F: FnOnce(&mut BuyerPurse) -> bool,
    {
        (**self).update_purse(id, change).await
    }

    async fn start_refund<F>(&self, id: PurseId, change: F) -> Result<bool, StoreError>
    where
        F: FnOnce(&mut BuyerPurse) -> Option<SavedRefund>,
    {
        (**self).start_refund(id, change).await
    }

    async fn refund_letters(&self) -> Result<Vec<SavedRefund>, StoreError> {
        (**self).refund_letters().await
    }

    async fn refund_answered(&self, nonce: Nonce, case: CaseId) -> Result<bool, StoreError> {
        (**self).refund_answered(nonce, case).await
    }

    async fn drop_refund_letter(&self, nonce: Nonce) -> Result<bool, StoreError> {
        (**self).drop_refund_letter(nonce).await
    }

    async fn save_order(&self, order: &SavedOrder) -> Result<bool, StoreError> {
        (**self).save_order(order).await
    }

    async fn orders(&self) -> Result<Vec<SavedOrder>, StoreError> {
        (**self).orders().await
    }

    async fn complete_order(&self, nonce: Nonce, purse: &BuyerPurse) -> Result<bool, StoreError> {
        (**self).complete_order(nonce, purse).await
    }

    async fn drop_order(&self, nonce: Nonce) -> Result<bool, StoreError> {
        (**self).drop_order(nonce).await
    }

    async fn record(&self, event: &Event) -> Result<(), StoreError> {
        (**self).record(event).await
    }

    async fn events(&self) -> Result<Vec<Event>, StoreError> {
        (**self).events().await
    }

    async fn allowance(&self, seller: KeyId) -> Result<Option<Amount>, StoreError> {
        (**self).allowance(seller).await
    }

    async fn set_allowance(&self, seller: KeyId, amount: Option<Amount>) -> Result<(), StoreError> {
        (**self).set_allowance(seller, amount).await
    }

    async fn spend_allowance(&self, seller: KeyId, amount: Amount) -> Result<bool, StoreError> {
        (**self).spend_allowance(seller, amount).await
    }

    async fn refund_allowance(&self, seller: KeyId, amount: Amount) -> Result<bool, StoreError> {
        (**self).refund_allowance(seller, amount).await
    }
}
