//! Hybrid sealing: a fresh ChaCha20-Poly1305 key, wrapped with RSA-OAEP-SHA-256
//! for the recipient.
//!
//! A sealed box names no one. The recipient's key id is bound in as
//! associated data (so a box cannot be relabelled for someone else), but it
//! is not written in clear: the opener supplies her own id. And the wrapped
//! key is always below 2^2047 (re-wrapped until it is, twice on average),
//! so its value says nothing about whose modulus it was made with. A seller
//! who relays a buyer's sealed request or her sealed purse sees bytes that
//! are new each time and link her to nothing.
//!
//! Version 1 boxes named their recipient in clear; they are still read, so
//! that letters saved before the change can be resent byte for byte.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce as AeadNonce};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{CryptoError, DecryptionKey, PublicKey, RSA_2048_BYTES, rustcrypto};
use crate::ids::KeyId;
use crate::wire::{Decode, Encode, MAX_MESSAGE_BYTES, Reader, TextForm, WireError, Writer};

/// Named its recipient in clear; read, never written.
const NAMED: u8 = 1;
/// Names no one.
const ANONYMOUS: u8 = 2;

/// How many wraps may be tried for one with its top bit clear: each try
/// succeeds with probability above 1/2, so running out is a 2^-128 event.
const MAX_WRAPS: usize = 128;

/// A message only its recipient can open.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SealedBox {
    /// The recipient's key id, in clear, of a version 1 box; `None` for
    /// every box sealed now.
    pub named_recipient: Option<KeyId>,
    pub wrapped_key: Vec<u8>,
    pub nonce: [u8; 12],
    pub ciphertext: Vec<u8>,
}

fn associated_data(version: u8, recipient: &KeyId) -> [u8; 34] {
    let mut ad = [0u8; 34];
    ad[0] = b'H';
    ad[1] = version;
    ad[2..].copy_from_slice(recipient.as_bytes());
    ad
}

/// Wraps `key` for `to`, retrying until the wrap's top bit is clear, so
/// that every recipient's wraps share one range of values.
fn wrap<R: CryptoRng + ?Sized>(
    to: &PublicKey,
    key: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, CryptoError> {
    for _ in 0..MAX_WRAPS {
        let wrapped = rustcrypto::oaep_encrypt(to, key, rng)?;
        if wrapped.len() == RSA_2048_BYTES && wrapped.first().is_some_and(|b| b & 0x80 == 0) {
            return Ok(wrapped);
        }
    }
    Err(CryptoError::SealingFailed)
}

/// Seals `plaintext` for the party `recipient` whose sealing key is `to`.
pub fn seal<R: CryptoRng + ?Sized>(
    recipient: KeyId,
    to: &PublicKey,
    plaintext: &[u8],
    rng: &mut R,
) -> Result<SealedBox, CryptoError> {
    let mut key = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(key.as_mut());
    let mut nonce = [0u8; 12];
    rng.fill_bytes(&mut nonce);
    let wrapped_key = wrap(to, key.as_ref(), rng)?;
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    let ad = associated_data(ANONYMOUS, &recipient);
    let ciphertext = cipher
        .encrypt(
            &AeadNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: &ad,
            },
        )
        .map_err(|_| CryptoError::SealingFailed)?;
    Ok(SealedBox {
        named_recipient: None,
        wrapped_key,
        nonce,
        ciphertext,
    })
}

/// Opens a box sealed for `me`, the holder of `key`. A box sealed for
/// anyone else, or changed on the way, does not open.
pub fn open(
    key: &dyn DecryptionKey,
    me: KeyId,
    sealed: &SealedBox,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    // An old box is bound to the recipient it names (callers refuse one
    // that names someone else); a new one to whoever opens it.
    let (version, bound) = match sealed.named_recipient {
        Some(named) => (NAMED, named),
        None => (ANONYMOUS, me),
    };
    let secret = key.decrypt(&sealed.wrapped_key)?;
    let key: [u8; 32] = secret
        .as_slice()
        .try_into()
        .map_err(|_| CryptoError::CannotUnseal)?;
    let cipher = ChaCha20Poly1305::new(&Key::from(key));
    let ad = associated_data(version, &bound);
    cipher
        .decrypt(
            &AeadNonce::from(sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad: &ad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::CannotUnseal)
}

impl Encode for SealedBox {
    fn encode(&self, w: &mut Writer) {
        match &self.named_recipient {
            Some(recipient) => {
                w.u8(NAMED);
                recipient.encode(w);
            }
            None => w.u8(ANONYMOUS),
        }
        w.bytes16(&self.wrapped_key);
        w.array(&self.nonce);
        w.bytes32(&self.ciphertext);
    }
}

impl Decode for SealedBox {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let named_recipient = match r.u8()? {
            NAMED => Some(KeyId::decode(r)?),
            ANONYMOUS => None,
            v => return Err(WireError::UnknownVersion(v)),
        };
        let wrapped_key = r.bytes16("wrapped key", RSA_2048_BYTES)?.to_vec();
        let nonce = r.array()?;
        let ciphertext = r.bytes32("sealed message", MAX_MESSAGE_BYTES)?.to_vec();
        Ok(Self {
            named_recipient,
            wrapped_key,
            nonce,
            ciphertext,
        })
    }
}

impl TextForm for SealedBox {
    const PREFIX: &'static str = "hps1.";
    const NAME: &'static str = "sealed message";
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;
    use crate::testing;

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_box_names_no_one_and_opens_only_for_its_recipient() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let buyer = testing::buyer_identity();
        let me = buyer.public();
        let sealed = seal(me.id(), &me.sealing, b"her purse", &mut rng).unwrap();
        let bytes = sealed.to_bytes();
        assert_eq!(bytes[0], ANONYMOUS);
        assert!(!contains(&bytes, me.id().as_bytes()));
        assert!(!contains(&bytes, me.sealing.as_der()));
        assert_eq!(
            &open(buyer.sealing.as_ref(), me.id(), &sealed).unwrap()[..],
            b"her purse"
        );
        // Her key, but a box claimed for someone else: the binding fails.
        let other = testing::other_identity();
        assert_eq!(
            open(buyer.sealing.as_ref(), other.id(), &sealed),
            Err(CryptoError::CannotUnseal)
        );
        // Someone else's key.
        assert_eq!(
            open(other.sealing.as_ref(), me.id(), &sealed),
            Err(CryptoError::CannotUnseal)
        );
        assert_eq!(SealedBox::from_bytes(&bytes).unwrap(), sealed);
    }

    #[test]
    fn two_boxes_for_one_recipient_share_no_value() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let me = testing::buyer_identity().public();
        let a = seal(me.id(), &me.sealing, &[7; 64], &mut rng).unwrap();
        let b = seal(me.id(), &me.sealing, &[7; 64], &mut rng).unwrap();
        let b_bytes = b.to_bytes();
        // No 8-byte window of one box's variable part is in the other.
        for w in a.wrapped_key.windows(8).chain(a.ciphertext.windows(8)) {
            assert!(!contains(&b_bytes, w));
        }
        assert_ne!(a.nonce, b.nonce);
    }

    #[test]
    fn every_wrap_is_below_two_to_the_2047() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for party in [testing::buyer_identity(), testing::seller_identity()] {
            let p = party.public();
            for _ in 0..32 {
                let sealed = seal(p.id(), &p.sealing, b"x", &mut rng).unwrap();
                assert_eq!(sealed.wrapped_key.len(), RSA_2048_BYTES);
                assert_eq!(sealed.wrapped_key[0] & 0x80, 0);
            }
        }
    }

    /// A box as version 1 sealed it: the recipient in clear and bound in.
    fn named_box(recipient: KeyId, to: &PublicKey, plaintext: &[u8]) -> SealedBox {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let key = [9u8; 32];
        let nonce = [3u8; 12];
        let ciphertext = ChaCha20Poly1305::new(&Key::from(key))
            .encrypt(
                &AeadNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &associated_data(NAMED, &recipient),
                },
            )
            .unwrap();
        SealedBox {
            named_recipient: Some(recipient),
            wrapped_key: rustcrypto::oaep_encrypt(to, &key, &mut rng).unwrap(),
            nonce,
            ciphertext,
        }
    }

    #[test]
    fn a_version_1_box_is_still_read_and_kept_byte_for_byte() {
        let bank = testing::bank_identity();
        let p = bank.public();
        let old = named_box(p.id(), &p.sealing, b"saved before the change");
        let bytes = old.to_bytes();
        assert_eq!(bytes[0], NAMED);
        let read = SealedBox::from_bytes(&bytes).unwrap();
        assert_eq!(read.to_bytes(), bytes);
        assert_eq!(
            &open(bank.sealing.as_ref(), p.id(), &read).unwrap()[..],
            b"saved before the change"
        );
        // Its named recipient is bound in: relabelled, it does not open.
        let relabelled = SealedBox {
            named_recipient: Some(testing::other_identity().id()),
            ..read
        };
        assert_eq!(
            open(bank.sealing.as_ref(), p.id(), &relabelled),
            Err(CryptoError::CannotUnseal)
        );
    }
}
