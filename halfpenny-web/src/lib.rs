//! # halfpenny-web: what the browser apps share
//!
//! The buyer's wallet (`wallet-wasm`) and the seller's till (`till-wasm`)
//! are two Leptos apps with the same needs of the browser and of the bank:
//!
//! - [`qr`]: a text code as a QR code in SVG;
//! - [`error`]: what it cannot do, as data (`CallError`, the bank's answer
//!   as it came; `BrowserError`; `EnrolError`); each page words them in its
//!   own view;
//! - [`sentence`]: a message as people read it, a helper for those views.
//!
//! These three are plain Rust, built everywhere (the till's desk uses them in
//! native tests). The rest exists only in `wasm32` builds:
//!
//! - `bank_api`: `BankApi`, the bank's HTTP API over `fetch` (its public
//!   keys, registering, the inbox, and `request` for an app's own
//!   requests), failing with a typed `CallError`;
//! - `browser`: the clock, randomness, a repaint, the page's origin,
//!   downloads, file reads, closing a popup, failing with a typed
//!   `BrowserError`;
//! - `enrol`: making an identity's keys and registering them at the bank;
//! - `background`: running work with a progress line and an error line;
//! - `controls`: Leptos fields bound to signals, and a button that waits
//!   while work runs;
//! - `notice`: a line that shows while a signal holds a text.

pub mod error;
pub mod qr;

pub use error::{BrowserError, CallError, EnrolError};
/// The core's wording of an error, re-exported for the pages.
pub use halfpenny::sentence;

#[cfg(target_arch = "wasm32")]
pub mod background;
#[cfg(target_arch = "wasm32")]
pub mod bank_api;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod controls;
#[cfg(target_arch = "wasm32")]
pub mod enrol;
#[cfg(target_arch = "wasm32")]
pub mod notice;

#[cfg(target_arch = "wasm32")]
pub use background::{at_once, in_background};
#[cfg(target_arch = "wasm32")]
pub use bank_api::BankApi;
