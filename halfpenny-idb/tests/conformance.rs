//! The storage conformance suite against real IndexedDB in headless Chromium
//! (`wasm-bindgen-test`; see scripts/browser.sh), plus what only a browser
//! can show: the data outlives the connection, a version-1 database keeps
//! everything when upgraded, and two writers racing for
//! one half never both get it.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use halfpenny::wallet::HalfState;
use halfpenny::{Nonce, SessionSerial};
use halfpenny_idb::{IdbStore, delete, open};
use halfpenny_store::{WalletStore, conformance};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

mod common;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh, empty database with a name no other check uses.
async fn fresh() -> IdbStore {
    let name = common::unique_name("halfpenny-conformance");
    delete(&name).await.unwrap();
    open(&name).await.unwrap()
}

/// The conformance suite on IndexedDB, one test per check.
mod suite {
    use super::fresh;
    use wasm_bindgen_test::wasm_bindgen_test;

    halfpenny_store::wallet_store_conformance!(async #[wasm_bindgen_test] fresh);
}

#[wasm_bindgen_test]
async fn a_wallet_reopened_finds_everything() {
    delete("halfpenny-reopen").await.unwrap();
    let purse = conformance::purse(3, 4);
    {
        let store = open("halfpenny-reopen").await.unwrap();
        store
            .create_identity(&conformance::identity(1))
            .await
            .unwrap();
        store.add_purse(&purse).await.unwrap();
    }
    let again = open("halfpenny-reopen").await.unwrap();
    assert_eq!(
        again.identity().await.unwrap(),
        Some(conformance::identity(1))
    );
    assert_eq!(again.purses().await.unwrap(), vec![purse]);
}

#[wasm_bindgen_test]
async fn two_connections_racing_for_one_half_never_both_get_it() {
    delete("halfpenny-race").await.unwrap();
    // Two connections to one database, as two tabs have.
    let (a, b) = (
        open("halfpenny-race").await.unwrap(),
        open("halfpenny-race").await.unwrap(),
    );
    let purse = conformance::purse(5, 1);
    a.add_purse(&purse).await.unwrap();
    let take = |n: u8| {
        move |p: &mut halfpenny::wallet::BuyerPurse| {
            let h = p.halves.get_mut(&SessionSerial(0)).unwrap();
            if h.state != HalfState::Available {
                return false;
            }
            h.state = HalfState::Pending(Nonce([n; 16]));
            true
        }
    };
    let (first, second) = conformance::join(
        a.update_purse(purse.id, take(1)),
        b.update_purse(purse.id, take(2)),
    )
    .await;
    let (first, second) = (first.unwrap(), second.unwrap());
    assert!(
        first ^ second,
        "exactly one writer takes the half: {first} {second}"
    );
    let winner = if first { 1 } else { 2 };
    assert_eq!(
        a.purse(purse.id).await.unwrap().unwrap().halves[&SessionSerial(0)].state,
        HalfState::Pending(Nonce([winner; 16]))
    );
}

#[wasm_bindgen_test]
async fn two_connections_spending_the_last_allowance_never_both_get_it() {
    use halfpenny::{Amount, Currency, KeyId};
    delete("halfpenny-allowance-race").await.unwrap();
    let (a, b) = (
        open("halfpenny-allowance-race").await.unwrap(),
        open("halfpenny-allowance-race").await.unwrap(),
    );
    let (shop, cents) = (KeyId([9; 32]), |m| Amount::new(m, Currency::USD));
    a.set_allowance(shop, Some(cents(5))).await.unwrap();
    let (first, second) = conformance::join(
        a.spend_allowance(shop, cents(3)),
        b.spend_allowance(shop, cents(3)),
    )
    .await;
    let (first, second) = (first.unwrap(), second.unwrap());
    assert!(first ^ second, "exactly one spend: {first} {second}");
    assert_eq!(b.allowance(shop).await, Ok(Some(cents(2))));
}

#[wasm_bindgen_test]
async fn a_backup_restores_into_another_browser_database() {
    use halfpenny_store::backup;
    use rand_core::SeedableRng;
    let from = fresh().await;
    from.create_identity(&conformance::identity(1))
        .await
        .unwrap();
    from.add_purse(&conformance::purse(1, 3)).await.unwrap();
    from.add_purse(&conformance::purse(2, 2)).await.unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let file = backup::export(&from, "a long passphrase", &mut rng)
        .await
        .unwrap();
    let to = fresh().await;
    assert_eq!(
        backup::import(&to, &file, "not the passphrase").await,
        Err(backup::BackupError::WrongPassphrase)
    );
    assert_eq!(
        to.identity().await,
        Ok(None),
        "a refused backup changes nothing"
    );
    backup::import(&to, &file, "a long passphrase")
        .await
        .unwrap();
    assert_eq!(to.identity().await, from.identity().await);
    assert_eq!(to.purses().await, from.purses().await);
}

#[wasm_bindgen_test]
async fn a_version_1_wallet_keeps_everything_when_upgraded() {
    use halfpenny::wire::Encode;
    use halfpenny::{Amount, Currency, Nonce, SessionSerial, Timestamp};
    use halfpenny_store::{Event, EventKind, SavedRefund};
    use rexie::{ObjectStore, Rexie, TransactionMode};
    use wasm_bindgen::JsValue;

    let name = common::unique_name("halfpenny-version-1");
    delete(&name).await.unwrap();
    let (identity, purse) = (conformance::identity(1), conformance::purse(3, 4));
    let event = Event {
        at: Timestamp(1_795_478_400),
        purse: purse.id,
        amount: Amount::new(4, Currency::USD),
        kind: EventKind::PurseReceived,
    };
    let bytes = |b: Vec<u8>| JsValue::from(js_sys::Uint8Array::from(b.as_slice()));
    {
        // The database exactly as a version-1 wallet made and filled it.
        let v1 = Rexie::builder(&name)
            .version(1)
            .add_object_store(ObjectStore::new("meta"))
            .add_object_store(ObjectStore::new("purses"))
            .add_object_store(ObjectStore::new("events").auto_increment(true))
            .build()
            .await
            .unwrap();
        let tx = v1
            .transaction(&["meta", "purses", "events"], TransactionMode::ReadWrite)
            .unwrap();
        tx.store("meta")
            .unwrap()
            .put(
                &bytes(identity.to_bytes()),
                Some(&JsValue::from_str("identity")),
            )
            .await
            .unwrap();
        tx.store("purses")
            .unwrap()
            .put(
                &bytes(purse.to_bytes()),
                Some(&JsValue::from_str(&purse.id.to_hex())),
            )
            .await
            .unwrap();
        tx.store("events")
            .unwrap()
            .add(&bytes(event.to_bytes()), None)
            .await
            .unwrap();
        assert!(tx.done().await.unwrap().is_committed());
        v1.close();
    }
    let store = open(&name).await.unwrap();
    assert_eq!(store.identity().await, Ok(Some(identity)));
    assert_eq!(store.purses().await, Ok(vec![purse.clone()]));
    assert_eq!(store.events().await, Ok(vec![event]));
    assert_eq!(store.refund_letters().await, Ok(vec![]));
    // The new store works on the old purse.
    let letter = SavedRefund {
        nonce: Nonce([5; 16]),
        purse: purse.id,
        sessions: vec![SessionSerial(1)],
        letter: vec![5; 700],
        created_at: Timestamp(1_795_478_400),
        case: None,
    };
    assert_eq!(
        store
            .start_refund(purse.id, |p| {
                p.halves.get_mut(&SessionSerial(1)).unwrap().state = HalfState::Refunding;
                Some(letter.clone())
            })
            .await,
        Ok(true)
    );
    assert_eq!(store.refund_letters().await, Ok(vec![letter]));
    assert_eq!(
        store.purse(purse.id).await.unwrap().unwrap().refunding(),
        Amount::new(1, Currency::USD)
    );
}
