//! Fixed RSA-2048 keys for tests, benchmarks and the narrated walk-through,
//! so that none of them spends seconds generating keys. Never use in production:
//! these private keys are public.
#![allow(clippy::expect_used)]

use crate::crypto::rustcrypto::RsaKey;
use crate::crypto::{PrivateIdentity, SigningKey};

macro_rules! key {
    ($name:literal) => {
        RsaKey::from_pkcs8_der(include_bytes!(concat!($name, ".der"))).expect("fixture key is valid")
    };
}

/// The bank's token-signing key.
pub fn bank_token_key() -> RsaKey {
    key!("bank_token")
}

fn identity(signing: RsaKey, sealing: RsaKey) -> PrivateIdentity {
    PrivateIdentity { signing: Box::new(signing), sealing: Box::new(sealing) }
}

pub fn bank_identity() -> PrivateIdentity {
    identity(key!("bank_signing"), key!("bank_sealing"))
}

pub fn buyer_identity() -> PrivateIdentity {
    identity(key!("buyer_signing"), key!("buyer_sealing"))
}

pub fn seller_identity() -> PrivateIdentity {
    identity(key!("seller_signing"), key!("seller_sealing"))
}

/// A third party: another buyer, a forger, an auditor.
pub fn other_identity() -> PrivateIdentity {
    identity(key!("other_signing"), key!("other_sealing"))
}

/// A token key of a bank that is not ours.
pub fn other_token_key() -> RsaKey {
    key!("other_signing")
}

/// The public key of the bank's token key, for tills.
pub fn bank_token_public() -> crate::crypto::PublicKey {
    bank_token_key().public_key().clone()
}
