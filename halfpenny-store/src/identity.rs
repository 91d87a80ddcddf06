//! The buyer's keys and her bank, as a wallet saves them.

use std::fmt;

use halfpenny::Timestamp;
use halfpenny::bank::BankPublic;
use halfpenny::crypto::rustcrypto::RsaKey;
use halfpenny::crypto::{CryptoError, PrivateIdentity};
use halfpenny::wire::{Decode, Encode, Reader, WireError, Writer};
use zeroize::Zeroizing;

const VERSION: u8 = 1;
/// The longest PKCS#8 DER private key kept (RSA-2048 is about 1,220 bytes).
pub const MAX_PRIVATE_KEY_BYTES: usize = 4096;
/// The longest bank address kept.
pub const MAX_BANK_URL: usize = 255;

/// Her two private keys (PKCS#8 DER, wiped from memory on drop), the bank's
/// address and published keys, and when the identity was made.
#[derive(Clone, PartialEq, Eq)]
pub struct SavedIdentity {
    pub signing_pkcs8: Zeroizing<Vec<u8>>,
    pub sealing_pkcs8: Zeroizing<Vec<u8>>,
    pub bank_url: String,
    pub bank: BankPublic,
    pub created_at: Timestamp,
}

impl SavedIdentity {
    /// The record of two keys and a bank, made `now`.
    pub fn new(
        signing: &RsaKey,
        sealing: &RsaKey,
        bank_url: String,
        bank: BankPublic,
        now: Timestamp,
    ) -> Result<Self, CryptoError> {
        Ok(Self {
            signing_pkcs8: signing.to_pkcs8_der()?,
            sealing_pkcs8: sealing.to_pkcs8_der()?,
            bank_url,
            bank,
            created_at: now,
        })
    }

    /// The two private keys, read back; `None` if the saved bytes are not
    /// keys any more.
    pub fn private_identity(&self) -> Option<PrivateIdentity> {
        let key = |der: &[u8]| RsaKey::from_pkcs8_der(der).ok();
        Some(PrivateIdentity {
            signing: Box::new(key(&self.signing_pkcs8)?),
            sealing: Box::new(key(&self.sealing_pkcs8)?),
        })
    }
}

impl fmt::Debug for SavedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the private keys.
        f.debug_struct("SavedIdentity")
            .field("bank_url", &self.bank_url)
            .field("bank", &self.bank.id)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

impl Encode for SavedIdentity {
    fn encode(&self, w: &mut Writer) {
        w.u8(VERSION);
        w.bytes16(&self.signing_pkcs8);
        w.bytes16(&self.sealing_pkcs8);
        w.str8(&self.bank_url);
        self.bank.encode(w);
        self.created_at.encode(w);
    }
}

impl Decode for SavedIdentity {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u8()? {
            VERSION => {}
            v => return Err(WireError::UnknownVersion(v)),
        }
        Ok(SavedIdentity {
            signing_pkcs8: Zeroizing::new(
                r.bytes16("signing key", MAX_PRIVATE_KEY_BYTES)?.to_vec(),
            ),
            sealing_pkcs8: Zeroizing::new(
                r.bytes16("sealing key", MAX_PRIVATE_KEY_BYTES)?.to_vec(),
            ),
            bank_url: r.str8("bank address", MAX_BANK_URL)?.to_owned(),
            bank: BankPublic::decode(r)?,
            created_at: Timestamp::decode(r)?,
        })
    }
}
