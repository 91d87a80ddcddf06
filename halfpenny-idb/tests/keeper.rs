//! The keeper's scenarios (`halfpenny_wallet::scenarios`) on real IndexedDB
//! in headless Chromium (`wasm-bindgen-test`; see scripts/browser.sh): key
//! handling, payments, allowances and recovery after a reload, each on a
//! database of its own, every connection a new `open` of it, as a second tab
//! or a reloaded page makes.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use halfpenny_idb::{IdbStore, delete, open};
use halfpenny_wallet::scenarios::{self, Connect};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

mod common;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh, empty wallet database with a name no other scenario uses, and
/// the way to open connections to it.
async fn fresh() -> impl Connect<Store = IdbStore> {
    let name = common::unique_name("halfpenny-keeper");
    delete(&name).await.unwrap();
    move || {
        let name = name.clone();
        async move { open(&name).await.unwrap() }
    }
}

#[wasm_bindgen_test]
async fn indexeddb_runs_every_keeper_scenario() {
    scenarios::run_all(fresh).await;
}
