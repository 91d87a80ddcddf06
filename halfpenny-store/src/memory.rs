//! A store in memory, for tests and for hosts that keep nothing (a demo).
//! It saves the same encoded bytes a real backend does.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use halfpenny::PurseId;
use halfpenny::wallet::BuyerPurse;
use halfpenny::wire::{Decode, Encode};

use crate::{Event, SavedIdentity, StoreError, WalletStore};

#[derive(Debug, Default)]
struct Saved {
    identity: Option<Vec<u8>>,
    purses: BTreeMap<PurseId, Vec<u8>>,
    events: Vec<Vec<u8>>,
}

/// Everything in one lock: each call is one transaction.
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<Saved>);

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

    async fn replace(
        &self,
        identity: &SavedIdentity,
        purses: &[BuyerPurse],
        events: &[Event],
    ) -> Result<(), StoreError> {
        let mut saved = self.saved()?;
        *saved = Saved {
            identity: Some(identity.to_bytes()),
            purses: purses.iter().map(|p| (p.id, p.to_bytes())).collect(),
            events: events.iter().map(Encode::to_bytes).collect(),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_passes_the_conformance_suite() {
        pollster::block_on(crate::conformance::run_all(|| async { MemoryStore::new() }));
    }
}
