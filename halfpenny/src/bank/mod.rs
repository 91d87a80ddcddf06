//! The bank (the patent's financial services provider 18, instructions 1000) as a
//! state machine without I/O.
//!
//! Each operation takes a request as it arrived, plus the records the host
//! loaded for it, the time and a random generator, and returns a decision:
//! the nonce to record, the postings to book, the record changes to make and
//! the messages to send. The host applies a decision in one database
//! transaction, in that order, and sends only after it commits.
//!
//! ## The refund rule (patent Fig. 10, and what it leaves open)
//! A buyer asks for her unspent halves back; the bank opens a *refund case*,
//! marks the purse as refunding and asks the seller to hand in every spent
//! token and unspent half of that purse by a deadline (`return_window_secs`
//! after the request, 72 hours by default).
//! - If the seller answers in time, his spent tokens are credited first, then
//!   each half the buyer presented whose token is still outstanding is refunded
//!   to her. The unspent halves he hands back are credited nothing: a token
//!   leaves "outstanding" only when it is redeemed or her half of it is
//!   refunded.
//! - If he does not, at the deadline the bank refunds her presented halves
//!   whose tokens are still outstanding. Her money is never frozen longer
//!   than the window.
//! - Either way the case settles once. The purse closes when none of its
//!   tokens is outstanding any more; otherwise it opens again, so she may
//!   refund her other unspent halves with a later request (a new case, the
//!   seller asked again, the same deadline rule). While a case is open, a
//!   second request for the same purse is refused (`refund_in_progress`:
//!   a refund of this purse is under way) and changes nothing; she asks
//!   again once it has settled. A purse none of whose tokens is outstanding
//!   (closed, or every token since redeemed) refuses (`purse_closed`).
//! - A seller who later shows a joined token for a refunded half proves that
//!   the buyer paid him with it (only her half could complete his). He is
//!   credited and the buyer is debited by the same amount (a chargeback), until
//!   the token's redemption period ends. So a buyer cannot take back what she
//!   spent, and the bank still pays each token once.
//!
//! Sellers can redeem at any time; a seller that redeems at least once per
//! return window never meets a chargeback at all.

mod mint;
mod redeem;
mod refund;

pub use mint::{Authenticated, Minted};
pub use redeem::Redeemed;
pub use refund::{RefundCase, RefundOpened, Settlement};

use std::collections::BTreeMap;

use crate::amount::{AmountError, Currency};
use crate::assertion::{Assertion, Attribute};
use crate::crypto::seal::SealedBox;
use crate::crypto::{
    Backend, CryptoError, PrivateIdentity, PublicIdentity, SigningKey, VerifyingKey,
};
use crate::ids::{BankId, CaseId, KeyId, PurseId, SessionSerial, TokenSerial};
use crate::ledger::LedgerError;
use crate::letter::{self, Freshness, LetterError, LetterKind, SignedLetter};
use crate::suite::{Suite, TokenKeys};
use crate::time::Timestamp;
use crate::token::TokenKind;
use crate::wire::{Decode, Encode, Reader, WireError, Writer};

/// How the bank runs.
#[derive(Clone, Debug)]
pub struct BankConfig {
    pub id: BankId,
    /// How long minted tokens stay spendable (90 days by default).
    pub token_lifetime_secs: u64,
    /// How long after expiry a seller may still redeem (30 days by default).
    pub redemption_grace_secs: u64,
    /// How long a seller has to answer a return request (72 hours by default).
    pub return_window_secs: u64,
    pub freshness: Freshness,
    pub max_tokens_per_purse: usize,
    /// The suite of a purse whose request names none.
    pub default_suite: Suite,
}

impl BankConfig {
    pub fn new(id: BankId) -> Self {
        Self {
            id,
            token_lifetime_secs: 90 * 86_400,
            redemption_grace_secs: 30 * 86_400,
            return_window_secs: 72 * 3_600,
            freshness: Freshness::default(),
            max_tokens_per_purse: crate::messages::MAX_TOKENS_PER_PURSE,
            default_suite: Suite::Rsa2048Sha256,
        }
    }
}

/// Buyer or seller (a party may be both, with two accounts).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    Buyer,
    Seller,
}

/// What the bank knows of an account holder.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AccountRecord {
    pub identity: PublicIdentity,
    pub role: Role,
    /// Where a seller is reached for return requests.
    pub address: Option<String>,
    pub attributes: Vec<Attribute>,
}

impl AccountRecord {
    pub fn id(&self) -> KeyId {
        self.identity.id()
    }
}

/// Where one token of a purse stands.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TokenStatus {
    Outstanding,
    /// Paid to the seller.
    Redeemed,
    /// Paid back to the buyer.
    Refunded,
    /// Refunded to the buyer, then proved spent by the seller and moved to him.
    ChargedBack,
}

impl TokenStatus {
    pub fn code(self) -> &'static str {
        match self {
            TokenStatus::Outstanding => "outstanding",
            TokenStatus::Redeemed => "redeemed",
            TokenStatus::Refunded => "refunded",
            TokenStatus::ChargedBack => "charged_back",
        }
    }
}

/// The bank's record of one minted token: enough to recognise the token and
/// either half without keeping any of them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TokenRecord {
    pub serial: TokenSerial,
    pub kind: TokenKind,
    /// SHA-256 of the signed token's encoding.
    pub token_digest: [u8; 32],
    pub buyer_share_digest: [u8; 32],
    pub seller_share_digest: [u8; 32],
    pub status: TokenStatus,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PurseState {
    Open,
    Refunding(CaseId),
    Closed,
}

/// The database entry for one purse (patent step 1025).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PurseRecord {
    pub id: PurseId,
    pub buyer: KeyId,
    pub seller: KeyId,
    pub currency: Currency,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub state: PurseState,
    pub tokens: BTreeMap<SessionSerial, TokenRecord>,
}

/// One token's status moving, for the host to apply (conditionally on `from`,
/// so that two racing transactions cannot both move it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TokenChange {
    pub purse: PurseId,
    pub session: SessionSerial,
    pub from: TokenStatus,
    pub to: TokenStatus,
}

impl PurseRecord {
    /// Applies a change made by this state machine. False if the token is not
    /// in the state the change expects (a lost race: the host must retry).
    pub fn apply(&mut self, change: &TokenChange) -> bool {
        match self.tokens.get_mut(&change.session) {
            Some(t) if change.purse == self.id && t.status == change.from => {
                t.status = change.to;
                true
            }
            _ => false,
        }
    }
}

/// Errors of the bank's operations. Each refuses the whole request; nothing changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    #[error(transparent)]
    Letter(#[from] LetterError),
    #[error("the bank has no account for this key")]
    UnknownAccount,
    #[error("this account cannot do that (it is not a {0:?} account)")]
    WrongRole(Role),
    #[error("the seller named in the request is not the one forwarding it")]
    SellerMismatch,
    #[error("the balance is too low: {needed} needed, {available} available")]
    InsufficientFunds { needed: String, available: String },
    #[error("the request asks for no tokens")]
    EmptyRequest,
    #[error("a purse holds at most {max} tokens, {asked} were asked for")]
    TooManyTokens { asked: u64, max: usize },
    #[error("this bank does not sign tokens with {0}")]
    UnsupportedSuite(Suite),
    #[error("every denomination needs a value and a count above zero")]
    BadDenomination,
    #[error("the bank could not prove that the buyer meets `{0}`")]
    AssertionNotProven(Assertion),
    #[error("the bank has no such purse")]
    UnknownPurse,
    #[error("this purse belongs to someone else")]
    NotYourPurse,
    #[error("a refund of this purse is under way; ask for the rest once it has settled")]
    RefundInProgress,
    #[error("this purse is closed: none of its tokens is outstanding")]
    PurseClosed,
    #[error("the answer is for another refund case")]
    CaseMismatch,
    #[error("the refund case is already settled")]
    CaseSettled,
    #[error("the seller still has until {0} to answer")]
    DeadlineNotReached(Timestamp),
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl BankError {
    /// A stable code for the wire.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Letter(e) => e.code(),
            Self::UnknownAccount => "unknown_account",
            Self::WrongRole(_) => "wrong_role",
            Self::SellerMismatch => "seller_mismatch",
            Self::InsufficientFunds { .. } => "insufficient_funds",
            Self::EmptyRequest => "empty_request",
            Self::TooManyTokens { .. } => "too_many_tokens",
            Self::UnsupportedSuite(_) => "unsupported_suite",
            Self::BadDenomination => "bad_denomination",
            Self::AssertionNotProven(_) => "assertion_not_proven",
            Self::UnknownPurse => "unknown_purse",
            Self::NotYourPurse => "not_your_purse",
            Self::RefundInProgress => "refund_in_progress",
            Self::PurseClosed => "purse_closed",
            Self::CaseMismatch => "case_mismatch",
            Self::CaseSettled => "case_settled",
            Self::DeadlineNotReached(_) => "deadline_not_reached",
            Self::Amount(e) => e.code(),
            Self::Ledger(e) => e.code(),
            Self::Crypto(e) => e.code(),
        }
    }
}

/// The bank: its configuration and keys. Everything else is passed in.
#[derive(Debug)]
pub struct Bank {
    pub config: BankConfig,
    identity: PrivateIdentity,
    token_keys: BTreeMap<Suite, Box<dyn SigningKey>>,
    token_public: TokenKeys,
    backend: Box<dyn Backend>,
}

/// What a bank publishes for buyers and sellers.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BankPublic {
    pub id: BankId,
    /// Signs and receives letters.
    pub identity: PublicIdentity,
    /// Sign tokens, one key per suite.
    pub token_keys: TokenKeys,
    /// The suite of a purse whose request names none.
    pub default_suite: Suite,
}

const BANK_PUBLIC_VERSION: u8 = 1;

/// What a wallet or a till saves to work without the bank at hand.
impl Encode for BankPublic {
    fn encode(&self, w: &mut Writer) {
        w.u8(BANK_PUBLIC_VERSION);
        self.id.encode(w);
        self.identity.encode(w);
        self.token_keys.encode(w);
        self.default_suite.encode(w);
    }
}

impl Decode for BankPublic {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u8()? {
            BANK_PUBLIC_VERSION => {}
            v => return Err(WireError::UnknownVersion(v)),
        }
        let public = BankPublic {
            id: BankId::decode(r)?,
            identity: PublicIdentity::decode(r)?,
            token_keys: TokenKeys::decode(r)?,
            default_suite: Suite::decode(r)?,
        };
        if public.token_keys.get(public.default_suite).is_none() {
            return Err(WireError::Invalid("default suite"));
        }
        Ok(public)
    }
}

impl Bank {
    /// A bank with one token key per suite it signs; the default suite must
    /// be one of them.
    pub fn new(
        config: BankConfig,
        identity: PrivateIdentity,
        token_keys: Vec<Box<dyn SigningKey>>,
        backend: Box<dyn Backend>,
    ) -> Result<Self, BankError> {
        let mut keys = BTreeMap::new();
        for key in token_keys {
            let suite = Suite::of_key(key.public_key());
            if keys.insert(suite, key).is_some() {
                return Err(BankError::Crypto(CryptoError::BadPrivateKey));
            }
        }
        if !keys.contains_key(&config.default_suite) {
            return Err(BankError::UnsupportedSuite(config.default_suite));
        }
        let token_public = TokenKeys::new(keys.values().map(|k| k.public_key().clone()))?;
        Ok(Self {
            config,
            identity,
            token_keys: keys,
            token_public,
            backend,
        })
    }

    pub fn public(&self) -> BankPublic {
        BankPublic {
            id: self.config.id.clone(),
            identity: self.identity.public(),
            token_keys: self.token_public.clone(),
            default_suite: self.config.default_suite,
        }
    }

    /// The key that signs this suite's tokens.
    fn token_key(&self, suite: Suite) -> Result<&dyn SigningKey, BankError> {
        self.token_keys
            .get(&suite)
            .map(|k| k.as_ref())
            .ok_or(BankError::UnsupportedSuite(suite))
    }

    /// Step 1002: opens a sealed letter of the expected kind and checks that it
    /// is meant for this bank and fresh. The host then checks the nonce
    /// (`letter.letter.nonce`) has not been seen and loads the sender's account
    /// (`letter.letter.sender`).
    pub fn open(
        &self,
        sealed: &SealedBox,
        kind: LetterKind,
        now: Timestamp,
    ) -> Result<SignedLetter, BankError> {
        let letter = self.unseal(sealed)?;
        self.check(&letter, kind, now)?;
        Ok(letter)
    }

    /// Opens a sealed letter for this bank without judging it yet (see
    /// [`letter::unseal`]); follow with [`Bank::check`].
    pub fn unseal(&self, sealed: &SealedBox) -> Result<SignedLetter, BankError> {
        Ok(letter::unseal(
            sealed,
            self.identity.id(),
            self.identity.sealing.as_ref(),
        )?)
    }

    /// Checks an unsealed letter's recipient, kind and age.
    pub fn check(
        &self,
        letter: &SignedLetter,
        kind: LetterKind,
        now: Timestamp,
    ) -> Result<(), BankError> {
        Ok(letter.check(self.identity.id(), kind, now, self.config.freshness)?)
    }

    /// Steps 1004-1010: the sender is who the letter says, or nothing happens.
    fn authenticate_inner<B: Decode>(
        &self,
        letter: &SignedLetter,
        sender: &AccountRecord,
    ) -> Result<B, BankError> {
        if letter.letter.sender != sender.id() {
            return Err(BankError::Letter(LetterError::WrongSender));
        }
        let key: Box<dyn VerifyingKey> = self.backend.verifying_key(&sender.identity.signing)?;
        Ok(letter.verify(key.as_ref())?)
    }

    fn require_role(account: &AccountRecord, role: Role) -> Result<(), BankError> {
        if account.role == role {
            Ok(())
        } else {
            Err(BankError::WrongRole(role))
        }
    }
}
