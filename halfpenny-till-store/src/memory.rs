//! A till store in memory, for tests and for hosts that keep nothing (a
//! demo). It saves the same encoded bytes a real backend does.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use halfpenny::messages::{ForwardedPurseRequest, PaymentRequest, Receipt};
use halfpenny::till::{Acceptance, SellerPurse};
use halfpenny::wire::{Decode, Encode};
use halfpenny::{Nonce, PurseId};

use crate::{Kept, Refusal, SavedIdentity, StoreError, TakenTokens, TillStore};

#[derive(Default)]
struct Saved {
    identity: Option<Vec<u8>>,
    purses: BTreeMap<PurseId, Vec<u8>>,
    /// Purse requests not yet answered, keyed by their own bytes.
    orders: BTreeMap<Vec<u8>, ()>,
    offers: BTreeMap<Nonce, Vec<u8>>,
    receipts: BTreeMap<Nonce, Vec<u8>>,
    tokens: BTreeMap<Nonce, Vec<u8>>,
    handed_in: BTreeMap<Nonce, Vec<u8>>,
    refusals: Vec<Vec<u8>>,
}

/// Everything in one lock: each call is one transaction.
#[derive(Default)]
pub struct MemoryTillStore(Mutex<Saved>);

impl fmt::Debug for MemoryTillStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // How much is kept, never what: the saved bytes hold the seller's
        // private keys and his halves. `try_lock`: a change under way may ask.
        let mut out = f.debug_struct("MemoryTillStore");
        match self.0.try_lock() {
            Ok(saved) => out
                .field("identity", &saved.identity.is_some())
                .field("purses", &saved.purses.len())
                .field("receipts", &saved.receipts.len())
                .field("refusals", &saved.refusals.len()),
            Err(_) => out.field("saved", &"<in use>"),
        };
        out.finish()
    }
}

impl MemoryTillStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn saved(&self) -> Result<MutexGuard<'_, Saved>, StoreError> {
        self.0
            .lock()
            .map_err(|_| StoreError::Backend("a writer failed midway".into()))
    }
}

fn read<T: Decode>(bytes: &[u8], what: &'static str) -> Result<T, StoreError> {
    T::from_bytes(bytes).map_err(|_| StoreError::Corrupt(what))
}

fn read_all<'a, T: Decode>(
    values: impl Iterator<Item = &'a Vec<u8>>,
    what: &'static str,
) -> Result<Vec<T>, StoreError> {
    values.map(|b| read(b, what)).collect()
}

impl TillStore for MemoryTillStore {
    async fn identity(&self) -> Result<Option<SavedIdentity>, StoreError> {
        self.saved()?
            .identity
            .as_deref()
            .map(|b| read(b, "identity"))
            .transpose()
    }

    async fn create_identity(&self, identity: &SavedIdentity) -> Result<bool, StoreError> {
        let mut saved = self.saved()?;
        if saved.identity.is_some() {
            return Ok(false);
        }
        saved.identity = Some(identity.to_bytes());
        Ok(true)
    }

    async fn purses(&self) -> Result<Vec<SellerPurse>, StoreError> {
        read_all(self.saved()?.purses.values(), "purse")
    }

    async fn purse(&self, id: PurseId) -> Result<Option<SellerPurse>, StoreError> {
        self.saved()?
            .purses
            .get(&id)
            .map(|b| read(b, "purse"))
            .transpose()
    }

    async fn add_purse(&self, purse: &SellerPurse) -> Result<bool, StoreError> {
        let mut saved = self.saved()?;
        if saved.purses.contains_key(&purse.id) {
            return Ok(false);
        }
        saved.purses.insert(purse.id, purse.to_bytes());
        Ok(true)
    }

    async fn update_purse<F>(&self, id: PurseId, change: F) -> Result<bool, StoreError>
    where
        F: FnOnce(&mut SellerPurse) -> bool,
    {
        let mut saved = self.saved()?;
        let bytes = saved.purses.get(&id).ok_or(StoreError::NotFound)?;
        let mut purse: SellerPurse = read(bytes, "purse")?;
        if !change(&mut purse) {
            return Ok(false);
        }
        saved.purses.insert(id, purse.to_bytes());
        Ok(true)
    }

    async fn remove_purse(&self, id: PurseId) -> Result<bool, StoreError> {
        Ok(self.saved()?.purses.remove(&id).is_some())
    }

    async fn save_order(&self, order: &ForwardedPurseRequest) -> Result<(), StoreError> {
        self.saved()?.orders.insert(order.to_bytes(), ());
        Ok(())
    }

    async fn orders(&self) -> Result<Vec<ForwardedPurseRequest>, StoreError> {
        read_all(self.saved()?.orders.keys(), "purse order")
    }

    async fn drop_order(&self, order: &ForwardedPurseRequest) -> Result<bool, StoreError> {
        Ok(self.saved()?.orders.remove(&order.to_bytes()).is_some())
    }

    async fn save_offer(&self, request: &PaymentRequest) -> Result<(), StoreError> {
        self.saved()?
            .offers
            .insert(request.payment, request.to_bytes());
        Ok(())
    }

    async fn offer(&self, payment: Nonce) -> Result<Option<PaymentRequest>, StoreError> {
        self.saved()?
            .offers
            .get(&payment)
            .map(|b| read(b, "payment request"))
            .transpose()
    }

    async fn keep_payment(&self, accepted: &Acceptance) -> Result<Kept, StoreError> {
        let mut saved = self.saved()?;
        let nonce = accepted.receipt.payment;
        if let Some(first) = saved.receipts.get(&nonce) {
            return Ok(Kept::AlreadyTaken(read(first, "receipt")?));
        }
        let id = accepted.receipt.purse;
        let bytes = saved.purses.get(&id).ok_or(StoreError::NotFound)?;
        let mut purse: SellerPurse = read(bytes, "purse")?;
        if !purse.apply(accepted) {
            return Ok(Kept::HalvesGone);
        }
        let taken = TakenTokens {
            payment: nonce,
            tokens: accepted.tokens.clone(),
        };
        saved.purses.insert(id, purse.to_bytes());
        saved.tokens.insert(nonce, taken.to_bytes());
        saved.receipts.insert(nonce, accepted.receipt.to_bytes());
        Ok(Kept::Taken)
    }

    async fn receipt(&self, payment: Nonce) -> Result<Option<Receipt>, StoreError> {
        self.saved()?
            .receipts
            .get(&payment)
            .map(|b| read(b, "receipt"))
            .transpose()
    }

    async fn unredeemed(&self) -> Result<Vec<TakenTokens>, StoreError> {
        read_all(self.saved()?.tokens.values(), "tokens")
    }

    async fn hand_in(&self, payments: &[Nonce]) -> Result<usize, StoreError> {
        let mut saved = self.saved()?;
        let mut moved = 0;
        for p in payments {
            if let Some(bytes) = saved.tokens.remove(p) {
                saved.handed_in.insert(*p, bytes);
                moved += 1;
            }
        }
        Ok(moved)
    }

    async fn handed_in(&self) -> Result<Vec<TakenTokens>, StoreError> {
        read_all(self.saved()?.handed_in.values(), "tokens")
    }

    async fn record_refusal(&self, refusal: &Refusal) -> Result<(), StoreError> {
        self.saved()?.refusals.push(refusal.to_bytes());
        Ok(())
    }

    async fn refusals(&self) -> Result<Vec<Refusal>, StoreError> {
        read_all(self.saved()?.refusals.iter(), "refusal")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conformance suite, one test per check.
    mod conformance {
        use super::MemoryTillStore;

        async fn fresh() -> MemoryTillStore {
            MemoryTillStore::new()
        }

        crate::till_store_conformance!(blocking fresh);
    }

    #[test]
    fn debug_shows_how_much_is_kept_never_the_keys() {
        let store = MemoryTillStore::new();
        let identity = crate::conformance::identity(1);
        assert_eq!(
            pollster::block_on(store.create_identity(&identity)),
            Ok(true)
        );
        // Exactly this: counts, and nothing of the saved bytes.
        assert_eq!(
            format!("{store:?}"),
            "MemoryTillStore { identity: true, purses: 0, receipts: 0, refusals: 0 }"
        );
    }
}
