//! Token-signature suites: which scheme a bank signs a token with, and the
//! public key it publishes for each.
//!
//! Only tokens carry a suite. Letters are always signed with RSA-2048 and
//! sealed with RSA-OAEP, whatever suite the tokens inside them use.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::crypto::ed25519::ED25519_SIGNATURE_BYTES;
use crate::crypto::{Backend, CryptoError, KeyAlgorithm, PublicKey, RSA_2048_BYTES, VerifyingKey};
use crate::wire::{Decode, Encode, Reader, WireError, Writer};

/// The signature scheme a token is signed with.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[repr(u8)]
pub enum Suite {
    /// RSA-2048, PKCS#1 v1.5, SHA-256: what the patent describes; the default.
    Rsa2048Sha256 = 1,
    /// Ed25519 (RFC 8032): much faster to sign, and halves small enough for a QR code.
    Ed25519 = 2,
}

impl Suite {
    /// Every suite, in wire-tag order.
    pub const ALL: [Suite; 2] = [Suite::Rsa2048Sha256, Suite::Ed25519];

    pub fn signature_len(self) -> usize {
        match self {
            Suite::Rsa2048Sha256 => RSA_2048_BYTES,
            Suite::Ed25519 => ED25519_SIGNATURE_BYTES,
        }
    }

    /// The kind of key that signs this suite's tokens.
    pub fn key_algorithm(self) -> KeyAlgorithm {
        match self {
            Suite::Rsa2048Sha256 => KeyAlgorithm::Rsa2048,
            Suite::Ed25519 => KeyAlgorithm::Ed25519,
        }
    }

    /// The suite whose tokens a key of this kind signs.
    pub fn of_key(key: &PublicKey) -> Suite {
        match key.algorithm() {
            KeyAlgorithm::Rsa2048 => Suite::Rsa2048Sha256,
            KeyAlgorithm::Ed25519 => Suite::Ed25519,
        }
    }

    /// The stable name used in configuration and on the wire in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Suite::Rsa2048Sha256 => "rsa2048-sha256",
            Suite::Ed25519 => "ed25519",
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A suite name that is not one of [`Suite::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown token suite `{0}`; the suites are rsa2048-sha256 and ed25519")]
pub struct UnknownSuite(pub String);

impl FromStr for Suite {
    type Err = UnknownSuite;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Suite::ALL
            .into_iter()
            .find(|suite| suite.name() == s)
            .ok_or_else(|| UnknownSuite(s.chars().take(40).collect()))
    }
}

impl Encode for Suite {
    fn encode(&self, w: &mut Writer) {
        w.u8(*self as u8);
    }
}

impl Decode for Suite {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let tag = r.u8()?;
        Suite::ALL
            .into_iter()
            .find(|suite| *suite as u8 == tag)
            .ok_or(WireError::UnknownTag {
                field: "signature suite",
                tag,
            })
    }
}

/// The bank's public token keys, at most one per suite.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TokenKeys(BTreeMap<Suite, PublicKey>);

impl TokenKeys {
    /// Sorts keys by the suite they sign; refuses two keys for one suite.
    pub fn new(keys: impl IntoIterator<Item = PublicKey>) -> Result<Self, CryptoError> {
        let mut map = BTreeMap::new();
        for key in keys {
            if map.insert(Suite::of_key(&key), key).is_some() {
                return Err(CryptoError::BadPublicKey);
            }
        }
        Ok(Self(map))
    }

    pub fn get(&self, suite: Suite) -> Option<&PublicKey> {
        self.0.get(&suite)
    }

    pub fn iter(&self) -> impl Iterator<Item = (Suite, &PublicKey)> {
        self.0.iter().map(|(s, k)| (*s, k))
    }

    /// A verifier for every key, parsed once.
    pub fn verifiers(
        &self,
        backend: &dyn Backend,
    ) -> Result<BTreeMap<Suite, Box<dyn VerifyingKey>>, CryptoError> {
        self.iter()
            .map(|(suite, key)| Ok((suite, backend.verifying_key(key)?)))
            .collect()
    }
}

/// A u8 count, then each suite and its key, in suite order.
impl Encode for TokenKeys {
    fn encode(&self, w: &mut Writer) {
        w.u8(self.0.len() as u8);
        for (suite, key) in &self.0 {
            suite.encode(w);
            key.encode(w);
        }
    }
}

impl Decode for TokenKeys {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let count = usize::from(r.u8()?);
        if count > Suite::ALL.len() {
            return Err(WireError::TooLong {
                field: "token keys",
                len: count,
                max: Suite::ALL.len(),
            });
        }
        let mut map = BTreeMap::new();
        for _ in 0..count {
            let suite = Suite::decode(r)?;
            let key = PublicKey::decode(r)?;
            let in_order = map.last_key_value().is_none_or(|(last, _)| *last < suite);
            if !in_order || Suite::of_key(&key) != suite {
                return Err(WireError::Invalid("token keys"));
            }
            map.insert(suite, key);
        }
        Ok(Self(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Encode;

    #[test]
    fn names_and_tags_round_trip() {
        for suite in Suite::ALL {
            assert_eq!(suite.name().parse::<Suite>(), Ok(suite));
            assert_eq!(Suite::from_bytes(&suite.to_bytes()), Ok(suite));
        }
        assert!("rsa".parse::<Suite>().is_err());
        assert!(Suite::from_bytes(&[0]).is_err());
        assert!(Suite::from_bytes(&[3]).is_err());
    }

    #[test]
    fn one_key_per_suite() {
        let rsa = crate::testing::bank_token_public();
        let ed = crate::testing::bank_token_public_for(Suite::Ed25519);
        let keys = TokenKeys::new([rsa.clone(), ed.clone()]).unwrap();
        assert_eq!(keys.get(Suite::Rsa2048Sha256), Some(&rsa));
        assert_eq!(keys.get(Suite::Ed25519), Some(&ed));
        assert_eq!(TokenKeys::from_bytes(&keys.to_bytes()), Ok(keys.clone()));
        // A key filed under the other suite is refused.
        let mut bytes = keys.to_bytes();
        bytes[1] = Suite::Ed25519 as u8;
        assert!(TokenKeys::from_bytes(&bytes).is_err());
        assert!(TokenKeys::new([rsa.clone(), rsa]).is_err());
    }
}
