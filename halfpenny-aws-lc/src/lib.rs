//! # halfpenny-aws-lc: the fast native backend
//!
//! Implements the core's crypto traits ([`SigningKey`], [`DecryptionKey`],
//! [`Backend`]) with [`aws_lc_rs`]: RSA-2048 PKCS#1 v1.5 over SHA-256 for
//! signatures and RSA-OAEP-SHA-256 for unsealing. It produces exactly the same
//! bytes as the pure-Rust backend ([`halfpenny::crypto::rustcrypto`]): the same
//! SPKI public keys and, since PKCS#1 v1.5 is deterministic, the same
//! signatures. The two can be mixed freely; this one is for native hosts that
//! do a lot of private-key work, above all the bank minting purses.
//!
//! [`AwsLcKey::sign_many`](SigningKey::sign_many) spreads a batch of
//! signatures over every core with scoped threads.

use std::fmt;
use std::num::NonZeroUsize;
use std::thread;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{
    KeySize, OAEP_SHA256_MGF1SHA256, OaepPrivateDecryptingKey, PrivateDecryptingKey,
    PublicEncryptingKey,
};
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair,
    UnparsedPublicKey,
};
use halfpenny::crypto::ed25519::Ed25519Verifier;
use halfpenny::crypto::{
    Backend, CryptoError, DecryptionKey, KeyAlgorithm, PublicKey, RSA_2048_BYTES, SigningKey,
    VerifyingKey,
};
use zeroize::Zeroizing;

/// The only key size the protocol uses.
const BITS: usize = 2048;

/// Generates a new RSA-2048 private key and returns its PKCS#8 DER encoding
/// (wiped from memory on drop), for a host's `keygen`. Read it back with
/// [`AwsLcKey::from_pkcs8_der`] or the pure-Rust `RsaKey::from_pkcs8_der`.
pub fn generate_pkcs8_der() -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let pair =
        RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| CryptoError::KeyGenerationFailed)?;
    pkcs8_of(&pair).map_err(|_| CryptoError::KeyGenerationFailed)
}

fn pkcs8_of(pair: &RsaKeyPair) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    // The aws-lc buffer wipes itself on drop; the copy is wiped by `Zeroizing`.
    let der = pair.as_der().map_err(|_| CryptoError::BadPrivateKey)?;
    Ok(Zeroizing::new(der.as_ref().to_vec()))
}

/// An RSA-2048 private key held by aws-lc. It signs (PKCS#1 v1.5, SHA-256)
/// and opens sealed boxes (OAEP, SHA-256); a party keeps two distinct keys for
/// the two jobs, as with the pure-Rust `RsaKey`.
pub struct AwsLcKey {
    signer: RsaKeyPair,
    decrypter: OaepPrivateDecryptingKey,
    public: PublicKey,
}

impl fmt::Debug for AwsLcKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key material.
        write!(f, "AwsLcKey({})", self.public.id())
    }
}

impl AwsLcKey {
    /// Reads a PKCS#8 DER private key. Anything but an RSA-2048 key is refused
    /// with [`CryptoError::BadPrivateKey`].
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CryptoError> {
        let signer = RsaKeyPair::from_pkcs8(der).map_err(|_| CryptoError::BadPrivateKey)?;
        if signer.public_modulus_len() != BITS / 8 {
            return Err(CryptoError::BadPrivateKey);
        }
        let private =
            PrivateDecryptingKey::from_pkcs8(der).map_err(|_| CryptoError::BadPrivateKey)?;
        if private.key_size_bits() != BITS {
            return Err(CryptoError::BadPrivateKey);
        }
        let decrypter =
            OaepPrivateDecryptingKey::new(private).map_err(|_| CryptoError::BadPrivateKey)?;
        let spki = signer
            .public_key()
            .as_der()
            .map_err(|_| CryptoError::BadPrivateKey)?;
        let public = PublicKey::from_der(spki.as_ref().to_vec())?;
        Ok(Self {
            signer,
            decrypter,
            public,
        })
    }

    /// A new RSA-2048 key, and its PKCS#8 DER encoding to store it.
    pub fn generate() -> Result<(Self, Zeroizing<Vec<u8>>), CryptoError> {
        let der = generate_pkcs8_der()?;
        let key = Self::from_pkcs8_der(&der).map_err(|_| CryptoError::KeyGenerationFailed)?;
        Ok((key, der))
    }

    /// The PKCS#8 DER encoding, to store the key (wiped from memory on drop).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        pkcs8_of(&self.signer)
    }
}

impl SigningKey for AwsLcKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut signature = vec![0u8; self.signer.public_modulus_len()];
        // aws-lc ignores the generator: PKCS#1 v1.5 signing is deterministic.
        self.signer
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| CryptoError::SigningFailed)?;
        Ok(signature)
    }

    /// Signs on every core (see [`sign_on_every_core`]).
    fn sign_many(&self, messages: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, CryptoError> {
        sign_on_every_core(self, messages)
    }
}

/// Any signing key whose [`sign_many`](SigningKey::sign_many) uses every core,
/// such as the core's Ed25519 key when a bank mints with it.
#[derive(Debug)]
pub struct OnEveryCore<K>(pub K);

impl<K: SigningKey> SigningKey for OnEveryCore<K> {
    fn public_key(&self) -> &PublicKey {
        self.0.public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0.sign(message)
    }

    fn sign_many(&self, messages: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, CryptoError> {
        sign_on_every_core(&self.0, messages)
    }
}

fn sign_each<K: SigningKey + ?Sized>(
    key: &K,
    messages: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, CryptoError> {
    messages.iter().map(|m| key.sign(m)).collect()
}

/// Signs on every core: the list is cut into one run of consecutive
/// messages per core, and the signatures come back in the same order.
pub fn sign_on_every_core<K: SigningKey + ?Sized>(
    key: &K,
    messages: &[Vec<u8>],
) -> Result<Vec<Vec<u8>>, CryptoError> {
    let cores = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    if cores < 2 || messages.len() < 2 {
        return sign_each(key, messages);
    }
    let per_thread = messages.len().div_ceil(cores);
    let mut chunks = messages.chunks(per_thread);
    let Some(first) = chunks.next() else {
        return Ok(Vec::new());
    };
    thread::scope(|scope| {
        // A chunk whose thread could not be started is signed here instead.
        let parts: Vec<Result<thread::ScopedJoinHandle<'_, _>, &[Vec<u8>]>> = chunks
            .map(|chunk| {
                thread::Builder::new()
                    .name("halfpenny-sign".into())
                    .spawn_scoped(scope, move || sign_each(key, chunk))
                    .map_err(|_| chunk)
            })
            .collect();
        let mut out = Vec::with_capacity(messages.len());
        // Keep going after an error so every thread is joined; report the first.
        let mut failed = None;
        let mut take = |signed: Result<Vec<Vec<u8>>, CryptoError>| match signed {
            Ok(s) if failed.is_none() => out.extend(s),
            Ok(_) => {}
            Err(e) => {
                failed.get_or_insert(e);
            }
        };
        take(sign_each(key, first));
        for part in parts {
            take(match part {
                Ok(handle) => handle.join().unwrap_or(Err(CryptoError::SigningFailed)),
                Err(chunk) => sign_each(key, chunk),
            });
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(out),
        }
    })
}

impl DecryptionKey for AwsLcKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn decrypt(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if ciphertext.len() != RSA_2048_BYTES {
            return Err(CryptoError::CannotUnseal);
        }
        let mut plaintext = Zeroizing::new(vec![0u8; self.decrypter.min_output_size()]);
        let len = self
            .decrypter
            .decrypt(
                &OAEP_SHA256_MGF1SHA256,
                ciphertext,
                plaintext.as_mut_slice(),
                None,
            )
            .map_err(|_| CryptoError::CannotUnseal)?
            .len();
        // The spare capacity stays in the `Zeroizing` vector and is wiped with it.
        plaintext.truncate(len);
        Ok(plaintext)
    }
}

/// The aws-lc backend: parses public keys into [`AwsLcVerifier`]s.
#[derive(Debug, Default, Clone, Copy)]
pub struct AwsLc;

impl Backend for AwsLc {
    /// RSA keys are checked by aws-lc; Ed25519 keys by the core's strict
    /// `ed25519-dalek` verifier, so that a native till and a browser till
    /// accept exactly the same Ed25519 signatures.
    fn verifying_key(&self, key: &PublicKey) -> Result<Box<dyn VerifyingKey>, CryptoError> {
        Ok(match key.algorithm() {
            KeyAlgorithm::Rsa2048 => Box::new(AwsLcVerifier::new(key)?),
            KeyAlgorithm::Ed25519 => Box::new(Ed25519Verifier::new(key)?),
        })
    }
}

/// A parsed RSA-2048 public key that checks PKCS#1 v1.5 SHA-256 signatures.
pub struct AwsLcVerifier {
    key: ParsedPublicKey,
    public: PublicKey,
}

impl fmt::Debug for AwsLcVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AwsLcVerifier({})", self.public.id())
    }
}

impl AwsLcVerifier {
    /// Parses an SPKI DER public key; anything but RSA-2048 is
    /// [`CryptoError::BadPublicKey`]. (aws-lc's algorithm takes 2048 to 8192
    /// bits; the protocol takes 2048 only.)
    pub fn new(public: &PublicKey) -> Result<Self, CryptoError> {
        // Reads SubjectPublicKeyInfo only, as the pure-Rust backend does.
        let bits = PublicEncryptingKey::from_der(public.as_der())
            .map_err(|_| CryptoError::BadPublicKey)?
            .key_size_bits();
        if bits != BITS {
            return Err(CryptoError::BadPublicKey);
        }
        let key = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public.as_der())
            .parse()
            .map_err(|_| CryptoError::BadPublicKey)?;
        Ok(Self {
            key,
            public: public.clone(),
        })
    }
}

impl VerifyingKey for AwsLcVerifier {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        if signature.len() != RSA_2048_BYTES {
            return Err(CryptoError::BadSignature);
        }
        self.key
            .verify_sig(message, signature)
            .map_err(|_| CryptoError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use halfpenny::crypto::rustcrypto::{RsaKey, RsaVerifier, RustCrypto};
    use halfpenny::crypto::seal::{open, seal};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};

    use super::*;

    use halfpenny::testing::{bank_token_key, other_token_key};

    fn aws(key: &RsaKey) -> AwsLcKey {
        AwsLcKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap()).unwrap()
    }

    fn fixtures() -> Vec<RsaKey> {
        vec![bank_token_key(), other_token_key()]
    }

    #[test]
    fn public_key_is_byte_identical_to_rustcrypto() {
        for rc in fixtures() {
            let key = aws(&rc);
            assert_eq!(
                SigningKey::public_key(&key).as_der(),
                SigningKey::public_key(&rc).as_der()
            );
            assert_eq!(DecryptionKey::public_key(&key), SigningKey::public_key(&rc));
            assert_eq!(
                SigningKey::public_key(&key).id(),
                SigningKey::public_key(&rc).id()
            );
        }
    }

    #[test]
    fn signatures_equal_rustcrypto_and_verify_under_both_backends() {
        for rc in fixtures() {
            let key = aws(&rc);
            let public = SigningKey::public_key(&rc).clone();
            let verifiers = [
                AwsLc.verifying_key(&public).unwrap(),
                RustCrypto.verifying_key(&public).unwrap(),
            ];
            for message in [&b""[..], b"halfpenny", &[0xA5u8; 1000][..]] {
                let ours = key.sign(message).unwrap();
                let theirs = rc.sign(message).unwrap();
                assert_eq!(ours.len(), RSA_2048_BYTES);
                assert_eq!(ours, theirs, "PKCS#1 v1.5 is deterministic");
                for v in &verifiers {
                    v.verify(message, &ours).unwrap();
                }
            }
        }
    }

    #[test]
    fn signed_tokens_verify_across_backends() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let rc = bank_token_key();
        let key = aws(&rc);
        let kind = halfpenny::TokenKind::Money(halfpenny::Amount::new(1, halfpenny::Currency::EUR));
        let tokens: Vec<halfpenny::Token> = (0..5)
            .map(|_| {
                halfpenny::Token::mint(
                    halfpenny::Suite::Rsa2048Sha256,
                    kind.clone(),
                    halfpenny::Timestamp(2_000_000_000),
                    &mut rng,
                )
            })
            .collect();
        let ours = halfpenny::token::sign_all(tokens.clone(), &key).unwrap();
        let theirs = halfpenny::token::sign_all(tokens, &rc).unwrap();
        assert_eq!(ours, theirs);
        let rc_verifier = RsaVerifier::new(SigningKey::public_key(&rc)).unwrap();
        let aws_verifier = AwsLcVerifier::new(SigningKey::public_key(&rc)).unwrap();
        for t in &ours {
            t.verify(&rc_verifier).unwrap();
            t.verify(&aws_verifier).unwrap();
        }
    }

    #[test]
    fn ed25519_tokens_signed_on_every_core_verify_under_both_backends() {
        use halfpenny::Suite;
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let key = OnEveryCore(
            halfpenny::crypto::ed25519::Ed25519Key::from_pkcs8_der(
                halfpenny::testing::BANK_TOKEN_ED25519,
            )
            .unwrap(),
        );
        let kind = halfpenny::TokenKind::Money(halfpenny::Amount::new(5, halfpenny::Currency::EUR));
        let tokens: Vec<halfpenny::Token> = (0..101)
            .map(|_| {
                halfpenny::Token::mint(
                    Suite::Ed25519,
                    kind.clone(),
                    halfpenny::Timestamp(2_000_000_000),
                    &mut rng,
                )
            })
            .collect();
        let parallel = halfpenny::token::sign_all(tokens.clone(), &key).unwrap();
        let one_by_one = halfpenny::token::sign_all(tokens.clone(), &key.0).unwrap();
        assert_eq!(parallel, one_by_one, "same signatures, same order");
        let public = SigningKey::public_key(&key);
        let verifiers = [
            AwsLc.verifying_key(public).unwrap(),
            RustCrypto.verifying_key(public).unwrap(),
        ];
        for (t, token) in parallel.iter().zip(&tokens) {
            assert_eq!(&t.token, token);
            assert_eq!(t.signature().len(), Suite::Ed25519.signature_len());
            for v in &verifiers {
                t.verify(v.as_ref()).unwrap();
            }
        }
        // An RSA token key cannot sign Ed25519 tokens, nor the reverse.
        assert_eq!(
            halfpenny::token::sign_all(tokens, &aws(&bank_token_key())),
            Err(CryptoError::SigningFailed)
        );
        // And another bank's Ed25519 signature does not verify.
        let forger = halfpenny::testing::other_token_key_for(Suite::Ed25519);
        let forged =
            halfpenny::token::sign_all(vec![parallel[0].token.clone()], forger.as_ref()).unwrap();
        assert_eq!(
            forged[0].verify(verifiers[0].as_ref()),
            Err(CryptoError::BadSignature)
        );
    }

    #[test]
    fn sealed_box_opens_with_aws_lc_key() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let rc = bank_token_key();
        let key = aws(&rc);
        let to = DecryptionKey::public_key(&key).clone();
        let sealed = seal(to.id(), &to, b"a secret for the bank", &mut rng).unwrap();
        assert_eq!(
            open(&key, to.id(), &sealed).unwrap().as_slice(),
            b"a secret for the bank"
        );
        // And the pure-Rust key opens the same box.
        assert_eq!(
            open(&rc, to.id(), &sealed).unwrap().as_slice(),
            b"a secret for the bank"
        );
        // Another key cannot.
        let other = aws(&other_token_key());
        assert_eq!(
            open(&other, to.id(), &sealed),
            Err(CryptoError::CannotUnseal)
        );
        // Nor a damaged wrapped key, nor a truncated one.
        let mut bad = sealed.clone();
        bad.wrapped_key[10] ^= 1;
        assert_eq!(open(&key, to.id(), &bad), Err(CryptoError::CannotUnseal));
        bad.wrapped_key.truncate(100);
        assert_eq!(open(&key, to.id(), &bad), Err(CryptoError::CannotUnseal));
    }

    #[test]
    fn forged_and_tampered_signatures_are_rejected() {
        let rc = bank_token_key();
        let key = aws(&rc);
        let v = AwsLc.verifying_key(SigningKey::public_key(&key)).unwrap();
        let message = b"pay the seller one halfpenny";
        let good = key.sign(message).unwrap();
        v.verify(message, &good).unwrap();

        for i in [0usize, 100, 255] {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            assert_eq!(v.verify(message, &bad), Err(CryptoError::BadSignature));
        }
        assert_eq!(
            v.verify(b"pay the seller two halfpence", &good),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            v.verify(message, &good[..255]),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            v.verify(message, &[good.clone(), vec![0]].concat()),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(v.verify(message, &[]), Err(CryptoError::BadSignature));
        assert_eq!(
            v.verify(message, &[0u8; 256]),
            Err(CryptoError::BadSignature)
        );
        // A signature by another key (a forger's) does not pass.
        let forger = aws(&other_token_key());
        assert_eq!(
            v.verify(message, &forger.sign(message).unwrap()),
            Err(CryptoError::BadSignature)
        );
    }

    #[test]
    fn small_large_and_garbage_keys_are_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(1024);
        let small = rsa::PrivateKey::new(&mut rng, 1024).unwrap();
        let small_der = small.to_pkcs8_der().unwrap();
        assert_eq!(
            AwsLcKey::from_pkcs8_der(small_der.as_bytes()).unwrap_err(),
            CryptoError::BadPrivateKey
        );
        let small_public = PublicKey::from_der(
            small
                .to_public_key()
                .to_public_key_der()
                .unwrap()
                .as_bytes()
                .to_vec(),
        )
        .unwrap();
        assert_eq!(
            AwsLc.verifying_key(&small_public).unwrap_err(),
            CryptoError::BadPublicKey
        );
        assert_eq!(
            RustCrypto.verifying_key(&small_public).unwrap_err(),
            CryptoError::BadPublicKey
        );

        // 3072 bits is fine for aws-lc's algorithm but not for the protocol.
        let large = RsaKeyPair::generate(KeySize::Rsa3072).unwrap();
        let large_der = pkcs8_of(&large).unwrap();
        assert_eq!(
            AwsLcKey::from_pkcs8_der(&large_der).unwrap_err(),
            CryptoError::BadPrivateKey
        );
        let large_public =
            PublicKey::from_der(large.public_key().as_der().unwrap().as_ref().to_vec()).unwrap();
        assert_eq!(
            AwsLc.verifying_key(&large_public).unwrap_err(),
            CryptoError::BadPublicKey
        );

        for garbage in [&b""[..], b"not a key", &[0x30u8; 300][..]] {
            assert_eq!(
                AwsLcKey::from_pkcs8_der(garbage).unwrap_err(),
                CryptoError::BadPrivateKey
            );
        }
        let garbage_public = PublicKey::from_der(vec![0x30, 0x03, 0x02, 0x01, 0x00]).unwrap();
        assert_eq!(
            AwsLc.verifying_key(&garbage_public).unwrap_err(),
            CryptoError::BadPublicKey
        );
        // A bare PKCS#1 RSAPublicKey is not an SPKI: refused, as by the pure-Rust backend.
        let pkcs1 = PublicKey::from_der(large.public_key().as_ref().to_vec()).unwrap();
        assert_eq!(
            AwsLc.verifying_key(&pkcs1).unwrap_err(),
            CryptoError::BadPublicKey
        );
        let rc = bank_token_key();
        let rc_pkcs1 = PublicKey::from_der(aws(&rc).signer.public_key().as_ref().to_vec()).unwrap();
        assert_eq!(
            AwsLc.verifying_key(&rc_pkcs1).unwrap_err(),
            CryptoError::BadPublicKey
        );
        assert_eq!(
            RustCrypto.verifying_key(&rc_pkcs1).unwrap_err(),
            CryptoError::BadPublicKey
        );
    }

    #[test]
    fn sign_many_equals_sequential_sign() {
        let key = aws(&bank_token_key());
        let messages: Vec<Vec<u8>> = (0..50u32)
            .map(|i| format!("message {i}").into_bytes())
            .collect();
        let many = key.sign_many(&messages).unwrap();
        let one_by_one: Vec<Vec<u8>> = messages.iter().map(|m| key.sign(m).unwrap()).collect();
        assert_eq!(many, one_by_one);
        assert_eq!(key.sign_many(&[]).unwrap(), Vec::<Vec<u8>>::new());
        assert_eq!(
            key.sign_many(&messages[..1]).unwrap(),
            one_by_one[..1].to_vec()
        );
        assert_eq!(
            key.sign_many(&messages[..3]).unwrap(),
            one_by_one[..3].to_vec()
        );
    }

    #[test]
    fn debug_shows_the_key_id_only() {
        let key = aws(&bank_token_key());
        let id = SigningKey::public_key(&key).id();
        assert_eq!(format!("{key:?}"), format!("AwsLcKey({id})"));
        assert_eq!(format!("{key:#?}"), format!("AwsLcKey({id})"));
        let v = AwsLcVerifier::new(SigningKey::public_key(&key)).unwrap();
        assert_eq!(format!("{v:?}"), format!("AwsLcVerifier({id})"));
        assert_eq!(format!("{AwsLc:?}"), "AwsLc");
    }

    #[test]
    fn generated_keys_are_rsa_2048_and_readable_by_both_backends() {
        let (key, der) = AwsLcKey::generate().unwrap();
        assert_eq!(key.to_pkcs8_der().unwrap().as_slice(), der.as_slice());
        let rc = RsaKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(SigningKey::public_key(&key), SigningKey::public_key(&rc));
        assert_eq!(key.sign(b"fresh").unwrap(), rc.sign(b"fresh").unwrap());
        let v = RustCrypto
            .verifying_key(SigningKey::public_key(&key))
            .unwrap();
        v.verify(b"fresh", &key.sign(b"fresh").unwrap()).unwrap();
        assert_ne!(generate_pkcs8_der().unwrap().as_slice(), der.as_slice());
    }
}
