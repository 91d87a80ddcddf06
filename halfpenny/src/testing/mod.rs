//! Fixed RSA-2048 and Ed25519 keys for tests, benchmarks and demos, so that
//! none of them spends seconds generating keys. Never use in production: these
//! private keys are public. Each is PKCS#8 DER, usable by any backend.
#![allow(clippy::expect_used)]

use crate::crypto::ed25519::Ed25519Key;
use crate::crypto::rustcrypto::RsaKey;
use crate::crypto::{PrivateIdentity, PublicKey, SigningKey};
use crate::suite::Suite;

pub const BANK_TOKEN: &[u8] = include_bytes!("bank_token.der");
pub const BANK_TOKEN_ED25519: &[u8] = include_bytes!("bank_token_ed25519.der");
pub const OTHER_TOKEN_ED25519: &[u8] = include_bytes!("other_token_ed25519.der");
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

/// The bank's token key for one suite.
pub fn bank_token_key_for(suite: Suite) -> Box<dyn SigningKey> {
    match suite {
        Suite::Rsa2048Sha256 => Box::new(bank_token_key()),
        Suite::Ed25519 => Box::new(ed25519_key(BANK_TOKEN_ED25519)),
    }
}

/// The bank's token keys, one per suite, as a bank is built with them.
pub fn bank_token_keys() -> Vec<Box<dyn SigningKey>> {
    Suite::ALL.into_iter().map(bank_token_key_for).collect()
}

pub fn bank_token_public_for(suite: Suite) -> PublicKey {
    bank_token_key_for(suite).public_key().clone()
}

/// A token key of a bank that is not ours, for one suite.
pub fn other_token_key_for(suite: Suite) -> Box<dyn SigningKey> {
    match suite {
        Suite::Rsa2048Sha256 => Box::new(other_token_key()),
        Suite::Ed25519 => Box::new(ed25519_key(OTHER_TOKEN_ED25519)),
    }
}

fn ed25519_key(der: &[u8]) -> Ed25519Key {
    Ed25519Key::from_pkcs8_der(der).expect("fixture key is valid")
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
