//! # halfpenny-pay-protocol: the pay protocol's messages, typed once
//!
//! The messages the pay button (`shop-widget`, on the shop's page) and the
//! wallet page (`wallet-wasm`, in the popup the button opened) exchange by
//! `postMessage`, both ways, as plain serde types; the checks on every
//! field (prefixes, sizes, codes, nonces); and [`Message::encode`] /
//! [`Message::decode`], the only way either side builds or reads one. A
//! change to a message that one side does not follow fails to compile.
//!
//! The protocol itself is described in `shop-widget/PROTOCOL.md`. No
//! web-sys here: it builds natively (and is tested so) and for wasm32.

mod message;
mod texts;

pub use message::{
    FromWallet, Kind, MAX_KIND, MAX_MESSAGE, Message, ProtocolError, ToWallet, VERSION,
};
pub use texts::{
    MAX_CODE, MAX_PLAIN, MAX_SPENT, PAYMENT, PAYMENT_REQUEST, PURSE, PURSE_REQUEST, RECEIPT,
    TextKind, valid_code, valid_nonce, valid_spent,
};
