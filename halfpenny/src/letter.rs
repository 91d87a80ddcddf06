//! Signed, sealed letters: how parties talk to the bank (patent steps 104-106,
//! 1002-1010). A letter names its kind, sender and recipient, carries a nonce
//! and a timestamp, and is signed by the sender over all of that; then it is
//! sealed for the recipient. Forwarding it to anyone else, replaying it, or
//! presenting it as another kind of message is detected.

use rand_core::CryptoRng;

use crate::crypto::seal::{self, SealedBox};
use crate::crypto::{
    CryptoError, DecryptionKey, PublicIdentity, SigningKey, VerifyingKey, labelled,
};
use crate::ids::{KeyId, Nonce};
use crate::time::Timestamp;
use crate::wire::{Decode, Encode, MAX_MESSAGE_BYTES, Reader, WireError, Writer};

const LETTER_VERSION: u8 = 1;
const SIGNATURE_LABEL: &[u8] = b"halfpenny letter v1";

/// What a letter is, bound into its signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum LetterKind {
    PurseRequest = 1,
    SellerPurse = 2,
    BuyerPurse = 3,
    Redemption = 4,
    Refund = 5,
    ReturnRequest = 6,
    ReturnResponse = 7,
    RedemptionResult = 8,
    RefundResult = 9,
    StatementRequest = 10,
    /// A party asks for the letters waiting in its own inbox.
    InboxRequest = 11,
    /// A buyer or seller asks where one of their refund cases stands.
    CaseRequest = 12,
    /// A seller sets or removes the address the bank posts notices to.
    AddressChange = 13,
    /// A buyer asks the bank for her purse of a request it already answered.
    PurseRecovery = 14,
}

impl LetterKind {
    fn from_u8(v: u8) -> Option<Self> {
        use LetterKind::*;
        [
            PurseRequest,
            SellerPurse,
            BuyerPurse,
            Redemption,
            Refund,
            ReturnRequest,
            ReturnResponse,
            RedemptionResult,
            RefundResult,
            StatementRequest,
            InboxRequest,
            CaseRequest,
            AddressChange,
            PurseRecovery,
        ]
        .into_iter()
        .find(|k| *k as u8 == v)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LetterError {
    #[error("the message could not be opened: {0}")]
    Crypto(#[from] CryptoError),
    #[error("the message is malformed: {0}")]
    Malformed(#[from] WireError),
    #[error("the message was meant for someone else")]
    WrongRecipient,
    #[error("expected a {expected:?} message, got a {got:?}")]
    WrongKind {
        expected: LetterKind,
        got: LetterKind,
    },
    #[error("the message is too old; make a new one")]
    Expired,
    #[error("the message is dated in the future; check the clock")]
    FromTheFuture,
    #[error("the message was signed by a key other than the sender's")]
    WrongSender,
}

impl LetterError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Crypto(e) => e.code(),
            Self::Malformed(e) => e.code(),
            Self::WrongRecipient => "wrong_recipient",
            Self::WrongKind { .. } => "wrong_message_kind",
            Self::Expired => "message_expired",
            Self::FromTheFuture => "message_from_future",
            Self::WrongSender => "wrong_sender",
        }
    }
}

/// How far a letter's timestamp may be from the receiver's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Freshness {
    pub max_age_secs: u64,
    pub max_skew_secs: u64,
}

impl Default for Freshness {
    fn default() -> Self {
        Self {
            max_age_secs: 600,
            max_skew_secs: 120,
        }
    }
}

/// The signed content of a letter.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Letter {
    pub kind: LetterKind,
    pub sender: KeyId,
    pub recipient: KeyId,
    pub nonce: Nonce,
    pub created_at: Timestamp,
    pub body: Vec<u8>,
}

impl Encode for Letter {
    fn encode(&self, w: &mut Writer) {
        w.u8(LETTER_VERSION);
        w.u8(self.kind as u8);
        self.sender.encode(w);
        self.recipient.encode(w);
        self.nonce.encode(w);
        self.created_at.encode(w);
        w.bytes32(&self.body);
    }
}

impl Decode for Letter {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u8()? {
            LETTER_VERSION => {}
            v => return Err(WireError::UnknownVersion(v)),
        }
        let tag = r.u8()?;
        let kind = LetterKind::from_u8(tag).ok_or(WireError::UnknownTag {
            field: "message kind",
            tag,
        })?;
        Ok(Letter {
            kind,
            sender: KeyId::decode(r)?,
            recipient: KeyId::decode(r)?,
            nonce: Nonce::decode(r)?,
            created_at: Timestamp::decode(r)?,
            body: r.bytes32("message body", MAX_MESSAGE_BYTES)?.to_vec(),
        })
    }
}

/// A letter and its sender's signature over its exact bytes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignedLetter {
    pub letter: Letter,
    bytes: Vec<u8>,
    signature: Vec<u8>,
}

impl Encode for SignedLetter {
    fn encode(&self, w: &mut Writer) {
        w.bytes32(&self.bytes);
        w.bytes16(&self.signature);
    }
}

impl Decode for SignedLetter {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let bytes = r.bytes32("letter", MAX_MESSAGE_BYTES)?.to_vec();
        let signature = r.bytes16("signature", 1024)?.to_vec();
        let letter = Letter::from_bytes(&bytes)?;
        Ok(SignedLetter {
            letter,
            bytes,
            signature,
        })
    }
}

/// Writes, signs and seals a letter from `sender` to `to`.
pub fn send<R: CryptoRng + ?Sized>(
    kind: LetterKind,
    body: &impl Encode,
    sender: &dyn SigningKey,
    to: &PublicIdentity,
    now: Timestamp,
    rng: &mut R,
) -> Result<(SealedBox, Nonce), CryptoError> {
    let signed = sign(kind, body, sender, to.id(), now, rng)?;
    let nonce = signed.letter.nonce;
    Ok((
        seal::seal(to.id(), &to.sealing, &signed.to_bytes(), rng)?,
        nonce,
    ))
}

/// Writes and signs a letter (without sealing it).
pub fn sign<R: CryptoRng + ?Sized>(
    kind: LetterKind,
    body: &impl Encode,
    sender: &dyn SigningKey,
    recipient: KeyId,
    now: Timestamp,
    rng: &mut R,
) -> Result<SignedLetter, CryptoError> {
    let letter = Letter {
        kind,
        sender: sender.public_key().id(),
        recipient,
        nonce: Nonce::random(rng),
        created_at: now,
        body: body.to_bytes(),
    };
    let bytes = letter.to_bytes();
    let signature = sender.sign(&labelled(SIGNATURE_LABEL, &bytes))?;
    Ok(SignedLetter {
        letter,
        bytes,
        signature,
    })
}

/// Opens a sealed letter meant for `me` and checks its kind and age. The
/// signature is not checked yet: the caller first looks up the sender's key
/// by [`Letter::sender`], then calls [`SignedLetter::verify`].
pub fn open(
    sealed: &SealedBox,
    me: KeyId,
    key: &dyn DecryptionKey,
    kind: LetterKind,
    now: Timestamp,
    freshness: Freshness,
) -> Result<SignedLetter, LetterError> {
    let signed = unseal(sealed, me, key)?;
    signed.check(me, kind, now, freshness)?;
    Ok(signed)
}

/// Opens a sealed letter meant for `me` without checking anything inside.
/// Hosts use it to look the nonce up before judging the letter's age, so a
/// late retry of a request still gets its first answer.
pub fn unseal(
    sealed: &SealedBox,
    me: KeyId,
    key: &dyn DecryptionKey,
) -> Result<SignedLetter, LetterError> {
    // An old box names its recipient: one for someone else is refused as such.
    if sealed.named_recipient.is_some_and(|named| named != me) {
        return Err(LetterError::WrongRecipient);
    }
    let plain = seal::open(key, me, sealed)?;
    Ok(SignedLetter::from_bytes(&plain)?)
}

impl SignedLetter {
    /// Checks recipient, kind and age (everything but the signature).
    pub fn check(
        &self,
        me: KeyId,
        kind: LetterKind,
        now: Timestamp,
        freshness: Freshness,
    ) -> Result<(), LetterError> {
        let l = &self.letter;
        if l.recipient != me {
            return Err(LetterError::WrongRecipient);
        }
        if l.kind != kind {
            return Err(LetterError::WrongKind {
                expected: kind,
                got: l.kind,
            });
        }
        if l.created_at > now.plus(freshness.max_skew_secs) {
            return Err(LetterError::FromTheFuture);
        }
        if l.created_at < now.minus(freshness.max_age_secs) {
            return Err(LetterError::Expired);
        }
        Ok(())
    }

    /// Checks the sender's signature and decodes the body.
    pub fn verify<B: Decode>(&self, sender_key: &dyn VerifyingKey) -> Result<B, LetterError> {
        if sender_key.public_key().id() != self.letter.sender {
            return Err(LetterError::WrongSender);
        }
        sender_key.verify(&labelled(SIGNATURE_LABEL, &self.bytes), &self.signature)?;
        Ok(B::from_bytes(&self.letter.body)?)
    }
}

/// A known sender (for buyers and sellers: their bank) whose letters are
/// opened, checked and verified in one step.
#[derive(Debug)]
pub struct Correspondent {
    key: Box<dyn VerifyingKey>,
    pub freshness: Freshness,
}

impl Correspondent {
    pub fn new(key: Box<dyn VerifyingKey>, freshness: Freshness) -> Self {
        Self { key, freshness }
    }

    /// Opens a letter of `kind` from this sender, sealed for `me`, and decodes its body.
    pub fn open<B: Decode>(
        &self,
        sealed: &SealedBox,
        me: KeyId,
        my_key: &dyn DecryptionKey,
        kind: LetterKind,
        now: Timestamp,
    ) -> Result<B, LetterError> {
        open(sealed, me, my_key, kind, now, self.freshness)?.verify(self.key.as_ref())
    }
}
