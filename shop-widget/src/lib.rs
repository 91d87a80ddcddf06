//! `<halfpenny-pay>`: the pay button a shop puts on its pages.
//!
//! It runs in the buyer's browser, on the shop's origin. On a click it opens
//! the buyer's wallet (on the bank's origin) in a popup and relays the pay
//! protocol between the wallet and the shop server: purse requests, the
//! buyer's halves, receipts. It holds no seller halves and decides nothing;
//! the shop server's till does. See `PROTOCOL.md` for the messages and
//! `README.md` for how a shop uses it.
//!
//! The pure logic — attributes, prices, reading and building messages, the
//! checks on origins and on everything that arrives — builds and is tested
//! natively; the browser glue (`element`, `session`, `js`, the fetch calls)
//! is compiled for wasm32 only.

pub mod attributes;
pub mod error;
pub mod messages;
pub mod price;
pub mod shop_api;

#[cfg(target_arch = "wasm32")]
mod element;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod session;

#[cfg(target_arch = "wasm32")]
pub use element::{changed, connected};
