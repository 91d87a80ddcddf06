//! Splitting a signed token into n shares (patent steps 1016-1024, claims 1-2):
//! n-1 random pads and one share that is the token XOR all the pads. Joining
//! all n shares by XOR gives the token back; any n-1 of them are uniformly
//! random bytes that say nothing about it.

use std::fmt;

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::ids::{PurseId, SessionSerial};
use crate::token::MAX_SIGNED_TOKEN_BYTES;
use crate::wire::{Decode, Encode, Reader, TextForm, WireError, Writer};

/// The most parties one token can be split between.
pub const MAX_PARTIES: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("a token is split between 2 and {MAX_PARTIES} parties, not {0}")]
    PartyCount(usize),
    #[error("the shares to join have different lengths")]
    LengthMismatch,
    #[error("there is nothing to split")]
    Empty,
}

impl SplitError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::PartyCount(_) => "bad_party_count",
            Self::LengthMismatch => "share_length_mismatch",
            Self::Empty => "empty_secret",
        }
    }
}

/// One party's item of a split token. Worthless alone; wiped from memory when dropped.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Share(Vec<u8>);

impl Share {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Share(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// SHA-256 of the share: lets the bank recognise a share without keeping it.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(&self.0).into()
    }
}

impl fmt::Debug for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Share({} bytes)", self.0.len())
    }
}

impl Encode for Share {
    fn encode(&self, w: &mut Writer) {
        w.bytes16(&self.0);
    }
}

impl Decode for Share {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let b = r.bytes16("share", MAX_SIGNED_TOKEN_BYTES)?;
        if b.is_empty() {
            return Err(WireError::Invalid("share"));
        }
        Ok(Share(b.to_vec()))
    }
}

/// Splits `secret` into `parties` shares. The first `parties - 1` are fresh
/// random pads drawn from `rng`; the last is `secret` XOR every pad.
pub fn split<R: CryptoRng + ?Sized>(
    secret: &[u8],
    parties: usize,
    rng: &mut R,
) -> Result<Vec<Share>, SplitError> {
    if !(2..=MAX_PARTIES).contains(&parties) {
        return Err(SplitError::PartyCount(parties));
    }
    if secret.is_empty() {
        return Err(SplitError::Empty);
    }
    let mut last = secret.to_vec();
    let mut shares = Vec::with_capacity(parties);
    for _ in 1..parties {
        let mut pad = vec![0u8; secret.len()];
        rng.fill_bytes(&mut pad);
        xor_into(&mut last, &pad);
        shares.push(Share(pad));
    }
    shares.push(Share(last));
    Ok(shares)
}

/// Joins every share of one token (any order) back into the secret.
pub fn join(shares: &[&Share]) -> Result<Vec<u8>, SplitError> {
    let (first, rest) = shares.split_first().ok_or(SplitError::PartyCount(0))?;
    if rest.is_empty() || shares.len() > MAX_PARTIES {
        return Err(SplitError::PartyCount(shares.len()));
    }
    let mut out = first.0.clone();
    for s in rest {
        if s.0.len() != out.len() {
            return Err(SplitError::LengthMismatch);
        }
        xor_into(&mut out, &s.0);
    }
    Ok(out)
}

fn xor_into(acc: &mut [u8], other: &[u8]) {
    for (a, b) in acc.iter_mut().zip(other) {
        *a ^= b;
    }
}

/// A share as it sits in a purse or travels in a payment: which token
/// (session serial) it belongs to, and the share. (Not a thing for sale:
/// that is a shop's catalog item, named by `PaymentRequest::item`.)
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TokenShare {
    pub session: SessionSerial,
    pub share: Share,
}

impl Encode for TokenShare {
    fn encode(&self, w: &mut Writer) {
        self.session.encode(w);
        self.share.encode(w);
    }
}

impl Decode for TokenShare {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(TokenShare {
            session: SessionSerial::decode(r)?,
            share: Share::decode(r)?,
        })
    }
}

const HALF_VERSION: u8 = 1;

/// One half on its own, named by purse and session serial: what a wallet can
/// show as text and a till can read.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Half {
    pub purse: PurseId,
    pub share: TokenShare,
}

impl Encode for Half {
    fn encode(&self, w: &mut Writer) {
        w.u8(HALF_VERSION);
        self.purse.encode(w);
        self.share.encode(w);
    }
}

impl Decode for Half {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u8()? {
            HALF_VERSION => Ok(Half {
                purse: PurseId::decode(r)?,
                share: TokenShare::decode(r)?,
            }),
            v => Err(WireError::UnknownVersion(v)),
        }
    }
}

impl TextForm for Half {
    const PREFIX: &'static str = "hph1.";
    const NAME: &'static str = "token half";
}
