//! Hybrid sealing: a fresh ChaCha20-Poly1305 key, wrapped with RSA-OAEP-SHA-256
//! for the recipient. The recipient's key id is bound in as associated data,
//! so a sealed box cannot be relabelled for someone else.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce as AeadNonce};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{CryptoError, DecryptionKey, PublicKey, RSA_2048_BYTES, rustcrypto};
use crate::ids::KeyId;
use crate::wire::{Decode, Encode, MAX_MESSAGE_BYTES, Reader, TextForm, WireError, Writer};

const SEAL_VERSION: u8 = 1;

/// A message only its recipient can open.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SealedBox {
    /// Who can open it: the fingerprint of the recipient's *signing* key.
    pub recipient: KeyId,
    pub wrapped_key: Vec<u8>,
    pub nonce: [u8; 12],
    pub ciphertext: Vec<u8>,
}

fn associated_data(recipient: &KeyId) -> [u8; 34] {
    let mut ad = [0u8; 34];
    ad[0] = b'H';
    ad[1] = SEAL_VERSION;
    ad[2..].copy_from_slice(recipient.as_bytes());
    ad
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
    let wrapped_key = rustcrypto::oaep_encrypt(to, key.as_ref(), rng)?;
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    let ad = associated_data(&recipient);
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
        recipient,
        wrapped_key,
        nonce,
        ciphertext,
    })
}

/// Opens a box sealed for the holder of `key`.
pub fn open(
    key: &dyn DecryptionKey,
    sealed: &SealedBox,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let secret = key.decrypt(&sealed.wrapped_key)?;
    let key: [u8; 32] = secret
        .as_slice()
        .try_into()
        .map_err(|_| CryptoError::CannotUnseal)?;
    let cipher = ChaCha20Poly1305::new(&Key::from(key));
    let ad = associated_data(&sealed.recipient);
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
        w.u8(SEAL_VERSION);
        self.recipient.encode(w);
        w.bytes16(&self.wrapped_key);
        w.array(&self.nonce);
        w.bytes32(&self.ciphertext);
    }
}

impl Decode for SealedBox {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u8()? {
            SEAL_VERSION => {}
            v => return Err(WireError::UnknownVersion(v)),
        }
        let recipient = KeyId::decode(r)?;
        let wrapped_key = r.bytes16("wrapped key", RSA_2048_BYTES)?.to_vec();
        let nonce = r.array()?;
        let ciphertext = r.bytes32("sealed message", MAX_MESSAGE_BYTES)?.to_vec();
        Ok(Self {
            recipient,
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
