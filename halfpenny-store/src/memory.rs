//! A store in memory, for tests and for hosts that keep nothing (a demo).
//! It saves the same encoded bytes a real backend does.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use halfpenny::wallet::BuyerPurse;
use halfpenny::wire::{Decode, Encode};
use halfpenny::{Amount, CaseId, KeyId, Nonce, PurseId};

use crate::backup::Backup;
use crate::{Event, SavedIdentity, SavedOrder, SavedRefund, StoreError, WalletStore};

#[derive(Default)]
struct Saved {
    identity: Option<Vec<u8>>,
    purses: BTreeMap<PurseId, Vec<u8>>,
    events: Vec<Vec<u8>>,
    /// Per seller, the allowance left, as the core encodes an `Amount`.
    allowances: BTreeMap<KeyId, Vec<u8>>,
    /// Refund letters not yet answered with a result, by nonce.
    refunds: BTreeMap<Nonce, Vec<u8>>,
    /// Purse orders whose purse is not in yet, by nonce.
    orders: BTreeMap<Nonce, Vec<u8>>,
}

/// Everything in one lock: each call is one transaction.
#[derive(Default)]
pub struct MemoryStore(Mutex<Saved>);

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // How much is kept, never what: the saved bytes hold her private
        // keys and her halves. `try_lock`: a change under way may ask.
        let mut out = f.debug_struct("MemoryStore");
        match self.0.try_lock() {
            Ok(saved) => out
                .field("identity", &saved.identity.is_some())
                .field("purses", &saved.purses.len())
                .field("events", &saved.events.len())
                .field("allowances", &saved.allowances.len())
                .field("refund letters", &saved.refunds.len())
                .field("purse orders", &saved.orders.len()),
            Err(_) => out.field("saved", &"<in use>"),
        };
        out.finish()
    }
}

impl MemoryStore {
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

impl WalletStore for MemoryStore {
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

    async fn replace(&self, backup: &Backup) -> Result<(), StoreError> {
        let mut saved = self.saved()?;
        *saved = Saved {
            identity: Some(backup.identity.to_bytes()),
            purses: backup.purses.iter().map(|p| (p.id, p.to_bytes())).collect(),
            events: backup.events.iter().map(Encode::to_bytes).collect(),
            allowances: BTreeMap::new(),
            refunds: backup
                .refunds
                .iter()
                .map(|l| (l.nonce, l.to_bytes()))
                .collect(),
            orders: backup
                .orders
                .iter()
                .map(|o| (o.nonce, o.to_bytes()))
                .collect(),
        };
        Ok(())
    }

    async fn purses(&self) -> Result<Vec<BuyerPurse>, StoreError> {
        self.saved()?
            .purses
            .values()
            .map(|b| read(b, "purse"))
            .collect()
    }

    async fn purse(&self, id: PurseId) -> Result<Option<BuyerPurse>, StoreError> {
        self.saved()?
            .purses
            .get(&id)
            .map(|b| read(b, "purse"))
            .transpose()
    }

    async fn add_purse(&self, purse: &BuyerPurse) -> Result<bool, StoreError> {
        let mut saved = self.saved()?;
        if saved.purses.contains_key(&purse.id) {
            return Ok(false);
        }
        saved.purses.insert(purse.id, purse.to_bytes());
        Ok(true)
    }

    async fn update_purse<F>(&self, id: PurseId, change: F) -> Result<bool, StoreError>
    where
        F: FnOnce(&mut BuyerPurse) -> bool,
    {
        let mut saved = self.saved()?;
        let bytes = saved.purses.get(&id).ok_or(StoreError::NotFound)?;
        let mut purse: BuyerPurse = read(bytes, "purse")?;
        if !change(&mut purse) {
            return Ok(false);
        }
        saved.purses.insert(id, purse.to_bytes());
        Ok(true)
    }

    async fn start_refund<F>(&self, id: PurseId, change: F) -> Result<bool, StoreError>
    where
        F: FnOnce(&mut BuyerPurse) -> Option<SavedRefund>,
    {
        let mut saved = self.saved()?;
        let bytes = saved.purses.get(&id).ok_or(StoreError::NotFound)?;
        let mut purse: BuyerPurse = read(bytes, "purse")?;
        let Some(letter) = change(&mut purse) else {
            return Ok(false);
        };
        saved.purses.insert(id, purse.to_bytes());
        saved.refunds.insert(letter.nonce, letter.to_bytes());
        Ok(true)
    }

    async fn refund_letters(&self) -> Result<Vec<SavedRefund>, StoreError> {
        self.saved()?
            .refunds
            .values()
            .map(|b| read(b, "refund letter"))
            .collect()
    }

    async fn refund_answered(&self, nonce: Nonce, case: CaseId) -> Result<bool, StoreError> {
        let mut saved = self.saved()?;
        let Some(bytes) = saved.refunds.get(&nonce) else {
            return Ok(false);
        };
        let mut letter: SavedRefund = read(bytes, "refund letter")?;
        letter.case = Some(case);
        saved.refunds.insert(nonce, letter.to_bytes());
        Ok(true)
    }

    async fn drop_refund_letter(&self, nonce: Nonce) -> Result<bool, StoreError> {
        Ok(self.saved()?.refunds.remove(&nonce).is_some())
    }

    async fn save_order(&self, order: &SavedOrder) -> Result<bool, StoreError> {
        let mut saved = self.saved()?;
        if saved.orders.contains_key(&order.nonce) {
            return Ok(false);
        }
        saved.orders.insert(order.nonce, order.to_bytes());
        Ok(true)
    }

    async fn orders(&self) -> Result<Vec<SavedOrder>, StoreError> {
        self.saved()?
            .orders
            .values()
            .map(|b| read(b, "purse order"))
            .collect()
    }

    async fn complete_order(&self, nonce: Nonce, purse: &BuyerPurse) -> Result<bool, StoreError> {
        let mut saved = self.saved()?;
        if saved.purses.contains_key(&purse.id) {
            return Ok(false);
        }
        saved.orders.remove(&nonce);
        saved.purses.insert(purse.id, purse.to_bytes());
        Ok(true)
    }

    async fn drop_order(&self, nonce: Nonce) -> Result<bool, StoreError> {
        Ok(self.saved()?.orders.remove(&nonce).is_some())
    }

    async fn record(&self, event: &Event) -> Result<(), StoreError> {
        self.saved()?.events.push(event.to_bytes());
        Ok(())
    }

    async fn events(&self) -> Result<Vec<Event>, StoreError> {
        self.saved()?
            .events
            .iter()
            .map(|b| read(b, "history event"))
            .collect()
    }

    async fn allowance(&self, seller: KeyId) -> Result<Option<Amount>, StoreError> {
        self.saved()?
            .allowances
            .get(&seller)
            .map(|b| read(b, "allowance"))
            .transpose()
    }

    async fn set_allowance(&self, seller: KeyId, amount: Option<Amount>) -> Result<(), StoreError> {
        let mut saved = self.saved()?;
        match amount {
            Some(a) => saved.allowances.insert(seller, a.to_bytes()),
            None => saved.allowances.remove(&seller),
        };
        Ok(())
    }

    async fn spend_allowance(&self, seller: KeyId, amount: Amount) -> Result<bool, StoreError> {
        self.change_allowance(seller, |left| crate::allowance_after_spend(left, amount))
    }

    async fn refund_allowance(&self, seller: KeyId, amount: Amount) -> Result<bool, StoreError> {
        self.change_allowance(seller, |left| crate::allowance_after_refund(left, amount))
    }
}

impl MemoryStore {
    /// Reads, changes and writes one allowance under the lock; false, and
    /// nothing changed, if there is none or `change` gives `None`.
    fn change_allowance(
        &self,
        seller: KeyId,
        change: impl FnOnce(Amount) -> Option<Amount>,
    ) -> Result<bool, StoreError> {
        let mut saved = self.saved()?;
        let Some(bytes) = saved.allowances.get(&seller) else {
            return Ok(false);
        };
        let Some(after) = change(read(bytes, "allowance")?) else {
            return Ok(false);
        };
        saved.allowances.insert(seller, after.to_bytes());
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conformance suite, one test per check.
    mod conformance {
        use super::MemoryStore;

        async fn fresh() -> MemoryStore {
            MemoryStore::new()
        }

        crate::wallet_store_conformance!(blocking fresh);
    }
}
