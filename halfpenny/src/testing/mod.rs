//! Fixed RSA-2048 keys for tests, benchmarks and demos, so that none of them
//! spends seconds generating keys. Never use in production: these private
//! keys are public. Each is PKCS#8 DER, usable by any backend.
#![allow(clippy::expect_used)]

use crate::crypto::rustcrypto::RsaKey;
use crate::crypto::{PrivateIdentity, PublicKey, SigningKey};

pub const BANK_TOKEN: &[u8] = include_bytes!("bank_token.der");
pub const BANK_SIGNING: &[u8] = include_bytes!("bank_signing.der");
pub const BANK_SEALING: &[u8] = include_bytes!("bank_sealing.der");
pub const BUYER_SIGNING: &[u8] = include_bytes!("buyer_signing.der");
pub const BUYER_SEALING: &[u8] = include_bytes!("buyer_sealing.der");
pub const SELLER_SIGNING: &[u8] = include_bytes!("seller_signing.der");
pub const SELLER_SEALING: &[u8] = include_bytes!("seller_sealing.der");
pub const OTHER_SIGNING: &[u8] = include_bytes!("other_signing.der");
pub const OTHER_SEALING: &[u8] = include_bytes!("other_sealing.der");

/// A fixture key with the pure-Rust backend.
pub fn key(der: &[u8]) -> RsaKey {
    RsaKey::from_pkcs8_der(der).expect("fixture key is valid")
}

fn identity(signing: &[u8], sealing: &[u8]) -> PrivateIdentity {
    PrivateIdentity {
        signing: Box::new(key(signing)),
        sealing: Box::new(key(sealing)),
    }
}

/// The bank's token-signing key.
pub fn bank_token_key() -> RsaKey {
    key(BANK_TOKEN)
}

/// The public half of the bank's token key, for tills.
pub fn bank_token_public() -> PublicKey {
    bank_token_key().public_key().clone()
}

pub fn bank_identity() -> PrivateIdentity {
    identity(BANK_SIGNING, BANK_SEALING)
}

pub fn buyer_identity() -> PrivateIdentity {
    identity(BUYER_SIGNING, BUYER_SEALING)
}

pub fn seller_identity() -> PrivateIdentity {
    identity(SELLER_SIGNING, SELLER_SEALING)
}

/// A third party: another buyer, a forger, an auditor.
pub fn other_identity() -> PrivateIdentity {
    identity(OTHER_SIGNING, OTHER_SEALING)
}

/// A token key of a bank that is not ours.
pub fn other_token_key() -> RsaKey {
    key(OTHER_SIGNING)
}
