//! The electronic token (patent step 1014): what it says, its canonical
//! encoding, and the bank's signature over it.
//!
//! Layout, version 1 (integers big-endian unless marked LEB128):
//! ```text
//! u8 version=1 | u8 suite | u8 kind
//!   kind 0 money:         3 bytes currency | LEB128 value in minor units
//!   kind 1 authorization: u8 len, assertion
//! 16 bytes serial | u64 expires_at (Unix seconds)
//! then, in a signed token, the suite's signature (RSA-2048: 256 bytes,
//! Ed25519: 64 bytes)
//! ```
//! A signed money token worth under 128 minor units is 287 bytes with RSA-2048
//! and 95 bytes with Ed25519. The token does not name its bank: the signature
//! does, since only the bank's key makes one that verifies.

use rand_core::CryptoRng;

use crate::amount::Amount;
use crate::amount::Currency;
use crate::assertion::Assertion;
use crate::crypto::{CryptoError, RSA_2048_BYTES, SigningKey, VerifyingKey, labelled};
use crate::ids::TokenSerial;
use crate::suite::Suite;
use crate::time::Timestamp;
use crate::wire::{Decode, Encode, Reader, TextForm, WireError, Writer};

pub const TOKEN_VERSION: u8 = 1;
const SIGNATURE_LABEL: &[u8] = b"halfpenny token v1";

/// What a token is worth: money, or proof of an assertion.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum TokenKind {
    Money(Amount),
    Authorization(Assertion),
}

impl TokenKind {
    pub fn value(&self) -> Option<Amount> {
        match self {
            TokenKind::Money(a) => Some(*a),
            TokenKind::Authorization(_) => None,
        }
    }
}

impl Encode for TokenKind {
    fn encode(&self, w: &mut Writer) {
        match self {
            TokenKind::Money(a) => {
                w.u8(0);
                a.currency().encode(w);
                w.varint(a.minor());
            }
            TokenKind::Authorization(s) => {
                w.u8(1);
                s.encode(w);
            }
        }
    }
}

impl Decode for TokenKind {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u8()? {
            0 => {
                let currency = Currency::decode(r)?;
                let a = Amount::new(r.varint("token value")?, currency);
                if a.is_zero() {
                    return Err(WireError::Invalid("token value"));
                }
                Ok(TokenKind::Money(a))
            }
            1 => Ok(TokenKind::Authorization(Assertion::decode(r)?)),
            tag => Err(WireError::UnknownTag {
                field: "token kind",
                tag,
            }),
        }
    }
}

/// An unsigned token.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Token {
    pub suite: Suite,
    pub kind: TokenKind,
    pub serial: TokenSerial,
    pub expires_at: Timestamp,
}

impl Encode for Token {
    fn encode(&self, w: &mut Writer) {
        w.u8(TOKEN_VERSION);
        self.suite.encode(w);
        self.kind.encode(w);
        self.serial.encode(w);
        self.expires_at.encode(w);
    }
}

impl Decode for Token {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u8()? {
            TOKEN_VERSION => {}
            v => return Err(WireError::UnknownVersion(v)),
        }
        Ok(Token {
            suite: Suite::decode(r)?,
            kind: TokenKind::decode(r)?,
            serial: TokenSerial::decode(r)?,
            expires_at: Timestamp::decode(r)?,
        })
    }
}

impl Token {
    /// A new token with a fresh random serial.
    pub fn mint<R: CryptoRng + ?Sized>(
        suite: Suite,
        kind: TokenKind,
        expires_at: Timestamp,
        rng: &mut R,
    ) -> Token {
        Token {
            suite,
            kind,
            serial: TokenSerial::random(rng),
            expires_at,
        }
    }

    /// Signs the token's canonical encoding with the bank's token key (S_BP(T)).
    pub fn sign(self, key: &dyn SigningKey) -> Result<SignedToken, CryptoError> {
        sign_all(vec![self], key)?
            .pop()
            .ok_or(CryptoError::SigningFailed)
    }
}

/// Signs many tokens in one call to the key, so a backend can use every core.
/// Every token must be of the key's suite.
pub fn sign_all(tokens: Vec<Token>, key: &dyn SigningKey) -> Result<Vec<SignedToken>, CryptoError> {
    let suite = Suite::of_key(key.public_key());
    if tokens.iter().any(|t| t.suite != suite) {
        return Err(CryptoError::SigningFailed);
    }
    let bodies: Vec<Vec<u8>> = tokens.iter().map(Encode::to_bytes).collect();
    let messages: Vec<Vec<u8>> = bodies
        .iter()
        .map(|b| labelled(SIGNATURE_LABEL, b))
        .collect();
    let signatures = key.sign_many(&messages)?;
    if signatures.len() != tokens.len() {
        return Err(CryptoError::SigningFailed);
    }
    tokens
        .into_iter()
        .zip(bodies)
        .zip(signatures)
        .map(|((token, body), signature)| {
            if signature.len() == token.suite.signature_len() {
                Ok(SignedToken {
                    token,
                    body,
                    signature,
                })
            } else {
                Err(CryptoError::SigningFailed)
            }
        })
        .collect()
}

/// A token with the bank's signature: the secret that is split into halves.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignedToken {
    pub token: Token,
    body: Vec<u8>,
    signature: Vec<u8>,
}

impl SignedToken {
    /// Checks the bank's signature over exactly the bytes that were received.
    pub fn verify(&self, bank_key: &dyn VerifyingKey) -> Result<(), CryptoError> {
        bank_key.verify(&labelled(SIGNATURE_LABEL, &self.body), &self.signature)
    }

    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

impl Encode for SignedToken {
    fn encode(&self, w: &mut Writer) {
        w.array(&self.body);
        w.array(&self.signature);
    }
}

impl Decode for SignedToken {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let start = r.position();
        let token = Token::decode(r)?;
        // The layout is canonical, so the bytes just read are the body.
        let body = token.to_bytes();
        debug_assert_eq!(r.position() - start, body.len());
        let signature = r.take(token.suite.signature_len())?.to_vec();
        Ok(SignedToken {
            token,
            body,
            signature,
        })
    }
}

impl TextForm for SignedToken {
    const PREFIX: &'static str = "hpt1.";
    const NAME: &'static str = "token";
}

/// The largest signed token (the longest assertion, or the largest value,
/// under the longest signature).
pub const MAX_SIGNED_TOKEN_BYTES: usize =
    1 + 1 + 1 + 1 + Assertion::MAX_LEN + 16 + 8 + RSA_2048_BYTES;
