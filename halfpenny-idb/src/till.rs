//! The till's store in the browser: [`IdbTillStore`] keeps a seller's
//! identity, purses, payment requests, receipts, unredeemed tokens and
//! refusals in its own IndexedDB database, as the bytes the core encodes.
//! Each method is one IndexedDB transaction; [`TillStore::keep_payment`]
//! reads the purse, consumes the halves and writes purse, tokens and receipt
//! inside one read-write transaction, and the browser runs read-write
//! transactions on the same stores one after another, across tabs too, so
//! two till tabs can never accept the same half twice.

use halfpenny::messages::{ForwardedPurseRequest, PaymentRequest, Receipt};
use halfpenny::till::{Acceptance, SellerPurse};
use halfpenny::wire::{Encode, TextForm};
use halfpenny::{Nonce, PurseId};
use halfpenny_till_store::{Kept, Refusal, SavedIdentity, StoreError, TakenTokens, TillStore};
use rexie::{ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::JsValue;

use crate::db::{Db, bytes_value, failed, purse_key, read};

/// The till database's own version (it is not the wallet's database).
/// Version 1: `meta` (the identity under the key `identity`), `purses`
/// (keyed by purse id in hex), `offers`, `receipts`, `tokens` (unredeemed,
/// one record per payment) and `handed_in` (keyed by payment nonce in hex,
/// so reading them gives nonce order), `refusals` (auto-numbered in order).
/// Version 2 added `orders` (purse requests forwarded and not yet answered,
/// keyed by their text form); upgrading keeps every earlier record.
pub const TILL_SCHEMA_VERSION: u32 = 2;

const META: &str = "meta";
const PURSES: &str = "purses";
const ORDERS: &str = "orders";
const OFFERS: &str = "offers";
const RECEIPTS: &str = "receipts";
const TOKENS: &str = "tokens";
const HANDED_IN: &str = "handed_in";
const REFUSALS: &str = "refusals";
const IDENTITY_KEY: &str = "identity";

/// A till kept in one IndexedDB database.
#[derive(Debug)]
pub struct IdbTillStore {
    db: Db,
}

/// Opens (creating or upgrading) the till database `name`.
pub async fn open(name: &str) -> Result<IdbTillStore, StoreError> {
    let db = Rexie::builder(name)
        .version(TILL_SCHEMA_VERSION)
        .add_object_store(ObjectStore::new(META))
        .add_object_store(ObjectStore::new(PURSES))
        .add_object_store(ObjectStore::new(ORDERS))
        .add_object_store(ObjectStore::new(OFFERS))
        .add_object_store(ObjectStore::new(RECEIPTS))
        .add_object_store(ObjectStore::new(TOKENS))
        .add_object_store(ObjectStore::new(HANDED_IN))
        .add_object_store(ObjectStore::new(REFUSALS).auto_increment(true))
        .build()
        .await
        .map_err(failed)?;
    Ok(IdbTillStore { db: Db(db) })
}

/// Deletes the till database `name` (tests, and "forget this till").
pub async fn delete(name: &str) -> Result<(), StoreError> {
    Rexie::delete(name).await.map_err(failed)
}

fn nonce_key(n: Nonce) -> JsValue {
    JsValue::from_str(&n.to_hex())
}

impl TillStore for IdbTillStore {
    async fn identity(&self) -> Result<Option<SavedIdentity>, StoreError> {
        self.db
            .one(META, JsValue::from_str(IDENTITY_KEY), "identity")
            .await
    }

    async fn create_identity(&self, identity: &SavedIdentity) -> Result<bool, StoreError> {
        self.db
            .add_once(META, JsValue::from_str(IDENTITY_KEY), &identity.to_bytes())
            .await
    }

    async fn purses(&self) -> Result<Vec<SellerPurse>, StoreError> {
        self.db.all(PURSES, "purse").await
    }

    async fn purse(&self, id: PurseId) -> Result<Option<SellerPurse>, StoreError> {
        self.db.one(PURSES, purse_key(id), "purse").await
    }

    async fn add_purse(&self, purse: &SellerPurse) -> Result<bool, StoreError> {
        self.db
            .add_once(PURSES, purse_key(purse.id), &purse.to_bytes())
            .await
    }

    async fn update_purse<F>(&self, id: PurseId, change: F) -> Result<bool, StoreError>
    where
        F: FnOnce(&mut SellerPurse) -> bool,
    {
        self.db
            .update(PURSES, purse_key(id), "purse", change)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn remove_purse(&self, id: PurseId) -> Result<bool, StoreError> {
        let tx = self.db.transaction(&[PURSES], TransactionMode::ReadWrite)?;
        let store = Db::store(&tx, PURSES)?;
        let key = purse_key(id);
        let found = store.key_exists(key.clone()).await.map_err(failed)?;
        if found {
            store.delete(key).await.map_err(failed)?;
        }
        Db::commit(tx).await?;
        Ok(found)
    }

    async fn save_order(&self, order: &ForwardedPurseRequest) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[ORDERS], TransactionMode::ReadWrite)?;
        Db::store(&tx, ORDERS)?
            .put(
                &bytes_value(&order.to_bytes()),
                Some(&JsValue::from_str(&order.to_text())),
            )
            .await
            .map_err(failed)?;
        Db::commit(tx).await
    }

    async fn orders(&self) -> Result<Vec<ForwardedPurseRequest>, StoreError> {
        self.db.all(ORDERS, "purse order").await
    }

    async fn drop_order(&self, order: &ForwardedPurseRequest) -> Result<bool, StoreError> {
        self.db
            .delete(ORDERS, JsValue::from_str(&order.to_text()))
            .await
    }

    async fn save_offer(&self, request: &PaymentRequest) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[OFFERS], TransactionMode::ReadWrite)?;
        Db::store(&tx, OFFERS)?
            .put(
                &bytes_value(&request.to_bytes()),
                Some(&nonce_key(request.payment)),
            )
            .await
            .map_err(failed)?;
        Db::commit(tx).await
    }

    async fn offer(&self, payment: Nonce) -> Result<Option<PaymentRequest>, StoreError> {
        self.db
            .one(OFFERS, nonce_key(payment), "payment request")
            .await
    }

    async fn keep_payment(&self, accepted: &Acceptance) -> Result<Kept, StoreError> {
        let tx = self
            .db
            .transaction(&[PURSES, TOKENS, RECEIPTS], TransactionMode::ReadWrite)?;
        let (purses, tokens, receipts) = (
            Db::store(&tx, PURSES)?,
            Db::store(&tx, TOKENS)?,
            Db::store(&tx, RECEIPTS)?,
        );
        let nonce = nonce_key(accepted.receipt.payment);
        if let Some(first) = receipts.get(nonce.clone()).await.map_err(failed)? {
            let first: Receipt = read(&first, "receipt")?;
            Db::commit(tx).await?;
            return Ok(Kept::AlreadyTaken(first));
        }
        let key = purse_key(accepted.receipt.purse);
        let Some(value) = purses.get(key.clone()).await.map_err(failed)? else {
            Db::commit(tx).await?;
            return Err(StoreError::NotFound);
        };
        let mut purse: SellerPurse = read(&value, "purse")?;
        if !purse.apply(accepted) {
            Db::commit(tx).await?;
            return Ok(Kept::HalvesGone);
        }
        let taken = TakenTokens {
            payment: accepted.receipt.payment,
            tokens: accepted.tokens.clone(),
        };
        purses
            .put(&bytes_value(&purse.to_bytes()), Some(&key))
            .await
            .map_err(failed)?;
        tokens
            .put(&bytes_value(&taken.to_bytes()), Some(&nonce))
            .await
            .map_err(failed)?;
        receipts
            .put(&bytes_value(&accepted.receipt.to_bytes()), Some(&nonce))
            .await
            .map_err(failed)?;
        Db::commit(tx).await?;
        Ok(Kept::Taken)
    }

    async fn receipt(&self, payment: Nonce) -> Result<Option<Receipt>, StoreError> {
        self.db.one(RECEIPTS, nonce_key(payment), "receipt").await
    }

    async fn unredeemed(&self) -> Result<Vec<TakenTokens>, StoreError> {
        self.db.all(TOKENS, "tokens").await
    }

    async fn hand_in(&self, payments: &[Nonce]) -> Result<usize, StoreError> {
        let tx = self
            .db
            .transaction(&[TOKENS, HANDED_IN], TransactionMode::ReadWrite)?;
        let (tokens, handed) = (Db::store(&tx, TOKENS)?, Db::store(&tx, HANDED_IN)?);
        let mut moved = 0;
        for p in payments {
            let key = nonce_key(*p);
            if let Some(value) = tokens.get(key.clone()).await.map_err(failed)? {
                handed.put(&value, Some(&key)).await.map_err(failed)?;
                tokens.delete(key).await.map_err(failed)?;
                moved += 1;
            }
        }
        Db::commit(tx).await?;
        Ok(moved)
    }

    async fn handed_in(&self) -> Result<Vec<TakenTokens>, StoreError> {
        self.db.all(HANDED_IN, "tokens").await
    }

    async fn record_refusal(&self, refusal: &Refusal) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(&[REFUSALS], TransactionMode::ReadWrite)?;
        Db::store(&tx, REFUSALS)?
            .add(&bytes_value(&refusal.to_bytes()), None)
            .await
            .map_err(failed)?;
        Db::commit(tx).await
    }

    async fn refusals(&self) -> Result<Vec<Refusal>, StoreError> {
        self.db.all(REFUSALS, "refusal").await
    }
}
