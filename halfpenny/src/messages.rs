//! The bodies of every message in the patent's flows. Each is encoded with the
//! canonical wire format; those that travel outside letters are versioned and
//! have a text form.

use crate::amount::{Amount, Currency};
use crate::assertion::Assertion;
use crate::crypto::seal::SealedBox;
use crate::ids::{BankId, CaseId, KeyId, Nonce, PurseId, SessionSerial};
use crate::split::{Share, TokenShare};
use crate::suite::Suite;
use crate::time::Timestamp;
use crate::token::{SignedToken, TokenKind};
use crate::wire::{Decode, Encode, Reader, TextForm, WireError, Writer, get_option, put_option};

/// The most tokens in one purse.
pub const MAX_TOKENS_PER_PURSE: usize = 10_000;
/// The most halves in one payment, refund or redemption line list.
pub const MAX_HALVES_PER_MESSAGE: usize = 10_000;
/// The longest item name in a payment request.
pub const MAX_ITEM_NAME: usize = 64;

macro_rules! versioned {
    ($t:ty, $v:literal, |$s:ident, $w:ident| $enc:block, |$r:ident| $dec:block) => {
        impl Encode for $t {
            fn encode(&$s, $w: &mut Writer) {
                $w.u8($v);
                $enc
            }
        }
        impl Decode for $t {
            fn decode($r: &mut Reader<'_>) -> Result<Self, WireError> {
                match $r.u8()? {
                    $v => $dec,
                    v => Err(WireError::UnknownVersion(v)),
                }
            }
        }
    };
}

/// So many tokens of one value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Denomination {
    pub value_minor: u64,
    pub count: u32,
}

impl Denomination {
    /// An order from `(value in minor units, count)` pairs.
    pub fn list(pairs: &[(u64, u32)]) -> Vec<Denomination> {
        pairs
            .iter()
            .map(|&(value_minor, count)| Denomination { value_minor, count })
            .collect()
    }
}

impl Encode for Denomination {
    fn encode(&self, w: &mut Writer) {
        w.u64(self.value_minor);
        w.u32(self.count);
    }
}

impl Decode for Denomination {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(Denomination {
            value_minor: r.u64()?,
            count: r.u32()?,
        })
    }
}

/// So many authorization tokens asserting one thing.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AuthorizationOrder {
    pub assertion: Assertion,
    pub count: u32,
}

impl Encode for AuthorizationOrder {
    fn encode(&self, w: &mut Writer) {
        self.assertion.encode(w);
        w.u32(self.count);
    }
}

impl Decode for AuthorizationOrder {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(AuthorizationOrder {
            assertion: Assertion::decode(r)?,
            count: r.u32()?,
        })
    }
}

/// The buyer's request for a purse (patent Fig. 2), signed by her and sealed
/// for the bank. Who she is travels only inside the sealed letter.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PurseRequest {
    pub seller: KeyId,
    pub currency: Currency,
    pub money: Vec<Denomination>,
    pub authorizations: Vec<AuthorizationOrder>,
    /// The token suite the buyer asks for; the bank's default if none.
    pub suite: Option<Suite>,
}

versioned!(
    PurseRequest,
    1,
    |self, w| {
        self.seller.encode(w);
        self.currency.encode(w);
        w.list(&self.money);
        w.list(&self.authorizations);
        put_option(w, &self.suite);
    },
    |r| {
        Ok(PurseRequest {
            seller: KeyId::decode(r)?,
            currency: Currency::decode(r)?,
            money: r.list("denominations", 64)?,
            authorizations: r.list("authorizations", 16)?,
            suite: get_option(r, "suite")?,
        })
    }
);

/// What the buyer hands the seller to forward (patent Fig. 3): the bank to send
/// it to and the sealed request. Nothing in it names the buyer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ForwardedPurseRequest {
    pub bank: BankId,
    pub sealed: SealedBox,
}

versioned!(
    ForwardedPurseRequest,
    1,
    |self, w| {
        self.bank.encode(w);
        self.sealed.encode(w);
    },
    |r| {
        Ok(ForwardedPurseRequest {
            bank: BankId::decode(r)?,
            sealed: SealedBox::decode(r)?,
        })
    }
);

impl TextForm for ForwardedPurseRequest {
    const PREFIX: &'static str = "hpq1.";
    const NAME: &'static str = "purse request";
}

/// One token's item in a purse, with what the token is (the bank says so in
/// its signed purse, since a share alone reveals nothing).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PurseEntry {
    pub session: SessionSerial,
    pub kind: TokenKind,
    pub share: Share,
}

impl Encode for PurseEntry {
    fn encode(&self, w: &mut Writer) {
        self.session.encode(w);
        self.kind.encode(w);
        self.share.encode(w);
    }
}

impl Decode for PurseEntry {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(PurseEntry {
            session: SessionSerial::decode(r)?,
            kind: TokenKind::decode(r)?,
            share: Share::decode(r)?,
        })
    }
}

/// A purse (patent steps 1026-1028): one party's shares of every token minted for
/// one buyer and one seller. The seller's and the buyer's purses have the same
/// shape and never share an item.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PurseContents {
    pub purse: PurseId,
    pub bank: BankId,
    pub seller: KeyId,
    pub currency: Currency,
    pub expires_at: Timestamp,
    pub entries: Vec<PurseEntry>,
}

versioned!(
    PurseContents,
    1,
    |self, w| {
        self.purse.encode(w);
        self.bank.encode(w);
        self.seller.encode(w);
        self.currency.encode(w);
        self.expires_at.encode(w);
        w.list(&self.entries);
    },
    |r| {
        Ok(PurseContents {
            purse: PurseId::decode(r)?,
            bank: BankId::decode(r)?,
            seller: KeyId::decode(r)?,
            currency: Currency::decode(r)?,
            expires_at: Timestamp::decode(r)?,
            entries: r.list("purse entries", MAX_TOKENS_PER_PURSE)?,
        })
    }
);

/// The bank's answer to a purse request, sent to the seller (step 1030): his
/// purse sealed for him, hers sealed for her, to pass on.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MintResponse {
    pub seller_purse: SealedBox,
    pub buyer_purse: SealedBox,
}

versioned!(
    MintResponse,
    1,
    |self, w| {
        self.seller_purse.encode(w);
        self.buyer_purse.encode(w);
    },
    |r| {
        Ok(MintResponse {
            seller_purse: SealedBox::decode(r)?,
            buyer_purse: SealedBox::decode(r)?,
        })
    }
);

/// What a seller asks for: an item at a price, perhaps needing an assertion.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PaymentRequest {
    pub seller: KeyId,
    /// Names this payment; the wallet echoes it and asks about it after a lost reply.
    pub payment: Nonce,
    pub item: String,
    pub price: Amount,
    pub requires: Option<Assertion>,
    pub expires_at: Timestamp,
}

versioned!(
    PaymentRequest,
    1,
    |self, w| {
        self.seller.encode(w);
        self.payment.encode(w);
        w.str8(&self.item);
        self.price.encode(w);
        put_option(w, &self.requires);
        self.expires_at.encode(w);
    },
    |r| {
        Ok(PaymentRequest {
            seller: KeyId::decode(r)?,
            payment: Nonce::decode(r)?,
            item: r.str8("item", MAX_ITEM_NAME)?.to_owned(),
            price: Amount::decode(r)?,
            requires: get_option(r, "requirement")?,
            expires_at: Timestamp::decode(r)?,
        })
    }
);

impl TextForm for PaymentRequest {
    const PREFIX: &'static str = "hpr1.";
    const NAME: &'static str = "payment request";
}

/// A payment (patent Fig. 7): the buyer's halves for one purse, sent as they are.
/// No signature, no encryption: a half is worthless to anyone but the seller.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Payment {
    pub payment: Nonce,
    pub purse: PurseId,
    pub halves: Vec<TokenShare>,
}

versioned!(
    Payment,
    1,
    |self, w| {
        self.payment.encode(w);
        self.purse.encode(w);
        w.list(&self.halves);
    },
    |r| {
        Ok(Payment {
            payment: Nonce::decode(r)?,
            purse: PurseId::decode(r)?,
            halves: r.list("payment halves", MAX_HALVES_PER_MESSAGE)?,
        })
    }
);

impl TextForm for Payment {
    const PREFIX: &'static str = "hpp1.";
    const NAME: &'static str = "payment";
}

/// The seller's answer to a good payment.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Receipt {
    pub payment: Nonce,
    pub purse: PurseId,
    pub item: String,
    pub price: Amount,
    /// What the tokens were worth; more than the price only when the buyer
    /// could not pay exactly (no change is given).
    pub paid: Amount,
    pub sessions: Vec<SessionSerial>,
    pub authorized: Option<Assertion>,
    pub accepted_at: Timestamp,
}

versioned!(
    Receipt,
    1,
    |self, w| {
        self.payment.encode(w);
        self.purse.encode(w);
        w.str8(&self.item);
        self.price.encode(w);
        self.paid.encode(w);
        w.list(&self.sessions);
        put_option(w, &self.authorized);
        self.accepted_at.encode(w);
    },
    |r| {
        Ok(Receipt {
            payment: Nonce::decode(r)?,
            purse: PurseId::decode(r)?,
            item: r.str8("item", MAX_ITEM_NAME)?.to_owned(),
            price: Amount::decode(r)?,
            paid: Amount::decode(r)?,
            sessions: r.list("sessions", MAX_HALVES_PER_MESSAGE)?,
            authorized: get_option(r, "authorization")?,
            accepted_at: Timestamp::decode(r)?,
        })
    }
);

impl TextForm for Receipt {
    const PREFIX: &'static str = "hpc1.";
    const NAME: &'static str = "receipt";
}

/// A joined token the seller hands in, with where it came from.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SpentToken {
    pub purse: PurseId,
    pub session: SessionSerial,
    pub token: SignedToken,
}

impl Encode for SpentToken {
    fn encode(&self, w: &mut Writer) {
        self.purse.encode(w);
        self.session.encode(w);
        self.token.encode(w);
    }
}

impl Decode for SpentToken {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(SpentToken {
            purse: PurseId::decode(r)?,
            session: SessionSerial::decode(r)?,
            token: SignedToken::decode(r)?,
        })
    }
}

/// The seller's request to be paid for his tokens (patent Fig. 9).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RedemptionRequest {
    pub tokens: Vec<SpentToken>,
}

versioned!(
    RedemptionRequest,
    1,
    |self, w| {
        w.list(&self.tokens);
    },
    |r| {
        Ok(RedemptionRequest {
            tokens: r.list("tokens", MAX_HALVES_PER_MESSAGE)?,
        })
    }
);

/// Why the bank did not pay for a token or a half. Stable on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum Refusal {
    UnknownPurse = 1,
    UnknownSession = 2,
    AlreadyRedeemed = 3,
    AlreadyRefunded = 4,
    BadSignature = 5,
    NotThisToken = 6,
    NotYourPurse = 7,
    WrongShare = 8,
    RedemptionPeriodOver = 9,
    NotMoney = 10,
    Duplicate = 11,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::UnknownPurse => "unknown_purse",
            Refusal::UnknownSession => "unknown_session",
            Refusal::AlreadyRedeemed => "already_redeemed",
            Refusal::AlreadyRefunded => "already_refunded",
            Refusal::BadSignature => "bad_token_signature",
            Refusal::NotThisToken => "token_does_not_match_purse",
            Refusal::NotYourPurse => "not_your_purse",
            Refusal::WrongShare => "wrong_half",
            Refusal::RedemptionPeriodOver => "redemption_period_over",
            Refusal::NotMoney => "not_money",
            Refusal::Duplicate => "duplicate",
        }
    }

    pub fn sentence(self) -> &'static str {
        match self {
            Refusal::UnknownPurse => "The bank has no such purse.",
            Refusal::UnknownSession => "The purse has no token with that serial.",
            Refusal::AlreadyRedeemed => "This token was already paid out.",
            Refusal::AlreadyRefunded => "This token was already refunded.",
            Refusal::BadSignature => "The token's bank signature is not valid.",
            Refusal::NotThisToken => {
                "The token is not the one the bank minted for that place in the purse."
            }
            Refusal::NotYourPurse => "The purse belongs to someone else.",
            Refusal::WrongShare => "The half does not match the one the bank issued.",
            Refusal::RedemptionPeriodOver => "The token expired too long ago to be redeemed.",
            Refusal::NotMoney => "An authorization token has no money value.",
            Refusal::Duplicate => "The same token appears twice in the request.",
        }
    }

    pub(crate) fn from_u8(v: u8) -> Option<Self> {
        use Refusal::*;
        [
            UnknownPurse,
            UnknownSession,
            AlreadyRedeemed,
            AlreadyRefunded,
            BadSignature,
            NotThisToken,
            NotYourPurse,
            WrongShare,
            RedemptionPeriodOver,
            NotMoney,
            Duplicate,
        ]
        .into_iter()
        .find(|r| *r as u8 == v)
    }
}

/// What happened to one token or half.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Outcome {
    Credited(Amount),
    Refused(Refusal),
}

/// One line of a bank's answer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Line {
    pub purse: PurseId,
    pub session: SessionSerial,
    pub outcome: Outcome,
}

impl Encode for Line {
    fn encode(&self, w: &mut Writer) {
        self.purse.encode(w);
        self.session.encode(w);
        match &self.outcome {
            Outcome::Credited(a) => {
                w.u8(0);
                a.encode(w);
            }
            Outcome::Refused(r) => {
                w.u8(1);
                w.u8(*r as u8);
            }
        }
    }
}

impl Decode for Line {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let purse = PurseId::decode(r)?;
        let session = SessionSerial::decode(r)?;
        let outcome = match r.u8()? {
            0 => Outcome::Credited(Amount::decode(r)?),
            1 => {
                let tag = r.u8()?;
                Outcome::Refused(Refusal::from_u8(tag).ok_or(WireError::UnknownTag {
                    field: "refusal",
                    tag,
                })?)
            }
            tag => {
                return Err(WireError::UnknownTag {
                    field: "outcome",
                    tag,
                });
            }
        };
        Ok(Line {
            purse,
            session,
            outcome,
        })
    }
}

/// The bank's answer to a redemption (step 1068): what was credited, what not and why.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RedemptionResult {
    /// The total credited, one amount per currency.
    pub credited: Vec<Amount>,
    pub lines: Vec<Line>,
}

versioned!(
    RedemptionResult,
    1,
    |self, w| {
        w.list(&self.credited);
        w.list(&self.lines);
    },
    |r| {
        Ok(RedemptionResult {
            credited: r.list("totals", 16)?,
            lines: r.list("lines", MAX_HALVES_PER_MESSAGE)?,
        })
    }
);

/// The buyer's request for her unspent halves back (patent Fig. 10).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefundRequest {
    pub purse: PurseId,
    pub halves: Vec<TokenShare>,
}

versioned!(
    RefundRequest,
    1,
    |self, w| {
        self.purse.encode(w);
        w.list(&self.halves);
    },
    |r| {
        Ok(RefundRequest {
            purse: PurseId::decode(r)?,
            halves: r.list("halves", MAX_HALVES_PER_MESSAGE)?,
        })
    }
);

/// An account holder asks for his statement (entries and balance).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StatementRequest {
    pub currency: Currency,
}

versioned!(
    StatementRequest,
    1,
    |self, w| {
        self.currency.encode(w);
    },
    |r| {
        Ok(StatementRequest {
            currency: Currency::decode(r)?,
        })
    }
);

/// A party asks for the letters waiting in its own inbox after the letter
/// with id `after` (0 for all).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InboxRequest {
    pub after: u64,
}

versioned!(
    InboxRequest,
    1,
    |self, w| {
        w.u64(self.after);
    },
    |r| { Ok(InboxRequest { after: r.u64()? }) }
);

/// A buyer or seller asks where one of their refund cases stands.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CaseRequest {
    pub case: CaseId,
}

versioned!(
    CaseRequest,
    1,
    |self, w| {
        self.case.encode(w);
    },
    |r| {
        Ok(CaseRequest {
            case: CaseId::decode(r)?,
        })
    }
);

/// A buyer asks the bank for her purse of the purse request with nonce
/// `request`, when its answer was lost on the way back (the shop down, a
/// window closed). Only she gets it, and only her purse.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PurseRecoveryRequest {
    pub request: Nonce,
}

versioned!(
    PurseRecoveryRequest,
    1,
    |self, w| {
        self.request.encode(w);
    },
    |r| {
        Ok(PurseRecoveryRequest {
            request: Nonce::decode(r)?,
        })
    }
);

/// The longest address a seller may register, in bytes.
pub const MAX_ADDRESS_BYTES: usize = 512;

/// A seller sets the address the bank posts his notices to, or removes it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AddressChange {
    pub address: Option<String>,
}

versioned!(
    AddressChange,
    1,
    |self, w| {
        match &self.address {
            None => w.u8(0),
            Some(a) => {
                w.u8(1);
                w.bytes16(a.as_bytes());
            }
        }
    },
    |r| {
        let address = match r.u8()? {
            0 => None,
            1 => {
                let bytes = r.bytes16("address", MAX_ADDRESS_BYTES)?;
                Some(
                    std::str::from_utf8(bytes)
                        .map_err(|_| WireError::invalid("address"))?
                        .to_owned(),
                )
            }
            tag => {
                return Err(WireError::UnknownTag {
                    field: "address",
                    tag,
                });
            }
        };
        Ok(AddressChange { address })
    }
);

impl TextForm for MintResponse {
    const PREFIX: &'static str = "hpm1.";
    const NAME: &'static str = "mint response";
}

/// The bank asks the seller to hand in everything he holds of a purse (step 1084).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReturnRequest {
    pub case: CaseId,
    pub purse: PurseId,
    /// After this the bank settles without him (see the deadline rule in `bank`).
    pub deadline: Timestamp,
}

versioned!(
    ReturnRequest,
    1,
    |self, w| {
        self.case.encode(w);
        self.purse.encode(w);
        self.deadline.encode(w);
    },
    |r| {
        Ok(ReturnRequest {
            case: CaseId::decode(r)?,
            purse: PurseId::decode(r)?,
            deadline: Timestamp::decode(r)?,
        })
    }
);

/// The seller's answer: his spent tokens of the purse and his unspent halves.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReturnResponse {
    pub case: CaseId,
    pub purse: PurseId,
    pub spent: Vec<SpentToken>,
    pub unspent: Vec<TokenShare>,
}

versioned!(
    ReturnResponse,
    1,
    |self, w| {
        self.case.encode(w);
        self.purse.encode(w);
        w.list(&self.spent);
        w.list(&self.unspent);
    },
    |r| {
        Ok(ReturnResponse {
            case: CaseId::decode(r)?,
            purse: PurseId::decode(r)?,
            spent: r.list("spent tokens", MAX_TOKENS_PER_PURSE)?,
            unspent: r.list("unspent halves", MAX_TOKENS_PER_PURSE)?,
        })
    }
);

/// How a refund case ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum SettledBy {
    SellerReturn = 1,
    Deadline = 2,
}

/// What the bank tells both parties when a refund case is settled (step 1099).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefundResult {
    pub case: CaseId,
    pub purse: PurseId,
    pub settled_by: SettledBy,
    pub seller_credited: Amount,
    pub buyer_refunded: Amount,
    pub lines: Vec<Line>,
}

versioned!(
    RefundResult,
    1,
    |self, w| {
        self.case.encode(w);
        self.purse.encode(w);
        w.u8(self.settled_by as u8);
        self.seller_credited.encode(w);
        self.buyer_refunded.encode(w);
        w.list(&self.lines);
    },
    |r| {
        Ok(RefundResult {
            case: CaseId::decode(r)?,
            purse: PurseId::decode(r)?,
            settled_by: match r.u8()? {
                1 => SettledBy::SellerReturn,
                2 => SettledBy::Deadline,
                tag => {
                    return Err(WireError::UnknownTag {
                        field: "settled by",
                        tag,
                    });
                }
            },
            seller_credited: Amount::decode(r)?,
            buyer_refunded: Amount::decode(r)?,
            lines: r.list("lines", 2 * MAX_TOKENS_PER_PURSE)?,
        })
    }
);
