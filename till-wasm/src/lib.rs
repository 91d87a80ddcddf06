//! # till-wasm: the seller's till in the browser
//!
//! A kiosk, a newsstand or a parking meter takes Halfpenny payments with no
//! network: the buyer's wallet and the till swap short text codes (or a QR
//! code), and the core `Till` judges every payment against the seller's
//! halves kept in IndexedDB. The bank is needed only to forward a purse
//! request and, at the end of the day, to redeem the takings.
//!
//! [`desk::TillDesk`] drives the core over a `TillStore` (plain values, no
//! signals; tested natively with the in-memory store); [`qr`] draws a QR
//! code as SVG; the page itself (`app`, `bank_api`, `browser`) exists only
//! in `wasm32` builds. `scripts/till.sh` builds it into `static/till/pkg/`.

pub mod desk;
pub mod qr;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod bank_api;
#[cfg(target_arch = "wasm32")]
mod browser;

/// Mounts the till on the page.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
