//! # till-wasm: the seller's till in the browser
//!
//! A kiosk, a newsstand or a parking meter takes Halfpenny payments with no
//! network: the buyer's wallet and the till swap short text codes (or a QR
//! code), and the core `Till` judges every payment against the seller's
//! halves kept in IndexedDB. The bank is needed only to forward a purse
//! request and, at the end of the day, to redeem the takings.
//!
//! The till's driver is `halfpenny_till::TillDesk` and its flows (plain
//! values, no signals; tested natively there against the in-memory store
//! and bank); this crate is its host: [`desk`] re-exports it with what only
//! the page says, [`sentences`] words what `halfpenny-web` could not do,
//! and the page itself (`app`, and `bank_api`, the driver's
//! `BankLink` over `fetch`) exists only in `wasm32` builds, taking what it
//! shares with the wallet (the bank's API, the browser, QR codes) from
//! `halfpenny-web`. `scripts/till.sh` builds it into `static/till/pkg/`.

pub mod desk;
pub mod sentences;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod bank_api;

/// Mounts the till on the page.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
