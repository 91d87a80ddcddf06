//! What every Halfpenny HTTP server shares (`bank-server`, `shop-server`).
//! It picks no HTTP status: each server's own `error.rs` decides them, this
//! crate's errors carry stable codes and sentences only.

pub mod api_error;
pub mod blocking;
pub mod body;
pub mod clock;
pub mod error_view;
pub mod json_text;
pub mod keys;
pub mod logging;
pub mod operator;
pub mod retry;
pub mod rng;
pub mod shutdown;
pub mod store;
pub mod views;
