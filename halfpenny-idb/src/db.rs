//! What both stores do with rexie: transactions, commits, and the core's
//! bytes in and out of IndexedDB values.

use halfpenny::PurseId;
use halfpenny::wire::{Decode, Encode};
use halfpenny_store::StoreError;
use js_sys::Uint8Array;
use rexie::{Rexie, Store, Transaction, TransactionMode};
use wasm_bindgen::{JsCast, JsValue};

/// One open IndexedDB database.
#[derive(Debug)]
pub(crate) struct Db(pub(crate) Rexie);

pub(crate) fn failed(e: rexie::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

pub(crate) fn bytes_value(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

pub(crate) fn read<T: Decode>(value: &JsValue, what: &'static str) -> Result<T, StoreError> {
    let array = value
        .dyn_ref::<Uint8Array>()
        .ok_or(StoreError::Corrupt(what))?;
    T::from_bytes(&array.to_vec()).map_err(|_| StoreError::Corrupt(what))
}

pub(crate) fn purse_key(id: PurseId) -> JsValue {
    JsValue::from_str(&id.to_hex())
}

impl Db {
    pub(crate) fn transaction(
        &self,
        stores: &[&str],
        mode: TransactionMode,
    ) -> Result<Transaction, StoreError> {
        self.0.transaction(stores, mode).map_err(failed)
    }

    pub(crate) fn store(tx: &Transaction, name: &str) -> Result<Store, StoreError> {
        tx.store(name).map_err(failed)
    }

    /// Waits until a read-write transaction is committed.
    pub(crate) async fn commit(tx: Transaction) -> Result<(), StoreError> {
        if tx.done().await.map_err(failed)?.is_committed() {
            Ok(())
        } else {
            Err(StoreError::Backend("the change was not saved".into()))
        }
    }

    pub(crate) async fn all<T: Decode>(
        &self,
        name: &str,
        what: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        let tx = self.transaction(&[name], TransactionMode::ReadOnly)?;
        let values = Self::store(&tx, name)?
            .get_all(None, None)
            .await
            .map_err(failed)?;
        values.iter().map(|v| read(v, what)).collect()
    }

    pub(crate) async fn one<T: Decode>(
        &self,
        name: &str,
        key: JsValue,
        what: &'static str,
    ) -> Result<Option<T>, StoreError> {
        let tx = self.transaction(&[name], TransactionMode::ReadOnly)?;
        let value = Self::store(&tx, name)?.get(key).await.map_err(failed)?;
        value.map(|v| read(&v, what)).transpose()
    }

    /// Adds `bytes` under `key` unless the key exists; true if added.
    pub(crate) async fn add_once(
        &self,
        name: &str,
        key: JsValue,
        bytes: &[u8],
    ) -> Result<bool, StoreError> {
        let tx = self.transaction(&[name], TransactionMode::ReadWrite)?;
        let store = Self::store(&tx, name)?;
        if store.key_exists(key.clone()).await.map_err(failed)? {
            Self::commit(tx).await?;
            return Ok(false);
        }
        store
            .add(&bytes_value(bytes), Some(&key))
            .await
            .map_err(failed)?;
        Self::commit(tx).await?;
        Ok(true)
    }

    /// Deletes the record under `key`; true if there was one.
    pub(crate) async fn delete(&self, name: &str, key: JsValue) -> Result<bool, StoreError> {
        let tx = self.transaction(&[name], TransactionMode::ReadWrite)?;
        let store = Self::store(&tx, name)?;
        let found = store.key_exists(key.clone()).await.map_err(failed)?;
        if found {
            store.delete(key).await.map_err(failed)?;
        }
        Self::commit(tx).await?;
        Ok(found)
    }

    /// Reads the record under `key`, lets `change` alter it, and writes it
    /// back, all in one read-write transaction. `None` if there is no such
    /// record; `Some(false)` if `change` declined (nothing written).
    pub(crate) async fn update<T: Decode + Encode>(
        &self,
        name: &str,
        key: JsValue,
        what: &'static str,
        change: impl FnOnce(&mut T) -> bool,
    ) -> Result<Option<bool>, StoreError> {
        let tx = self.transaction(&[name], TransactionMode::ReadWrite)?;
        let store = Self::store(&tx, name)?;
        // No other await between the read and the write: the transaction
        // stays active, and no other read-write transaction on this store
        // runs in between.
        let Some(value) = store.get(key.clone()).await.map_err(failed)? else {
            Self::commit(tx).await?;
            return Ok(None);
        };
        let mut record: T = read(&value, what)?;
        if !change(&mut record) {
            Self::commit(tx).await?;
            return Ok(Some(false));
        }
        store
            .put(&bytes_value(&record.to_bytes()), Some(&key))
            .await
            .map_err(failed)?;
        Self::commit(tx).await?;
        Ok(Some(true))
    }
}
