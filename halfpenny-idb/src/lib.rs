//! # halfpenny-idb: the wallet's store in the browser
//!
//! [`IdbStore`] keeps a buyer's identity, purses and history in IndexedDB
//! (through `rexie`), as the bytes the core encodes. Each method is one
//! IndexedDB transaction; [`WalletStore::update_purse`] reads, changes and
//! writes a purse inside one read-write transaction, and the browser runs
//! read-write transactions on the same store one after another, across tabs
//! too, so two tabs can never mark one half for two payments.
//!
//! The database has a version; [`SCHEMA_VERSION`] and the object stores it
//! creates are listed in [`open`]. Only `wasm32` builds have any code.
//!
//! The seller's till keeps its own database through [`till::IdbTillStore`]
//! (`halfpenny-till-store`'s trait), with its own schema version.
#![cfg(target_arch = "wasm32")]

mod db;
pub mod till;

use halfpenny::wallet::BuyerPurse;
use halfpenny::wire::Encode;
use halfpenny::{Amount, CaseId, KeyId, Nonce, PurseId};
use halfpenny_store::backup::Backup;
use halfpenny_store::{Event, SavedIdentity, SavedOrder, SavedRefund, StoreError, WalletStore};
use rexie::{ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::JsValue;

use db::{Db, bytes_value, failed, purse_key, read};

/// Version 1: `meta` (the identity under the key `identity`, and each
/// seller's allowance under `allowance:<seller key id in hex>`), `purses` (one
/// record per purse, keyed by the purse id in hex, so reading them all gives
/// purse-id order), `events` (the history, auto-numbered in order).
///
/// Version 2 adds `refunds`: each refund letter not yet answered with a
/// result, keyed by its nonce in hex (so reading them all gives nonce
/// order). Upgrading from version 1 only creates that store: IndexedDB
/// keeps every existing store and record (the builder lists them all).
/// Version 3 adds `orders`: each purse order whose purse is not in yet,
/// keyed by its nonce in hex. Upgrading only creates that store.
///
/// A later version adds its stores and moves data in [`open`].
pub const SCHEMA_VERSION: u32 = 3;

const META: &str = "meta";
const PURSES: &str = "purses";
const EVENTS: &str = "events";
const REFUNDS: &str = "refunds";
const ORDERS: &str = "orders";
const IDENTITY_KEY: &str = "identity";

/// Refund letters and purse orders are both keyed by their nonce.
fn refund_key(nonce: Nonce) -> JsValue {
    JsValue::from_str(&nonce.to_hex())
}

fn allowance_key(seller: KeyId) -> JsValue {
    JsValue::from_str(&format!("allowance:{}", seller.to_hex()))
}

/// A wallet kept in one IndexedDB database.
#[derive(Debug)]
pub struct IdbStore {
    db: Db,
}

/// Opens (creating or upgrading) the database `name`.
pub async fn open(name: &str) -> Result<IdbStore, StoreError> {
    let db = Rexie::builder(name)
        .version(SCHEMA_VERSION)
        .add_object_store(ObjectStore::new(META))
        .add_object_store(ObjectStore::new(PURSES))
        .add_object_store(ObjectStore::new(EVENTS).auto_increment(true))
        .add_object_store(ObjectStore::new(REFUNDS))
        .add_object_store(ObjectStore::new(ORDERS))
        .build()
        .await
        .map_err(failed)?;
    Ok(IdbStore { db: Db(db) })
}

/// Deletes the database `name` (tests, and "forget this wallet").
pub async fn delete(name: &str) -> Result<(), StoreError> {
    Rexie::delete(name).await.map_err(failed)
}

impl WalletStore for IdbStore {
    async fn identity(&self) -> Result<Option<SavedIdentity>, StoreError> {
        let tx = self.db.transaction(&[META], TransactionMode::ReadOnly)?;
        let value = Db::store(&tx, META)?
            .get(JsValue::from_str(IDENTITY_KEY))
            .await
            .map_err(failed)?;
        value.map(|v| read(&v, "identity")).transpose()
    }

    async fn create_identity(&self, identity: &SavedIdentity) -> Result<bool, StoreError> {
        let tx = self.db.transaction(&[META], TransactionMode::ReadWrite)?;
        let meta = Db::store(&tx, META)?;
        let key = JsValue::from_str(IDENTITY_KEY);
        if meta.key_exists(key.clone()).await.map_err(failed)? {
            Db::commit(tx).await?;
            return Ok(false);
        }
        meta.add(&bytes_value(&identity.to_bytes()), Some(&key))
            .await
            .map_err(failed)?;
        Db::commit(tx).await?;
        Ok(true)
    }

    async fn replace(&self, backup: &Backup) -> Result<(), StoreError> {
        let tx = self.db.transaction(
            &[META, PURSES, EVENTS, REFUNDS, ORDERS],
            TransactionMode::ReadWrite,
        )?;
        let (meta, purse_store, event_store, refund_store, order_store) = (
            Db::store(&tx, META)?,
            Db::store(&tx, PURSES)?,
            Db::store(&tx, EVENTS)?,
            Db::store(&tx, REFUNDS)?,
            Db::store(&tx, ORDERS)?,
        );
        for s in [
            &meta,
            &purse_store,
            &event_store,
            &refund_store,
            &order_store,
        ] {
            s.clear().await.map_err(failed)?;
        }
        meta.put(
            &bytes_value(&backup.identity.to_bytes()),
            Some(&JsValue::from_str(IDENTITY_KEY)),
        )
        .await
        .map_err(failed)?;
        for p in &backup.purses {
            purse_store
                .put(&bytes_value(&p.to_bytes()), Some(&purse_key(p.id)))
                .await
                .map_err(failed)?;
        }
        for e in &backup.events {
            event_store
                .add(&bytes_value(&e.to_bytes()), None)
                .await
                .map_err(failed)?;
        }
        for l in &backup.refunds {
            refund_store
                .put(&bytes_value(&l.to_bytes()), Some(&refund_key(l.nonce)))
                .await
                .map_err(failed)?;
        }
        for o in &backup.orders {
            order_store
                .put(&bytes_value(&o.to_bytes()), Some(&refund_key(o.nonce)))
                .await
                .map_err(failed)?;
        }
        Db::commit(tx).await
    }

    async fn purses(&self) -> Result<Vec<BuyerPurse>, StoreError> {
        self.db.all(PURSES, "purse").await
    }

    async fn purse(&self, id: PurseId) -> Result<Option<BuyerPurse>, StoreError> {
        let tx = self.db.transaction(&[PURSES], TransactionMode::ReadOnly)?;
        let value = Db::store(&tx, PURSES)?
            .get(purse_key(id))
            .await
            .map_err(failed)?;
        value.map(|v| read(&v, "purse")).transpose()
    }

    async fn add_purse(&self, purse: &BuyerPurse) -> Result<bool, StoreError> {
        let tx = self.db.transaction(&[PURSES], TransactionMode::ReadWrite)?;
        let store = Db::store(&tx, PURSES)?;
        let key = purse_key(purse.id);
        if store.key_exists(key.clone()).await.map_err(failed)? {
            Db::commit(tx).await?;
            return Ok(false);
        }
        store
            .add(&bytes_value(&purse.to_bytes()), Some(&key))
            .await
            .map_err(failed)?;
        Db::commit(tx).await?;
        Ok(true)
    }

    async fn update_purse<F>(&self, id: PurseId, change: F) -> Result<bool, StoreError>
    where
        F: FnOnce(&mut BuyerPurse) -> bool,
    {
        self.db
            .update(PURSES, purse_key(id), "purse", change)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn start_refund<F>(&self, id: PurseId, change: F) -> Result<bool, StoreError>
    where
        F: FnOnce(&mut BuyerPurse) -> Option<SavedRefund>,
    {
        let tx = self
            .db
            .transaction(&[PURSES, REFUNDS], TransactionMode::ReadWrite)?;
        let (purses, refunds) = (Db::store(&tx, PURSES)?, Db::store(&tx, REFUNDS)?);
        let key = purse_key(id);
        // As in `Db::update`: no other await between the read and the
        // writes, so the transaction stays active and no other read-write
        // transaction on these stores runs in between.
        let Some(value) = purses.get(key.clone()).await.map_err(failed)? else {
            Db::commit(tx).await?;
            return Err(StoreError::NotFound);
        };
        let mut purse: BuyerPurse = read(&value, "purse")?;
        let Some(letter) = change(&mut purse) else {
            Db::commit(tx).await?;
            return Ok(false);
        };
        purses
            .put(&bytes_value(&purse.to_bytes()), Some(&key))
            .await
            .map_err(failed)?;
        refunds
            .put(
                &bytes_value(&letter.to_bytes()),
                Some(&refund_key(letter.nonce)),
            )
            .await
            .map_err(failed)?;
        Db::commit(tx).await?;
        Ok(true)
    }

    async fn refund_letters(&self) -> Result<Vec<SavedRefund>, StoreError> {
        self.db.all(REFUNDS, "refund letter").await
    }

    async fn refund_answered(&self, nonce: Nonce, case: CaseId) -> Result<bool, StoreError> {
        self.db
            .update(
                REFUNDS,
                refund_key(nonce),
                "refund letter",
                |letter: &mut SavedRefund| {
                    letter.case = Some(case);
                    true
                },
            )
            .await
            .map(|changed| changed == Some(true))
    }

    async fn drop_refund_letter(&self, nonce: Nonce) -> Result<bool, StoreError> {
        self.db.delete(REFUNDS, refund_key(nonce)).await
    }

    async fn save_order(&self, order: &SavedOrder) -> Result<bool, StoreError> {
        self.db
            .add_once(ORDERS, refund_key(order.nonce), &order.to_bytes())
            .await
    }

    async fn orders(&self) -> Result<Vec<SavedOrder>, StoreError> {
        self.db.all(ORDERS, "purse order").await
    }

    async fn complete_order(&self, nonce: Nonce, purse: &BuyerPurse) -> Result<bool, StoreError> {
        let tx = self
            .db
            .transaction(&[PURSES, ORDERS], TransactionMode::ReadWrite)?;
        let (purses, orders) = (Db::store(&tx, PURSES)?, Db::store(&tx, ORDERS)?);
        let key = purse_key(purse.id);
        if purses.key_exists(key.clone()).await.map_err(failed)? {
            Db::commit(tx).await?;
            return Ok(false);
        }
        orders.delete(refund_key(nonce)).await.map_err(failed)?;
        purses
            .add(&bytes_value(&purse.to_bytes()), Some(&key))
            .await
            .map_err(failed)?;
        Db::commit(tx).await?;
        Ok(true)
    }

    async fn drop_order(&self, nonce: Nonce) -> Result<bool, StoreError> {
        self.db.delete(ORDERS, refund_key(nonce)).await
    }

    async fn record(&self, event: &Event) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[EVENTS], TransactionMode::ReadWrite)?;
        Db::store(&tx, EVENTS)?
            .add(&bytes_value(&event.to_bytes()), None)
            .await
            .map_err(failed)?;
        Db::commit(tx).await
    }

    async fn events(&self) -> Result<Vec<Event>, StoreError> {
        self.db.all(EVENTS, "history event").await
    }

    async fn allowance(&self, seller: KeyId) -> Result<Option<Amount>, StoreError> {
        self.db.one(META, allowance_key(seller), "allowance").await
    }

    async fn set_allowance(&self, seller: KeyId, amount: Option<Amount>) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[META], TransactionMode::ReadWrite)?;
        let meta = Db::store(&tx, META)?;
        let key = allowance_key(seller);
        match amount {
            Some(a) => meta
                .put(&bytes_value(&a.to_bytes()), Some(&key))
                .await
                .map(drop),
            None => meta.delete(key).await,
        }
        .map_err(failed)?;
        Db::commit(tx).await
    }

    async fn spend_allowance(&self, seller: KeyId, amount: Amount) -> Result<bool, StoreError> {
        self.db
            .update(
                META,
                allowance_key(seller),
                "allowance",
                |left: &mut Amount| match halfpenny_store::allowance_after_spend(*left, amount) {
                    Some(after) => {
                        *left = after;
                        true
                    }
                    None => false,
                },
            )
            .await
            .map(|changed| changed == Some(true))
    }

    async fn refund_allowance(&self, seller: KeyId, amount: Amount) -> Result<bool, StoreError> {
        self.db
            .update(
                META,
                allowance_key(seller),
                "allowance",
                |left: &mut Amount| match halfpenny_store::allowance_after_refund(*left, amount) {
                    Some(after) => {
                        *left = after;
                        true
                    }
                    None => false,
                },
            )
            .await
            .map(|changed| changed == Some(true))
    }
}
