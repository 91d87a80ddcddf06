//! Signatures and sealing behind small traits, so each host picks its backend.
//!
//! Every party signs its letters with RSA-2048 PKCS#1 v1.5 over SHA-256 and
//! receives sealed messages under RSA-OAEP-SHA-256 wrapping a fresh
//! ChaCha20-Poly1305 key. Tokens are signed with RSA-2048 or, as the second
//! suite, with Ed25519 ([`ed25519`]). [`rustcrypto`] is the pure-Rust backend
//! that runs everywhere, wasm included; the `halfpenny-aws-lc` crate is the
//! fast native one for the bank's private-key work. Sealing itself ([`seal`]) takes the caller's randomness and
//! so lives here, shared by every backend.

pub mod ed25519;
pub mod rustcrypto;
pub mod seal;

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::ids::KeyId;
use crate::wire::{Decode, Encode, Reader, WireError, Writer};

/// The length of an RSA-2048 signature and of an RSA-OAEP ciphertext.
pub const RSA_2048_BYTES: usize = 256;
/// The largest public key encoding accepted (RSA-2048 SPKI DER is 294 bytes).
pub const MAX_PUBLIC_KEY_BYTES: usize = 600;

/// Errors of the cryptographic layer. They never include key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the public key is not a valid RSA-2048 or Ed25519 key")]
    BadPublicKey,
    #[error("the private key could not be read")]
    BadPrivateKey,
    #[error("the signature does not match")]
    BadSignature,
    #[error(
        "the sealed message could not be opened: it was sealed for someone else, or changed on the way"
    )]
    CannotUnseal,
    #[error("signing failed")]
    SigningFailed,
    #[error("sealing failed")]
    SealingFailed,
    #[error("key generation failed")]
    KeyGenerationFailed,
}

impl CryptoError {
    /// A stable code for the wire.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadPublicKey => "bad_public_key",
            Self::BadPrivateKey => "bad_private_key",
            Self::BadSignature => "bad_signature",
            Self::CannotUnseal => "cannot_unseal",
            Self::SigningFailed => "signing_failed",
            Self::SealingFailed => "sealing_failed",
            Self::KeyGenerationFailed => "key_generation_failed",
        }
    }
}

/// The kind of key a [`PublicKey`] holds.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum KeyAlgorithm {
    Rsa2048,
    Ed25519,
}

/// A public key as it travels: the DER SubjectPublicKeyInfo of an RSA-2048 or
/// an Ed25519 key. Backends parse and check it when they are asked to use it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicKey(Vec<u8>);

impl PublicKey {
    pub fn from_der(der: Vec<u8>) -> Result<Self, CryptoError> {
        if der.is_empty() || der.len() > MAX_PUBLIC_KEY_BYTES {
            return Err(CryptoError::BadPublicKey);
        }
        Ok(Self(der))
    }

    pub fn as_der(&self) -> &[u8] {
        &self.0
    }

    /// The DER in base64url without padding: how a key travels in JSON.
    pub fn to_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.0)
    }

    /// Reads [`PublicKey::to_base64url`]'s form (surrounding spaces allowed).
    pub fn from_base64url(text: &str) -> Result<Self, WireError> {
        let der = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| WireError::BadBase64)?;
        Self::from_der(der).map_err(|_| WireError::Invalid("public key"))
    }

    /// Which kind of key this is, read from its encoding. (An RSA key is only
    /// fully checked when a backend parses it.)
    pub fn algorithm(&self) -> KeyAlgorithm {
        if ed25519::raw_public(self).is_some() {
            KeyAlgorithm::Ed25519
        } else {
            KeyAlgorithm::Rsa2048
        }
    }

    /// The key's fingerprint, which also names the party that holds it.
    pub fn id(&self) -> KeyId {
        KeyId::of(&self.0)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.id())
    }
}

impl Encode for PublicKey {
    fn encode(&self, w: &mut Writer) {
        w.bytes16(&self.0);
    }
}

impl Decode for PublicKey {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let der = r.bytes16("public key", MAX_PUBLIC_KEY_BYTES)?;
        PublicKey::from_der(der.to_vec()).map_err(|_| WireError::Invalid("public key"))
    }
}

/// A private key that signs (RSA-2048 PKCS#1 v1.5 SHA-256, or Ed25519; both
/// deterministic).
pub trait SigningKey: Send + Sync + fmt::Debug {
    fn public_key(&self) -> &PublicKey;
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// Signs many messages. Backends may spread the work over all cores (the
    /// core itself starts no threads); the default signs one after another.
    fn sign_many(&self, messages: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, CryptoError> {
        messages.iter().map(|m| self.sign(m)).collect()
    }
}

/// A parsed public key that checks signatures.
pub trait VerifyingKey: Send + Sync + fmt::Debug {
    fn public_key(&self) -> &PublicKey;
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), CryptoError>;
}

/// A private key that opens what was sealed for it (RSA-OAEP-SHA-256).
pub trait DecryptionKey: Send + Sync + fmt::Debug {
    fn public_key(&self) -> &PublicKey;
    fn decrypt(&self, ciphertext: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>, CryptoError>;
}

/// Parses public keys into verifiers. Hosts hand one to the state machines.
pub trait Backend: Send + Sync + fmt::Debug {
    fn verifying_key(&self, key: &PublicKey) -> Result<Box<dyn VerifyingKey>, CryptoError>;
}

/// What a party publishes: the key others check its signatures with, and the
/// key others seal messages to it with. Its [`KeyId`] is the signing key's.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PublicIdentity {
    pub signing: PublicKey,
    pub sealing: PublicKey,
}

impl PublicIdentity {
    pub fn id(&self) -> KeyId {
        self.signing.id()
    }
}

impl Encode for PublicIdentity {
    fn encode(&self, w: &mut Writer) {
        self.signing.encode(w);
        self.sealing.encode(w);
    }
}

impl Decode for PublicIdentity {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(Self {
            signing: PublicKey::decode(r)?,
            sealing: PublicKey::decode(r)?,
        })
    }
}

/// A party's private keys: one to sign, one to open sealed messages.
#[derive(Debug)]
pub struct PrivateIdentity {
    pub signing: Box<dyn SigningKey>,
    pub sealing: Box<dyn DecryptionKey>,
}

impl PrivateIdentity {
    pub fn public(&self) -> PublicIdentity {
        PublicIdentity {
            signing: self.signing.public_key().clone(),
            sealing: self.sealing.public_key().clone(),
        }
    }

    pub fn id(&self) -> KeyId {
        self.signing.public_key().id()
    }
}

/// Signs `message` under a domain label, so a signature made for one purpose
/// can never be taken for another.
pub(crate) fn labelled(label: &[u8], message: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(label.len() + 1 + message.len());
    v.extend_from_slice(label);
    v.push(0);
    v.extend_from_slice(message);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_keys_travel_as_base64url_der() {
        let key = crate::testing::bank_token_public();
        let text = key.to_base64url();
        assert!(!text.contains(['+', '/', '=']));
        assert_eq!(PublicKey::from_base64url(&format!(" {text}\n")), Ok(key));
        assert_eq!(PublicKey::from_base64url("a+b/"), Err(WireError::BadBase64));
        assert_eq!(
            PublicKey::from_base64url(""),
            Err(WireError::Invalid("public key"))
        );
    }
}
