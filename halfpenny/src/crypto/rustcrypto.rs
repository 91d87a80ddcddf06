//! The pure-Rust backend (`rsa` 0.10 and `ed25519-dalek`). Runs natively and in wasm.

use rand_core::CryptoRng;
use rsa::pkcs1v15;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::ed25519::Ed25519Verifier;
use super::{
    Backend, CryptoError, DecryptionKey, KeyAlgorithm, PublicKey, SigningKey, VerifyingKey,
};

const BITS: usize = 2048;

/// The pure-Rust backend.
#[derive(Debug, Default, Clone, Copy)]
pub struct RustCrypto;

impl Backend for RustCrypto {
    fn verifying_key(&self, key: &PublicKey) -> Result<Box<dyn VerifyingKey>, CryptoError> {
        Ok(match key.algorithm() {
            KeyAlgorithm::Rsa2048 => Box::new(RsaVerifier::new(key)?),
            KeyAlgorithm::Ed25519 => Box::new(Ed25519Verifier::new(key)?),
        })
    }
}

/// Parses an SPKI DER public key and checks that it is RSA-2048.
pub(crate) fn parse_public(key: &PublicKey) -> Result<RsaPublicKey, CryptoError> {
    let k =
        RsaPublicKey::from_public_key_der(key.as_der()).map_err(|_| CryptoError::BadPublicKey)?;
    if k.size() != BITS / 8 {
        return Err(CryptoError::BadPublicKey);
    }
    Ok(k)
}

/// An RSA-2048 private key held in memory. Used both to sign and to decrypt,
/// but a party keeps two distinct keys for the two jobs.
pub struct RsaKey {
    signer: pkcs1v15::SigningKey<Sha256>,
    public: PublicKey,
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key material.
        write!(f, "RsaKey({})", self.public.id())
    }
}

impl RsaKey {
    /// A new RSA-2048 key from the caller's randomness (slow: up to seconds in wasm).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self, CryptoError> {
        let private =
            RsaPrivateKey::new(rng, BITS).map_err(|_| CryptoError::KeyGenerationFailed)?;
        Self::from_private(private)
    }

    /// Reads a PKCS#8 DER private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CryptoError> {
        let private = RsaPrivateKey::from_pkcs8_der(der).map_err(|_| CryptoError::BadPrivateKey)?;
        Self::from_private(private)
    }

    fn from_private(private: RsaPrivateKey) -> Result<Self, CryptoError> {
        if private.size() != BITS / 8 {
            return Err(CryptoError::BadPrivateKey);
        }
        let der = private
            .to_public_key()
            .to_public_key_der()
            .map_err(|_| CryptoError::BadPrivateKey)?;
        let public = PublicKey::from_der(der.as_bytes().to_vec())?;
        Ok(Self {
            signer: pkcs1v15::SigningKey::new(private),
            public,
        })
    }

    /// The PKCS#8 DER encoding, to store the key (wiped from memory on drop).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let private: &RsaPrivateKey = self.signer.as_ref();
        let doc = private
            .to_pkcs8_der()
            .map_err(|_| CryptoError::BadPrivateKey)?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }
}

impl SigningKey for RsaKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let sig = self
            .signer
            .try_sign(message)
            .map_err(|_| CryptoError::SigningFailed)?;
        Ok(sig.to_vec())
    }
}

impl DecryptionKey for RsaKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn decrypt(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let private: &RsaPrivateKey = self.signer.as_ref();
        private
            .decrypt(Oaep::<Sha256>::new(), ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::CannotUnseal)
    }
}

/// A parsed RSA-2048 public key that checks PKCS#1 v1.5 SHA-256 signatures.
pub struct RsaVerifier {
    key: pkcs1v15::VerifyingKey<Sha256>,
    public: PublicKey,
}

impl std::fmt::Debug for RsaVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaVerifier({})", self.public.id())
    }
}

impl RsaVerifier {
    pub fn new(public: &PublicKey) -> Result<Self, CryptoError> {
        Ok(Self {
            key: pkcs1v15::VerifyingKey::new(parse_public(public)?),
            public: public.clone(),
        })
    }
}

impl VerifyingKey for RsaVerifier {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        let sig =
            pkcs1v15::Signature::try_from(signature).map_err(|_| CryptoError::BadSignature)?;
        self.key
            .verify(message, &sig)
            .map_err(|_| CryptoError::BadSignature)
    }
}

/// RSA-OAEP-SHA-256 encryption of a short secret (a symmetric key) to `to`.
pub(crate) fn oaep_encrypt<R: CryptoRng + ?Sized>(
    to: &PublicKey,
    secret: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    parse_public(to)?
        .encrypt(rng, Oaep::<Sha256>::new(), secret)
        .map_err(|_| CryptoError::SealingFailed)
}
