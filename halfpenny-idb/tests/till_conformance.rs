//! The till's storage conformance suite against real IndexedDB in headless
//! Chromium (`wasm-bindgen-test`; see scripts/browser.sh), plus what only a
//! browser can show: the till outlives its connection, and two till tabs
//! racing to accept the same halves never both get them.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use halfpenny::{Nonce, SessionSerial};
use halfpenny_idb::till::{IdbTillStore, delete, open};
use halfpenny_till_store::{Kept, TillStore, conformance};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

mod common;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh, empty till database with a name no other check uses.
async fn fresh() -> IdbTillStore {
    let name = common::unique_name("halfpenny-till-conformance");
    delete(&name).await.unwrap();
    open(&name).await.unwrap()
}

/// The till's conformance suite on IndexedDB, one test per check.
mod suite {
    use super::fresh;
    use wasm_bindgen_test::wasm_bindgen_test;

    halfpenny_till_store::till_store_conformance!(async #[wasm_bindgen_test] fresh);
}

#[wasm_bindgen_test]
async fn a_till_reopened_finds_everything() {
    delete("halfpenny-till-reopen").await.unwrap();
    let purse = conformance::purse(3, 4);
    let accepted = conformance::acceptance(&purse, 1, &[0, 2]);
    {
        let store = open("halfpenny-till-reopen").await.unwrap();
        store
            .create_identity(&conformance::identity(1))
            .await
            .unwrap();
        store.add_purse(&purse).await.unwrap();
        assert_eq!(store.keep_payment(&accepted).await, Ok(Kept::Taken));
    }
    let again = open("halfpenny-till-reopen").await.unwrap();
    assert_eq!(
        again.identity().await.unwrap(),
        Some(conformance::identity(1))
    );
    assert_eq!(
        again.purse(purse.id).await.unwrap().unwrap().halves.len(),
        2
    );
    assert_eq!(
        again.receipt(Nonce([1; 16])).await.unwrap(),
        Some(accepted.receipt)
    );
    assert_eq!(again.unredeemed().await.unwrap().len(), 1);
}

#[wasm_bindgen_test]
async fn the_till_and_the_wallet_keep_separate_databases() {
    use halfpenny_store::WalletStore;
    halfpenny_idb::delete("halfpenny-side-by-side")
        .await
        .unwrap();
    delete("halfpenny-side-by-side-till").await.unwrap();
    let wallet = halfpenny_idb::open("halfpenny-side-by-side").await.unwrap();
    let till = open("halfpenny-side-by-side-till").await.unwrap();
    wallet
        .create_identity(&halfpenny_store::conformance::identity(1))
        .await
        .unwrap();
    assert_eq!(till.identity().await, Ok(None));
}

#[wasm_bindgen_test]
async fn two_connections_racing_for_the_same_halves_never_both_get_them() {
    delete("halfpenny-till-race").await.unwrap();
    // Two connections to one database, as two till tabs have.
    let (a, b) = (
        open("halfpenny-till-race").await.unwrap(),
        open("halfpenny-till-race").await.unwrap(),
    );
    let purse = conformance::purse(5, 3);
    a.add_purse(&purse).await.unwrap();
    // The same payment's halves, judged in each tab against its own request
    // (a replay under a new request nonce), kept at the same moment.
    let first = conformance::acceptance(&purse, 1, &[0, 1]);
    let second = conformance::acceptance(&purse, 2, &[0, 1]);
    let (x, y) =
        halfpenny_store::conformance::join(a.keep_payment(&first), b.keep_payment(&second)).await;
    let (x, y) = (x.unwrap(), y.unwrap());
    let won = [&x, &y].iter().filter(|k| ***k == Kept::Taken).count();
    let lost = [&x, &y].iter().filter(|k| ***k == Kept::HalvesGone).count();
    assert_eq!(
        (won, lost),
        (1, 1),
        "exactly one tab takes the halves: {x:?} {y:?}"
    );
    let winner = if x == Kept::Taken { 1 } else { 2 };
    let saved = a.purse(purse.id).await.unwrap().unwrap();
    assert_eq!(saved.halves.len(), 1);
    assert!(saved.spent.contains(&SessionSerial(0)));
    let unredeemed = b.unredeemed().await.unwrap();
    assert_eq!(unredeemed.len(), 1);
    assert_eq!(unredeemed[0].payment, Nonce([winner; 16]));
    assert_eq!(b.receipt(Nonce([3 - winner; 16])).await, Ok(None));
}

#[wasm_bindgen_test]
async fn two_connections_racing_with_update_purse_never_both_consume() {
    delete("halfpenny-till-race-update").await.unwrap();
    let (a, b) = (
        open("halfpenny-till-race-update").await.unwrap(),
        open("halfpenny-till-race-update").await.unwrap(),
    );
    let purse = conformance::purse(6, 2);
    a.add_purse(&purse).await.unwrap();
    let first = conformance::acceptance(&purse, 1, &[1]);
    let second = conformance::acceptance(&purse, 2, &[1]);
    let (x, y) = halfpenny_store::conformance::join(
        a.update_purse(purse.id, |p| p.apply(&first)),
        b.update_purse(purse.id, |p| p.apply(&second)),
    )
    .await;
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(x ^ y, "exactly one writer consumes the half: {x} {y}");
}
