//! Ed25519 (RFC 8032) with `ed25519-dalek`: the second token-signature suite.
//! Pure Rust, so the same code signs in the bank and verifies in a browser till.
//!
//! Keys travel in the same DER forms as RSA keys: a SubjectPublicKeyInfo for
//! the public key and a PKCS#8 v1 document for the private one (RFC 8410).
//! Both have fixed layouts, so they are written and read here byte for byte.

use ed25519_dalek::{Signature, Signer};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{CryptoError, PublicKey, SigningKey, VerifyingKey};

/// The length of an Ed25519 signature.
pub const ED25519_SIGNATURE_BYTES: usize = 64;

/// SubjectPublicKeyInfo of an Ed25519 key, up to the 32 key bytes.
pub(crate) const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
/// PKCS#8 v1 PrivateKeyInfo of an Ed25519 key, up to the 32 seed bytes.
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The 32 raw bytes of an Ed25519 public key, if `key` is one.
pub(crate) fn raw_public(key: &PublicKey) -> Option<[u8; 32]> {
    key.as_der()
        .strip_prefix(SPKI_PREFIX.as_slice())
        .and_then(|raw| <[u8; 32]>::try_from(raw).ok())
}

fn public_key(raw: &[u8; 32]) -> Result<PublicKey, CryptoError> {
    let mut der = SPKI_PREFIX.to_vec();
    der.extend_from_slice(raw);
    PublicKey::from_der(der)
}

/// An Ed25519 private key in memory (wiped on drop by `ed25519-dalek`).
pub struct Ed25519Key {
    key: ed25519_dalek::SigningKey,
    public: PublicKey,
}

impl std::fmt::Debug for Ed25519Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key material.
        write!(f, "Ed25519Key({})", self.public.id())
    }
}

impl Ed25519Key {
    /// A new key from the caller's randomness.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self, CryptoError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut_slice());
        Self::from_seed(&seed)
    }

    fn from_seed(seed: &[u8; 32]) -> Result<Self, CryptoError> {
        let key = ed25519_dalek::SigningKey::from_bytes(seed);
        let public = public_key(key.verifying_key().as_bytes())?;
        Ok(Self { key, public })
    }

    /// Reads a PKCS#8 v1 DER private key (what `openssl genpkey -algorithm
    /// ed25519` writes).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CryptoError> {
        let seed = der
            .strip_prefix(PKCS8_PREFIX.as_slice())
            .and_then(|s| <&[u8; 32]>::try_from(s).ok())
            .ok_or(CryptoError::BadPrivateKey)?;
        Self::from_seed(seed)
    }

    /// The PKCS#8 v1 DER encoding, to store the key (wiped from memory on drop).
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        let mut der = Zeroizing::new(PKCS8_PREFIX.to_vec());
        der.extend_from_slice(self.key.as_bytes());
        der
    }
}

impl SigningKey for Ed25519Key {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(self.key.sign(message).to_bytes().to_vec())
    }
}

/// Checks Ed25519 signatures strictly: no small-order keys, no
/// non-canonical encodings, so one message has one valid signature.
#[derive(Debug)]
pub struct Ed25519Verifier {
    key: ed25519_dalek::VerifyingKey,
    public: PublicKey,
}

impl Ed25519Verifier {
    pub fn new(public: &PublicKey) -> Result<Self, CryptoError> {
        let raw = raw_public(public).ok_or(CryptoError::BadPublicKey)?;
        let key =
            ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| CryptoError::BadPublicKey)?;
        if key.is_weak() {
            return Err(CryptoError::BadPublicKey);
        }
        Ok(Self {
            key,
            public: public.clone(),
        })
    }
}

impl VerifyingKey for Ed25519Verifier {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        let signature = Signature::from_slice(signature).map_err(|_| CryptoError::BadSignature)?;
        self.key
            .verify_strict(message, &signature)
            .map_err(|_| CryptoError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    #[test]
    fn pkcs8_round_trip_keeps_the_key() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let key = Ed25519Key::generate(&mut rng).unwrap();
        let again = Ed25519Key::from_pkcs8_der(&key.to_pkcs8_der()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert_eq!(key.public_key().as_der().len(), 44);
    }

    #[test]
    fn signatures_verify_and_forgeries_do_not() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let key = Ed25519Key::generate(&mut rng).unwrap();
        let other = Ed25519Key::generate(&mut rng).unwrap();
        let verifier = Ed25519Verifier::new(key.public_key()).unwrap();
        let sig = key.sign(b"message").unwrap();
        assert_eq!(sig.len(), ED25519_SIGNATURE_BYTES);
        assert_eq!(verifier.verify(b"message", &sig), Ok(()));
        assert_eq!(
            verifier.verify(b"messagf", &sig),
            Err(CryptoError::BadSignature)
        );
        let forged = other.sign(b"message").unwrap();
        assert_eq!(
            verifier.verify(b"message", &forged),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            verifier.verify(b"message", &sig[..63]),
            Err(CryptoError::BadSignature)
        );
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert_eq!(
            Ed25519Key::from_pkcs8_der(&[0u8; 48]).unwrap_err(),
            CryptoError::BadPrivateKey
        );
        // The identity point is a small-order key: anyone could sign for it.
        let mut raw = [0u8; 32];
        raw[0] = 1;
        assert_eq!(
            Ed25519Verifier::new(&public_key(&raw).unwrap()).unwrap_err(),
            CryptoError::BadPublicKey
        );
    }
}
