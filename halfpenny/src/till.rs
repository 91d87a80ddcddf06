//! The seller's till (seed instructions 500) as a state machine without I/O:
//! receive purses, accept payments off-line (Fig. 8), hand tokens in for
//! redemption (Fig. 9) and answer the bank's return requests (Fig. 10).
//!
//! A payment is all or nothing: every half must join with one of the
//! seller's, give a token whose kind and value match the purse, and (for
//! those checked) carry a valid signature by the bank's key for its suite; the tokens must cover
//! the price and any required assertion; and no token may be superfluous.
//! Only then are the goods released and the halves consumed.

use std::collections::{BTreeMap, BTreeSet};

use rand_core::CryptoRng;

use crate::amount::{Amount, Currency};
use crate::assertion::Assertion;
use crate::bank::BankPublic;
use crate::crypto::seal::SealedBox;
use crate::crypto::{Backend, CryptoError, PrivateIdentity, VerifyingKey};
use crate::ids::{BankId, KeyId, PurseId, SessionSerial};
use crate::letter::{self, Correspondent, Freshness, LetterError, LetterKind};
use crate::messages::{
    AddressChange, InboxRequest, MAX_TOKENS_PER_PURSE, Payment, PaymentRequest, PurseContents,
    Receipt, RedemptionRequest, ReturnRequest, ReturnResponse, SpentToken,
};
use crate::split::{Share, TokenShare, join};
use crate::suite::Suite;
use crate::time::Timestamp;
use crate::token::{SignedToken, TokenKind};
use crate::wire::{Decode, Encode, Reader, WireError, Writer};

/// Errors of the till. A refused payment consumes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TillError {
    #[error("this payment request is for another seller")]
    WrongSeller,
    #[error("the payment does not answer this payment request")]
    PaymentMismatch,
    #[error("the payment request expired; ask for a new one")]
    RequestExpired,
    #[error("the halves are for another purse")]
    WrongPurse,
    #[error("the payment has no halves")]
    EmptyPayment,
    #[error("half {0} is in the payment twice")]
    DuplicateHalf(SessionSerial),
    /// Every half of the payment that was already spent, in session
    /// order (never empty): the wallet marks exactly these spent.
    #[error("{}", already_spent(.0))]
    AlreadySpent(Vec<SessionSerial>),
    #[error("this purse has no half {0}")]
    UnknownHalf(SessionSerial),
    #[error("half {0} does not join with the seller's half: it is forged or damaged")]
    BadHalf(SessionSerial),
    #[error("the token of half {0} is not what the bank put in the purse")]
    TokenMismatch(SessionSerial),
    #[error("the token of half {0} has expired")]
    TokenExpired(SessionSerial),
    #[error("the bank's signature on the token of half {0} is not valid")]
    BadSignature(SessionSerial),
    #[error("the price is in {price} but the purse is in {purse}")]
    CurrencyMismatch { price: Currency, purse: Currency },
    #[error("the payment is worth {paid} but the price is {price}")]
    NotEnough { paid: String, price: String },
    #[error("this item needs proof of `{0}`")]
    MissingAuthorization(Assertion),
    #[error("the payment holds an authorization that was not asked for")]
    UnexpectedAuthorization,
    #[error("the payment holds more tokens than the price needs")]
    TooManyTokens,
    #[error("the purse is not for this seller or not from this bank")]
    NotOurPurse,
    #[error(transparent)]
    Letter(#[from] LetterError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// How many spent halves a refusal's sentence names; the error itself
/// carries them all.
const NAMED_IN_SENTENCE: usize = 5;

/// `half #3 was already spent`, `halves #3 and #7 were already spent`, or
/// for a long list the first few and how many more.
fn already_spent(sessions: &[SessionSerial]) -> String {
    let named: Vec<String> = sessions
        .iter()
        .take(NAMED_IN_SENTENCE)
        .map(ToString::to_string)
        .collect();
    let more = sessions.len().saturating_sub(named.len());
    match (named.as_slice(), more) {
        ([one], 0) => format!("half {one} was already spent"),
        ([first @ .., last], 0) => {
            format!("halves {} and {last} were already spent", first.join(", "))
        }
        (named, more) => format!(
            "halves {} and {more} more were already spent",
            named.join(", ")
        ),
    }
}

impl TillError {
    /// A stable code for the wire.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongSeller => "wrong_seller",
            Self::PaymentMismatch => "payment_mismatch",
            Self::RequestExpired => "request_expired",
            Self::WrongPurse => "wrong_purse",
            Self::EmptyPayment => "empty_payment",
            Self::DuplicateHalf(_) => "duplicate_half",
            Self::AlreadySpent(_) => "double_spend",
            Self::UnknownHalf(_) => "unknown_half",
            Self::BadHalf(_) => "bad_half",
            Self::TokenMismatch(_) => "token_mismatch",
            Self::TokenExpired(_) => "token_expired",
            Self::BadSignature(_) => "bad_token_signature",
            Self::CurrencyMismatch { .. } => "currency_mismatch",
            Self::NotEnough { .. } => "not_enough",
            Self::MissingAuthorization(_) => "authorization_required",
            Self::UnexpectedAuthorization => "unexpected_authorization",
            Self::TooManyTokens => "too_many_tokens",
            Self::NotOurPurse => "not_our_purse",
            Self::Letter(e) => e.code(),
            Self::Crypto(e) => e.code(),
        }
    }
}

/// Which joined tokens get their bank signature checked (seed: "all, or a
/// random subset"). A half that does not join is caught either way, because
/// the joined bytes must decode to the exact token the purse describes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VerifyPolicy {
    All,
    /// About one token in `one_in`, chosen with the caller's randomness.
    Sample {
        one_in: u32,
    },
}

/// One of the seller's halves, with what the bank said its token is.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SellerHalf {
    pub kind: TokenKind,
    pub share: Share,
}

/// The seller's side of one purse. It never names the buyer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SellerPurse {
    pub id: PurseId,
    pub bank: BankId,
    pub currency: Currency,
    pub expires_at: Timestamp,
    pub halves: BTreeMap<SessionSerial, SellerHalf>,
    /// Sessions already joined: a half for one of these is a double spend.
    pub spent: BTreeSet<SessionSerial>,
}

impl SellerPurse {
    /// What the unspent halves are worth.
    pub fn unspent_value(&self) -> Amount {
        let minor = self
            .halves
            .values()
            .filter_map(|h| h.kind.value())
            .map(|a| a.minor())
            .fold(0u64, u64::saturating_add);
        Amount::new(minor, self.currency)
    }

    /// Consumes the halves of an accepted payment (step 559). False, and
    /// nothing changed, if any of them is already gone.
    pub fn apply(&mut self, accepted: &Acceptance) -> bool {
        if accepted.receipt.purse != self.id
            || !accepted
                .consumed
                .iter()
                .all(|s| self.halves.contains_key(s))
        {
            return false;
        }
        for s in &accepted.consumed {
            self.halves.remove(s);
            self.spent.insert(*s);
        }
        true
    }

    /// The unspent halves, as handed back to the bank on a return request.
    pub fn unspent_halves(&self) -> Vec<TokenShare> {
        self.halves
            .iter()
            .map(|(s, h)| TokenShare {
                session: *s,
                share: h.share.clone(),
            })
            .collect()
    }
}

const SAVED_PURSE_VERSION: u8 = 1;

/// One of the seller's halves as a host saves it: session, kind, share.
struct SavedHalf<'a>(SessionSerial, &'a SellerHalf);

impl Encode for SavedHalf<'_> {
    fn encode(&self, w: &mut Writer) {
        self.0.encode(w);
        self.1.kind.encode(w);
        self.1.share.encode(w);
    }
}

/// A seller's purse as a till saves it (IndexedDB, a file): versioned, so a
/// later layout can still read what an older till wrote. Halves and spent
/// sessions come in session order, each once, so one purse has one encoding.
impl Encode for SellerPurse {
    fn encode(&self, w: &mut Writer) {
        w.u8(SAVED_PURSE_VERSION);
        self.id.encode(w);
        self.bank.encode(w);
        self.currency.encode(w);
        self.expires_at.encode(w);
        let halves: Vec<SavedHalf<'_>> =
            self.halves.iter().map(|(s, h)| SavedHalf(*s, h)).collect();
        w.list(&halves);
        let spent: Vec<SessionSerial> = self.spent.iter().copied().collect();
        w.list(&spent);
    }
}

/// Reads a count of at most [`MAX_TOKENS_PER_PURSE`] items.
fn purse_count(r: &mut Reader<'_>, field: &'static str) -> Result<usize, WireError> {
    let count = r.u32()? as usize;
    if count > MAX_TOKENS_PER_PURSE {
        return Err(WireError::TooLong {
            field,
            len: count,
            max: MAX_TOKENS_PER_PURSE,
        });
    }
    Ok(count)
}

impl Decode for SellerPurse {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u8()? {
            SAVED_PURSE_VERSION => {}
            v => return Err(WireError::UnknownVersion(v)),
        }
        let id = PurseId::decode(r)?;
        let bank = BankId::decode(r)?;
        let currency = Currency::decode(r)?;
        let expires_at = Timestamp::decode(r)?;
        let mut halves = BTreeMap::new();
        for _ in 0..purse_count(r, "purse halves")? {
            let session = SessionSerial::decode(r)?;
            let half = SellerHalf {
                kind: TokenKind::decode(r)?,
                share: Share::decode(r)?,
            };
            if halves
                .last_key_value()
                .is_some_and(|(last, _)| *last >= session)
            {
                return Err(WireError::Invalid("purse halves order"));
            }
            halves.insert(session, half);
        }
        let mut spent = BTreeSet::new();
        for _ in 0..purse_count(r, "spent sessions")? {
            let session = SessionSerial::decode(r)?;
            if spent.last().is_some_and(|last| *last >= session) {
                return Err(WireError::Invalid("spent sessions order"));
            }
            // A session is either held or spent, never both.
            if halves.contains_key(&session) {
                return Err(WireError::Invalid("a spent session still held"));
            }
            spent.insert(session);
        }
        Ok(SellerPurse {
            id,
            bank,
            currency,
            expires_at,
            halves,
            spent,
        })
    }
}

/// A good payment: consume these halves, keep these tokens, give this receipt.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Acceptance {
    pub consumed: Vec<SessionSerial>,
    pub tokens: Vec<SpentToken>,
    pub receipt: Receipt,
}

/// How old a purse or a bank letter may be when it reaches a till or a wallet.
pub const PURSE_FRESHNESS: Freshness = Freshness {
    max_age_secs: 7 * 86_400,
    max_skew_secs: 300,
};

/// The till: who the seller is and which bank he trusts.
#[derive(Debug)]
pub struct Till {
    me: KeyId,
    bank: BankPublic,
    token_keys: BTreeMap<Suite, Box<dyn VerifyingKey>>,
    bank_letters: Correspondent,
    pub verify: VerifyPolicy,
}

impl Till {
    pub fn new(
        me: KeyId,
        bank: BankPublic,
        backend: &dyn Backend,
        verify: VerifyPolicy,
    ) -> Result<Self, TillError> {
        Ok(Self {
            me,
            token_keys: bank.token_keys.verifiers(backend)?,
            bank_letters: Correspondent::new(
                backend.verifying_key(&bank.identity.signing)?,
                PURSE_FRESHNESS,
            ),
            bank,
            verify,
        })
    }

    pub fn seller(&self) -> KeyId {
        self.me
    }

    /// Opens a letter from the bank addressed to this seller.
    pub fn open_from_bank<B: Decode>(
        &self,
        identity: &PrivateIdentity,
        sealed: &SealedBox,
        kind: LetterKind,
        now: Timestamp,
    ) -> Result<B, TillError> {
        Ok(self
            .bank_letters
            .open(sealed, self.me, identity.sealing.as_ref(), kind, now)?)
    }

    /// Fig. 5: unseals the seller's purse and checks it is his and the bank's.
    pub fn receive_purse(
        &self,
        identity: &PrivateIdentity,
        sealed: &SealedBox,
        now: Timestamp,
    ) -> Result<SellerPurse, TillError> {
        let c: PurseContents =
            self.open_from_bank(identity, sealed, LetterKind::SellerPurse, now)?;
        if c.seller != self.me || c.bank != self.bank.id {
            return Err(TillError::NotOurPurse);
        }
        let mut halves = BTreeMap::new();
        for e in c.entries {
            if halves
                .insert(
                    e.session,
                    SellerHalf {
                        kind: e.kind,
                        share: e.share,
                    },
                )
                .is_some()
            {
                return Err(TillError::NotOurPurse);
            }
        }
        Ok(SellerPurse {
            id: c.purse,
            bank: c.bank,
            currency: c.currency,
            expires_at: c.expires_at,
            halves,
            spent: BTreeSet::new(),
        })
    }

    /// Fig. 8: judges a payment against the purse it names. Changes nothing;
    /// the host consumes the halves with [`SellerPurse::apply`] and persists
    /// the tokens and the receipt, atomically, before releasing the goods.
    pub fn accept<R: CryptoRng + ?Sized>(
        &self,
        request: &PaymentRequest,
        payment: &Payment,
        purse: &SellerPurse,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Acceptance, TillError> {
        if request.seller != self.me {
            return Err(TillError::WrongSeller);
        }
        if payment.payment != request.payment {
            return Err(TillError::PaymentMismatch);
        }
        if now > request.expires_at {
            return Err(TillError::RequestExpired);
        }
        if payment.purse != purse.id {
            return Err(TillError::WrongPurse);
        }
        if request.price.currency() != purse.currency {
            return Err(TillError::CurrencyMismatch {
                price: request.price.currency(),
                purse: purse.currency,
            });
        }
        if payment.halves.is_empty() {
            return Err(TillError::EmptyPayment);
        }
        // Before any half is joined: every half already spent is named, so
        // the wallet learns all of them from one refusal, not one at a time.
        let mut seen = BTreeSet::new();
        let mut spent = Vec::new();
        for item in &payment.halves {
            let s = item.session;
            if !seen.insert(s) {
                return Err(TillError::DuplicateHalf(s));
            }
            if !purse.halves.contains_key(&s) && purse.spent.contains(&s) {
                spent.push(s);
            }
        }
        if !spent.is_empty() {
            spent.sort_unstable();
            return Err(TillError::AlreadySpent(spent));
        }
        let mut values: Vec<u64> = Vec::new();
        let mut authorized: Option<Assertion> = None;
        let mut tokens = Vec::with_capacity(payment.halves.len());
        for item in &payment.halves {
            let s = item.session;
            let token = self.join_one(purse, item, now, rng)?;
            match &token.token.kind {
                TokenKind::Money(v) => values.push(v.minor()),
                TokenKind::Authorization(a)
                    if request.requires.as_ref() == Some(a) && authorized.is_none() =>
                {
                    authorized = Some(a.clone());
                }
                TokenKind::Authorization(_) => return Err(TillError::UnexpectedAuthorization),
            }
            tokens.push(SpentToken {
                purse: purse.id,
                session: s,
                token,
            });
        }
        if let Some(needed) = &request.requires
            && authorized.is_none()
        {
            return Err(TillError::MissingAuthorization(needed.clone()));
        }
        let paid = values.iter().fold(0u64, |a, v| a.saturating_add(*v));
        let price = request.price.minor();
        if paid < price {
            return Err(TillError::NotEnough {
                paid: Amount::new(paid, purse.currency).to_string(),
                price: request.price.to_string(),
            });
        }
        // Step 560 says "enough"; we also refuse a token the price did not need,
        // so a confused wallet cannot give money away.
        let smallest = values.iter().min().copied().unwrap_or(0);
        if !values.is_empty() && paid - smallest >= price {
            return Err(TillError::TooManyTokens);
        }
        let consumed: Vec<SessionSerial> = payment.halves.iter().map(|i| i.session).collect();
        Ok(Acceptance {
            receipt: Receipt {
                payment: payment.payment,
                purse: purse.id,
                item: request.item.clone(),
                price: request.price,
                paid: Amount::new(paid, purse.currency),
                sessions: consumed.clone(),
                authorized,
                accepted_at: now,
            },
            consumed,
            tokens,
        })
    }

    /// Steps 556-558 for one half: find the seller's half, join, and check
    /// that the result is the token the bank said it would be.
    fn join_one<R: CryptoRng + ?Sized>(
        &self,
        purse: &SellerPurse,
        item: &TokenShare,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SignedToken, TillError> {
        let s = item.session;
        let Some(mine) = purse.halves.get(&s) else {
            return Err(if purse.spent.contains(&s) {
                TillError::AlreadySpent(vec![s])
            } else {
                TillError::UnknownHalf(s)
            });
        };
        let joined = join(&[&mine.share, &item.share]).map_err(|_| TillError::BadHalf(s))?;
        let token = SignedToken::from_bytes(&joined).map_err(|_| TillError::BadHalf(s))?;
        if token.token.kind != mine.kind {
            return Err(TillError::TokenMismatch(s));
        }
        if now > token.token.expires_at {
            return Err(TillError::TokenExpired(s));
        }
        let check = match self.verify {
            VerifyPolicy::All => true,
            VerifyPolicy::Sample { one_in } => one_in <= 1 || rng.next_u32().is_multiple_of(one_in),
        };
        if check {
            // A token of another bank, or of a suite this bank does not sign,
            // fails here like any other forgery.
            let key = self
                .token_keys
                .get(&token.token.suite)
                .ok_or(TillError::BadSignature(s))?;
            token
                .verify(key.as_ref())
                .map_err(|_| TillError::BadSignature(s))?;
        }
        Ok(token)
    }

    /// Fig. 9: a signed, sealed request to be paid for these tokens.
    pub fn redemption<R: CryptoRng + ?Sized>(
        &self,
        identity: &PrivateIdentity,
        tokens: Vec<SpentToken>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, TillError> {
        let body = RedemptionRequest { tokens };
        self.to_bank(identity, LetterKind::Redemption, &body, now, rng)
    }

    /// A letter of his to the bank: signed by him, sealed for it.
    fn to_bank<R: CryptoRng + ?Sized>(
        &self,
        identity: &PrivateIdentity,
        kind: LetterKind,
        body: &impl Encode,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, TillError> {
        let (sealed, _) = letter::send(
            kind,
            body,
            identity.signing.as_ref(),
            &self.bank.identity,
            now,
            rng,
        )?;
        Ok(sealed)
    }

    /// A signed request for the letters waiting in his inbox at the bank
    /// after the one with id `after`, sealed for the bank.
    pub fn inbox_request<R: CryptoRng + ?Sized>(
        &self,
        identity: &PrivateIdentity,
        after: u64,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, TillError> {
        let body = InboxRequest { after };
        self.to_bank(identity, LetterKind::InboxRequest, &body, now, rng)
    }

    /// A signed request to set (or, with `None`, remove) the address the
    /// bank posts his notices to, sealed for the bank.
    pub fn address_change<R: CryptoRng + ?Sized>(
        &self,
        identity: &PrivateIdentity,
        address: Option<String>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, TillError> {
        let body = AddressChange { address };
        self.to_bank(identity, LetterKind::AddressChange, &body, now, rng)
    }

    /// Step 1084 from the seller's side: everything he holds of the purse,
    /// spent tokens not yet redeemed and unspent halves, signed and sealed.
    pub fn answer_return<R: CryptoRng + ?Sized>(
        &self,
        identity: &PrivateIdentity,
        ask: &ReturnRequest,
        purse: &SellerPurse,
        unredeemed: Vec<SpentToken>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, TillError> {
        if ask.purse != purse.id {
            return Err(TillError::WrongPurse);
        }
        let body = ReturnResponse {
            case: ask.case,
            purse: purse.id,
            spent: unredeemed
                .into_iter()
                .filter(|t| t.purse == purse.id)
                .collect(),
            unspent: purse.unspent_halves(),
        };
        self.to_bank(identity, LetterKind::ReturnResponse, &body, now, rng)
    }
}
