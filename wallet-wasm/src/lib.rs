//! # wallet-wasm: the buyer's wallet page
//!
//! A client-side Leptos app on top of `halfpenny-wallet`'s `Keeper`, with her
//! keys, purses and history in IndexedDB (`halfpenny-idb`). The app only
//! shows state and moves messages: every decision about a half is the
//! keeper's, and every change is saved before anything is sent.
//!
//! Only `wasm32` builds contain code; `scripts/wallet.sh` builds it with
//! cargo and wasm-bindgen into `static/wallet/pkg/`.
#![cfg(target_arch = "wasm32")]

mod app;
mod bank_api;
mod courier;
mod in_person;
mod pay;
mod pending;
mod shop_link;
mod wallet;

pub(crate) use halfpenny_web::sentence;

/// Mounts the wallet on the page (not in the unit tests, which run in Node).
#[cfg_attr(not(test), wasm_bindgen::prelude::wasm_bindgen(start))]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
