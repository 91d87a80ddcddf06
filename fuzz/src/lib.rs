//! What the fuzz targets run, one function per target, so the starting-input generator
//! (`examples/starts.rs`) and the targets share the fixtures.
//!
//! - [`decode`]: every decoder of outside bytes (binary and text forms); a
//!   value that decodes must re-encode to exactly the input (one canonical
//!   encoding) and decode again to itself.
//! - [`http_bodies`]: the JSON bodies and path parameters of the bank's and
//!   the shop's HTTP APIs, parsed as their handlers parse them.
//! - [`till_accept`]: the till's `accept` with a fuzzed payment against real
//!   purses; a refused payment changes nothing, an accepted one is sound.
//! - [`bank_letters`]: the bank's open/authenticate path with fuzzed sealed
//!   boxes, fuzzed letters sealed for it, and fuzzed bodies signed by a
//!   real, a wrong or an unknown key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Mutex, OnceLock};

use halfpenny::bank::{AccountRecord, Authenticated, Bank, BankConfig, BankPublic, Role};
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::crypto::seal::{self, SealedBox};
use halfpenny::crypto::{PrivateIdentity, PublicIdentity, PublicKey};
use halfpenny::letter::{self, Letter, LetterKind, SignedLetter};
use halfpenny::messages::{
    AddressChange, AuthorizationOrder, CaseRequest, Denomination, ForwardedPurseRequest,
    InboxRequest, MintResponse, Payment, PaymentRequest, PurseContents, PurseRecoveryRequest,
    PurseRequest, Receipt,
    RedemptionRequest, RedemptionResult, RefundRequest, RefundResult, ReturnRequest,
    ReturnResponse, StatementRequest,
};
use halfpenny::split::{Half, TokenShare, Share};
use halfpenny::till::{SellerPurse, Till, TillError, VerifyPolicy};
use halfpenny::wallet::{BuyerPurse, Wallet};
use halfpenny::wire::{Decode, Encode, TextForm};
use halfpenny::{
    Amount, Assertion, Attribute, BankId, CaseId, Currency, Date, KeyId, Nonce, SessionSerial,
    SignedToken, Suite, Timestamp, Token, TokenKeys, testing,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// The fixtures' clock.
pub const NOW: Timestamp = Timestamp(1_795_478_400);

// ---------------------------------------------------------------------------
// A little reader over the fuzzer's bytes: never fails, zeros when empty.

/// Takes choices from the fuzzer's bytes; past the end every choice is 0.
#[derive(Debug)]
pub struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self(data)
    }

    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    /// A choice in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.u8()) % n
    }

    pub fn rest(self) -> &'a [u8] {
        self.0
    }
}

// ---------------------------------------------------------------------------
// decode

/// A value that decoded from outside bytes is their one canonical encoding.
fn binary<T: Decode + Encode + PartialEq + Debug>(bytes: &[u8]) {
    if let Ok(v) = T::from_bytes(bytes) {
        let again = v.to_bytes();
        assert_eq!(again, bytes, "a decoded value re-encodes to its input");
        assert_eq!(T::from_bytes(&again).as_ref(), Ok(&v));
    }
}

/// The text form: decodes only from its one canonical text (up to the
/// surrounding whitespace it forgives), and the bytes inside obey [`binary`].
fn text<T: TextForm + PartialEq + Debug>(bytes: &[u8]) {
    let Ok(s) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(v) = T::from_text(s) {
        let t = v.to_text();
        assert_eq!(s.trim(), t, "a decoded text re-encodes to its input");
        assert_eq!(T::from_text(&t).as_ref(), Ok(&v));
    }
}

/// What [`decode`]'s first byte selects, in order.
pub const DECODERS: &[&str] = &[
    "signed token",
    "signed token (text)",
    "half",
    "half (text)",
    "payment",
    "payment (text)",
    "payment request",
    "payment request (text)",
    "receipt",
    "receipt (text)",
    "forwarded purse request",
    "forwarded purse request (text)",
    "mint response",
    "mint response (text)",
    "sealed box",
    "sealed box (text)",
    "signed letter",
    "letter",
    "purse request",
    "purse contents",
    "redemption request",
    "redemption result",
    "refund request",
    "statement request",
    "return request",
    "return response",
    "refund result",
    "buyer purse",
    "seller purse",
    "bank public",
    "public key",
    "token keys",
    "token",
    "public identity",
    "item",
    "inbox request",
    "case request",
    "address change",
    "purse recovery request",
];

/// Target `decode`: the first byte picks a decoder, the rest is its input.
pub fn decode(data: &[u8]) {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    match usize::from(which) % DECODERS.len() {
        0 => binary::<SignedToken>(bytes),
        1 => text::<SignedToken>(bytes),
        2 => binary::<Half>(bytes),
        3 => text::<Half>(bytes),
        4 => binary::<Payment>(bytes),
        5 => text::<Payment>(bytes),
        6 => binary::<PaymentRequest>(bytes),
        7 => text::<PaymentRequest>(bytes),
        8 => binary::<Receipt>(bytes),
        9 => text::<Receipt>(bytes),
        10 => binary::<ForwardedPurseRequest>(bytes),
        11 => text::<ForwardedPurseRequest>(bytes),
        12 => binary::<MintResponse>(bytes),
        13 => text::<MintResponse>(bytes),
        14 => binary::<SealedBox>(bytes),
        15 => text::<SealedBox>(bytes),
        16 => binary::<SignedLetter>(bytes),
        17 => binary::<Letter>(bytes),
        18 => binary::<PurseRequest>(bytes),
        19 => binary::<PurseContents>(bytes),
        20 => binary::<RedemptionRequest>(bytes),
        21 => binary::<RedemptionResult>(bytes),
        22 => binary::<RefundRequest>(bytes),
        23 => binary::<StatementRequest>(bytes),
        24 => binary::<ReturnRequest>(bytes),
        25 => binary::<ReturnResponse>(bytes),
        26 => binary::<RefundResult>(bytes),
        27 => binary::<BuyerPurse>(bytes),
        28 => binary::<SellerPurse>(bytes),
        29 => binary::<BankPublic>(bytes),
        30 => binary::<PublicKey>(bytes),
        31 => binary::<TokenKeys>(bytes),
        32 => binary::<Token>(bytes),
        33 => binary::<PublicIdentity>(bytes),
        34 => binary::<TokenShare>(bytes),
        35 => binary::<InboxRequest>(bytes),
        36 => binary::<CaseRequest>(bytes),
        37 => binary::<AddressChange>(bytes),
        _ => binary::<PurseRecoveryRequest>(bytes),
    }
}

// ---------------------------------------------------------------------------
// http_bodies
//
// The request bodies as `bank-server/src/views.rs` and `shop-server/src/views.rs`
// declare them (same field names, types and defaults). The fuzz crate does
// not link the servers (axum, sqlx, aws-lc would make every fuzz build take
// many minutes on the CI machine); it parses the same JSON with serde_json and
// runs the same core parsers their handlers call, in the same order.

mod bank_views {
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    pub struct RegisterBody {
        pub role: String,
        pub signing_key: String,
        pub sealing_key: String,
        #[serde(default)]
        pub address: Option<String>,
    }

    #[derive(Deserialize, Debug)]
    pub struct FundBody {
        pub account: String,
        pub amount_minor: u64,
        pub currency: String,
        #[serde(default)]
        pub direction: Option<String>,
        pub idempotency_key: String,
    }

    #[derive(Deserialize, Debug)]
    pub struct AttributeBody {
        pub account: String,
        #[serde(default)]
        pub date_of_birth: Option<String>,
        #[serde(default)]
        pub flag: Option<String>,
    }

    #[derive(Deserialize, Debug)]
    pub struct PurseBody {
        pub request: String,
    }

    #[derive(Deserialize, Debug)]
    pub struct LetterBody {
        pub letter: String,
    }
}

mod shop_views {
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    pub struct OfferBody {
        pub item: String,
    }

    #[derive(Deserialize, Debug)]
    pub struct PurseBody {
        pub request: String,
    }

    #[derive(Deserialize, Debug)]
    pub struct PaymentBody {
        pub payment: String,
    }

    #[derive(Deserialize, Debug)]
    pub struct NoticeBody {
        pub kind: String,
        pub letter: String,
    }
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    serde_json::from_slice(bytes).ok()
}

/// An account in a body or a path, as the bank reads it.
fn account(s: &str) {
    let _ = KeyId::from_hex(s.strip_prefix("key_").unwrap_or(s));
}

/// What [`http_bodies`]'s first byte selects, in order.
pub const HTTP_BODIES: &[&str] = &[
    "bank POST /v1/accounts",
    "bank POST /v1/operator/fund",
    "bank POST /v1/operator/attributes",
    "bank POST /v1/purses",
    "bank POST /v1/redemptions|refunds|returns|statements",
    "bank POST /v1/inbox|cases|accounts/address|purses/recover",
    "shop POST /shop/v1/offers",
    "shop POST /shop/v1/purses",
    "shop POST /shop/v1/payments",
    "shop POST /shop/v1/bank-notices",
    "shop GET /shop/v1/payments/{payment}",
];

/// Target `http_bodies`: the first byte picks an endpoint, the rest is its body.
pub fn http_bodies(data: &[u8]) {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    match usize::from(which) % HTTP_BODIES.len() {
        0 => {
            if let Some(b) = json::<bank_views::RegisterBody>(bytes) {
                let _ = (b.role.as_str(), b.address.as_ref().map(String::len));
                let _ = PublicKey::from_base64url(&b.signing_key);
                let _ = PublicKey::from_base64url(&b.sealing_key);
            }
        }
        1 => {
            if let Some(b) = json::<bank_views::FundBody>(bytes) {
                account(&b.account);
                if let Ok(c) = Currency::new(&b.currency) {
                    let a = Amount::new(b.amount_minor, c);
                    assert_eq!(a.minor(), b.amount_minor);
                    let _ = a.to_string();
                }
                let _ = (b.direction, b.idempotency_key.len());
            }
        }
        2 => {
            if let Some(b) = json::<bank_views::AttributeBody>(bytes) {
                account(&b.account);
                if let Some(d) = b.date_of_birth {
                    let _ = Date::parse(&d).map(Attribute::DateOfBirth);
                }
                if let Some(f) = b.flag
                    && let Ok(a) = Assertion::parse(&f)
                {
                    assert_eq!(Assertion::parse(&a.to_string()).as_ref(), Ok(&a));
                }
            }
        }
        3 => {
            if let Some(b) = json::<bank_views::PurseBody>(bytes) {
                let _ = ForwardedPurseRequest::from_text(&b.request);
            }
        }
        4 => {
            if let Some(b) = json::<bank_views::LetterBody>(bytes) {
                let _ = SealedBox::from_text(&b.letter);
            }
        }
        5 => {
            // Signed lookups and address changes: a letter, like 4.
            if let Some(b) = json::<bank_views::LetterBody>(bytes) {
                let _ = SealedBox::from_text(&b.letter);
            }
        }
        6 => {
            if let Some(b) = json::<shop_views::OfferBody>(bytes) {
                let _ = b.item.len();
            }
        }
        7 => {
            if let Some(b) = json::<shop_views::PurseBody>(bytes) {
                let _ = ForwardedPurseRequest::from_text(&b.request);
            }
        }
        8 => {
            if let Some(b) = json::<shop_views::PaymentBody>(bytes) {
                let _ = Payment::from_text(&b.payment);
            }
        }
        9 => {
            if let Some(b) = json::<shop_views::NoticeBody>(bytes) {
                let _ = b.kind.as_str();
                let _ = SealedBox::from_text(&b.letter);
            }
        }
        _ => {
            if let Ok(s) = std::str::from_utf8(bytes) {
                let _ = Nonce::from_hex(s.strip_prefix("n_").unwrap_or(s));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Fixtures: a bank with the testing keys, its till and wallet, and purses.

fn account_record(id: &PrivateIdentity, role: Role) -> AccountRecord {
    AccountRecord {
        identity: id.public(),
        role,
        address: None,
        attributes: vec![Attribute::DateOfBirth(Date::new(1980, 1, 1).unwrap())],
    }
}

/// A bank that signs with both suites, a seller's till and a buyer's wallet.
#[derive(Debug)]
pub struct Fixture {
    pub bank: Bank,
    pub buyer: PrivateIdentity,
    pub seller: PrivateIdentity,
    pub other: PrivateIdentity,
    pub buyer_account: AccountRecord,
    pub seller_account: AccountRecord,
    pub other_account: AccountRecord,
    pub till: Till,
    pub wallet: Wallet,
}

/// One purse as both sides hold it.
#[derive(Debug)]
pub struct Purses {
    pub seller: SellerPurse,
    pub buyer: BuyerPurse,
    pub response: MintResponse,
}

/// What every purse of the fixtures holds: 2 x 1c, 2 x 2c, 1 x 5c, and one
/// `age>=18` authorization token.
pub const PURSE: &[(u64, u32)] = &[(1, 2), (2, 2), (5, 1)];

impl Fixture {
    pub fn new() -> Self {
        let config = BankConfig::new(BankId::new("demo-bank").unwrap());
        let bank = Bank::new(
            config,
            testing::bank_identity(),
            testing::bank_token_keys(),
            Box::new(RustCrypto),
        )
        .unwrap();
        let public = bank.public();
        let (buyer, seller, other) = (
            testing::buyer_identity(),
            testing::seller_identity(),
            testing::other_identity(),
        );
        Self {
            till: Till::new(seller.id(), public.clone(), &RustCrypto, VerifyPolicy::All).unwrap(),
            wallet: Wallet::new(public, &RustCrypto).unwrap(),
            buyer_account: account_record(&buyer, Role::Buyer),
            seller_account: account_record(&seller, Role::Seller),
            other_account: account_record(&other, Role::Buyer),
            bank,
            buyer,
            seller,
            other,
        }
    }

    pub fn purse_request(&self, suite: Suite) -> PurseRequest {
        PurseRequest {
            seller: self.seller.id(),
            currency: Currency::USD,
            money: Denomination::list(PURSE),
            authorizations: vec![AuthorizationOrder {
                assertion: Assertion::parse("age>=18").unwrap(),
                count: 1,
            }],
            suite: Some(suite),
        }
    }

    /// Mints a purse of `suite` tokens (as if the buyer's letter checked out).
    pub fn purse(&self, suite: Suite, seed: u64) -> Purses {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let req = Authenticated {
            nonce: Nonce::random(&mut rng),
            sender: self.buyer.id(),
            body: self.purse_request(suite),
        };
        let minted = self
            .bank
            .mint(
                &req,
                &self.buyer_account,
                Amount::new(1_000_000, Currency::USD),
                &self.seller_account,
                NOW,
                &mut rng,
            )
            .unwrap();
        let seller = self
            .till
            .receive_purse(&self.seller, &minted.response.seller_purse, NOW)
            .unwrap();
        let buyer = self
            .wallet
            .receive_purse(&self.buyer, &minted.response.buyer_purse, NOW)
            .unwrap();
        Purses {
            seller,
            buyer,
            response: minted.response,
        }
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

/// The fixture and three purses: RSA, Ed25519, and a second RSA purse
/// whose halves are "a half of another purse".
pub struct World {
    pub fixture: Fixture,
    pub purses: Vec<Purses>,
    pub rng: Mutex<ChaCha20Rng>,
}

pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let fixture = Fixture::new();
        let purses = vec![
            fixture.purse(Suite::Rsa2048Sha256, 1),
            fixture.purse(Suite::Ed25519, 2),
            fixture.purse(Suite::Rsa2048Sha256, 3),
        ];
        World {
            fixture,
            purses,
            rng: Mutex::new(ChaCha20Rng::seed_from_u64(7)),
        }
    })
}

// ---------------------------------------------------------------------------
// till_accept

/// Target `till_accept`. Byte 0: the payment is raw bytes (even) or built
/// from real halves (odd); byte 1: which purse; then the price, what the
/// request requires, and either the payment's bytes or the recipe for it.
pub fn till_accept(data: &[u8]) {
    let w = world();
    let f = &w.fixture;
    let mut b = Bytes::new(data);
    let mode = b.u8();
    let which = b.below(2);
    let purse = &w.purses[which].seller;
    let mine = &w.purses[which].buyer;
    let price = u64::from(b.u8() % 16);
    let flags = b.u8();
    let requires = (flags & 1 == 1).then(|| Assertion::parse("age>=18").unwrap());
    let expires_at = if flags & 2 == 2 {
        NOW.minus(1)
    } else {
        NOW.plus(600)
    };
    let currency = if flags & 4 == 4 {
        Currency::new("EUR").unwrap()
    } else {
        Currency::USD
    };

    let payment = if mode.is_multiple_of(2) {
        let Ok(mut p) = Payment::from_bytes(b.rest()) else {
            return;
        };
        if flags & 8 == 8 {
            p.purse = purse.id;
        }
        p
    } else {
        built_payment(&mut b, w, which, mine, flags)
    };
    let request = PaymentRequest {
        seller: if flags & 16 == 16 {
            f.other.id()
        } else {
            f.seller.id()
        },
        payment: if flags & 32 == 32 {
            Nonce([0xee; 16])
        } else {
            payment.payment
        },
        item: "article".into(),
        price: Amount::new(price, currency),
        requires,
        expires_at,
    };

    let before = purse.clone();
    let mut rng = w.rng.lock().unwrap_or_else(|e| e.into_inner());
    let judged = f.till.accept(&request, &payment, purse, NOW, &mut *rng);
    assert_eq!(purse, &before, "judging a payment changes nothing");
    let Ok(accepted) = judged else {
        return;
    };

    // An accepted payment is sound: for this seller, request and purse,
    // every half once, every token the bank's, enough and not too much.
    assert_eq!(request.seller, f.seller.id());
    assert_eq!(request.payment, payment.payment);
    assert_eq!(payment.purse, purse.id);
    assert_eq!(request.price.currency(), purse.currency);
    assert!(NOW <= request.expires_at);
    assert_eq!(accepted.consumed.len(), payment.halves.len());
    assert_eq!(accepted.tokens.len(), payment.halves.len());
    let mut paid = 0u64;
    for t in &accepted.tokens {
        assert!(purse.halves.contains_key(&t.session), "only held halves");
        let key = f
            .bank
            .public()
            .token_keys
            .get(t.token.token.suite)
            .cloned()
            .unwrap();
        let verifier = halfpenny::crypto::Backend::verifying_key(&RustCrypto, &key).unwrap();
        assert!(
            t.token.verify(verifier.as_ref()).is_ok(),
            "only bank tokens"
        );
        assert!(t.token.token.expires_at >= NOW);
        paid += t.token.token.kind.value().map_or(0, |a| a.minor());
    }
    assert_eq!(accepted.receipt.paid.minor(), paid);
    assert!(paid >= request.price.minor());
    if let Some(needed) = &request.requires {
        assert_eq!(accepted.receipt.authorized.as_ref(), Some(needed));
    }
    // Applying it consumes exactly those halves; the same payment again is
    // a double spend and changes nothing.
    let mut after = purse.clone();
    assert!(after.apply(&accepted));
    assert_eq!(after.halves.len() + payment.halves.len(), purse.halves.len());
    let again = after.clone();
    let mut spent = accepted.consumed.clone();
    spent.sort_unstable();
    assert_eq!(
        f.till
            .accept(&request, &payment, &after, NOW, &mut *rng)
            .err(),
        Some(TillError::AlreadySpent(spent)),
        "a payment is taken once, and its refusal names every half"
    );
    assert_eq!(after, again);
}

/// A payment made of real halves, picked and damaged as the bytes say.
fn built_payment(
    b: &mut Bytes<'_>,
    w: &World,
    which: usize,
    mine: &BuyerPurse,
    flags: u8,
) -> Payment {
    let sessions: Vec<SessionSerial> = mine.halves.keys().copied().collect();
    let other = &w.purses[2];
    let count = b.below(8);
    let mut items = Vec::with_capacity(count);
    for _ in 0..count {
        let i = b.below(sessions.len() + 1);
        let session = sessions
            .get(i)
            .copied()
            .unwrap_or(SessionSerial(b.u8().into()));
        let source = b.u8();
        let mut share: Vec<u8> = match source % 5 {
            // Her half.
            0 | 1 => mine
                .halves
                .get(&session)
                .map(|h| h.share.as_bytes().to_vec()),
            // The seller's own half (joins to zeros).
            2 => w.purses[which]
                .seller
                .halves
                .get(&session)
                .map(|h| h.share.as_bytes().to_vec()),
            // A half of another purse with the same session serial.
            3 => other
                .buyer
                .halves
                .get(&session)
                .map(|h| h.share.as_bytes().to_vec()),
            // Any bytes.
            _ => Some(vec![b.u8(); 1 + b.below(300)]),
        }
        .unwrap_or_else(|| vec![1]);
        // Damage: flip a byte, or cut the share short.
        match b.u8() % 4 {
            1 if !share.is_empty() => {
                let at = usize::from(b.u16()) % share.len();
                share[at] ^= b.u8() | 1;
            }
            2 => share.truncate(usize::from(b.u16()) % (share.len() + 1)),
            _ => {}
        }
        // An empty share never gets past the decoder; everything else can.
        if !share.is_empty() {
            items.push(TokenShare {
                session,
                share: Share::from_bytes(share),
            });
        }
    }
    Payment {
        payment: Nonce([b.u8(); 16]),
        purse: if flags & 64 == 64 {
            other.seller.id
        } else {
            mine.id
        },
        halves: items,
    }
}

// ---------------------------------------------------------------------------
// bank_letters

const KINDS: [LetterKind; 14] = [
    LetterKind::PurseRequest,
    LetterKind::SellerPurse,
    LetterKind::BuyerPurse,
    LetterKind::Redemption,
    LetterKind::Refund,
    LetterKind::ReturnRequest,
    LetterKind::ReturnResponse,
    LetterKind::RedemptionResult,
    LetterKind::RefundResult,
    LetterKind::StatementRequest,
    LetterKind::InboxRequest,
    LetterKind::CaseRequest,
    LetterKind::AddressChange,
    LetterKind::PurseRecovery,
];

/// Authenticates an opened letter as the body its kind names, against an
/// account; decodes the body only if the signature is the account's.
fn authenticate(bank: &Bank, letter: &SignedLetter, sender: &AccountRecord) -> bool {
    match letter.letter.kind {
        LetterKind::PurseRequest => bank.authenticate::<PurseRequest>(letter, sender).is_ok(),
        LetterKind::Redemption => bank
            .authenticate::<RedemptionRequest>(letter, sender)
            .is_ok(),
        LetterKind::Refund => bank.authenticate::<RefundRequest>(letter, sender).is_ok(),
        LetterKind::ReturnResponse => bank.authenticate::<ReturnResponse>(letter, sender).is_ok(),
        LetterKind::StatementRequest => bank
            .authenticate::<StatementRequest>(letter, sender)
            .is_ok(),
        LetterKind::InboxRequest => bank.authenticate::<InboxRequest>(letter, sender).is_ok(),
        LetterKind::CaseRequest => bank.authenticate::<CaseRequest>(letter, sender).is_ok(),
        LetterKind::AddressChange => bank.authenticate::<AddressChange>(letter, sender).is_ok(),
        LetterKind::PurseRecovery => bank
            .authenticate::<PurseRecoveryRequest>(letter, sender)
            .is_ok(),
        // Letters the bank sends, never receives: their bodies still decode.
        _ => bank.authenticate::<Raw>(letter, sender).is_ok(),
    }
}

/// Target `bank_letters`. Byte 0 picks what the rest is: (0) a sealed box;
/// (1) a signed letter, sealed for the bank here; (2) a letter body, which a
/// real key signs and seals, with the kind, signer, recipient and age taken
/// from the next bytes.
pub fn bank_letters(data: &[u8]) {
    let w = world();
    let f = &w.fixture;
    let bank = &f.bank;
    let mut b = Bytes::new(data);
    let mode = b.u8() % 3;
    let kind = KINDS[b.below(KINDS.len())];
    let mut rng = w.rng.lock().unwrap_or_else(|e| e.into_inner());
    let me = bank.public().identity;
    let (sealed, signer, age, to_bank) = match mode {
        0 => {
            let Ok(sealed) = SealedBox::from_bytes(b.rest()) else {
                return;
            };
            (sealed, None, 0i64, true)
        }
        1 => {
            let sealed = seal::seal(me.id(), &me.sealing, b.rest(), &mut *rng).unwrap();
            (sealed, None, 0, true)
        }
        _ => {
            let who = b.below(3);
            let age = i64::from(b.u16() as i16);
            let to_bank = !b.u8().is_multiple_of(8);
            let signer = [&f.buyer, &f.seller, &f.other][who];
            let created = if age >= 0 {
                NOW.minus(age.unsigned_abs())
            } else {
                NOW.plus(age.unsigned_abs())
            };
            let to = if to_bank {
                me.clone()
            } else {
                f.seller.public()
            };
            let body = b.rest().to_vec();
            let (sealed, _) = letter::send(
                kind,
                &Raw(body),
                signer.signing.as_ref(),
                &to,
                created,
                &mut *rng,
            )
            .unwrap();
            (sealed, Some(who), age, to_bank)
        }
    };
    drop(rng);

    let Ok(letter) = bank.open(&sealed, kind, NOW) else {
        return;
    };
    // What opened is for this bank, of this kind, and fresh.
    assert_eq!(letter.letter.recipient, me.id());
    assert_eq!(letter.letter.kind, kind);
    assert!(to_bank, "a letter sealed for someone else never opens");
    let fresh = &bank.config.freshness;
    assert!(letter.letter.created_at <= NOW.plus(fresh.max_skew_secs));
    assert!(letter.letter.created_at >= NOW.minus(fresh.max_age_secs));
    if signer.is_some() {
        assert!(age <= fresh.max_age_secs as i64 && -age <= fresh.max_skew_secs as i64);
    }

    // Only the signer's own account authenticates it.
    let accounts = [&f.buyer_account, &f.seller_account, &f.other_account];
    for (i, account) in accounts.iter().enumerate() {
        let ok = authenticate(bank, &letter, account);
        if ok {
            assert_eq!(letter.letter.sender, account.id(), "only the sender's key");
        }
        if let Some(who) = signer {
            assert!(who == i || !ok, "authenticated by the wrong key");
        }
    }
}

/// A letter body as the fuzzer wrote it.
struct Raw(Vec<u8>);

impl Encode for Raw {
    fn encode(&self, w: &mut halfpenny::wire::Writer) {
        w.array(&self.0);
    }
}

impl Decode for Raw {
    fn decode(r: &mut halfpenny::wire::Reader<'_>) -> Result<Self, halfpenny::wire::WireError> {
        Ok(Raw(r.take(r.remaining())?.to_vec()))
    }
}

// ---------------------------------------------------------------------------
// Starting inputs

/// The starting inputs of each target: valid inputs the fuzzer mutates.
pub fn starting_inputs() -> BTreeMap<&'static str, Vec<Vec<u8>>> {
    let w = world();
    let f = &w.fixture;
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let p = &w.purses[0];
    let request = PaymentRequest {
        seller: f.seller.id(),
        payment: Nonce([3; 16]),
        item: "article".into(),
        price: Amount::new(3, Currency::USD),
        requires: None,
        expires_at: NOW.plus(600),
    };
    let payment = f
        .wallet
        .prepare_payment(&p.buyer, &request, NOW)
        .unwrap()
        .payment;
    let accepted = f
        .till
        .accept(&request, &payment, &p.seller, NOW, &mut rng)
        .unwrap();
    let token = accepted.tokens[0].token.clone();
    let first = payment.halves[0].clone();
    let half = Half {
        purse: p.buyer.id,
        share: first.clone(),
    };
    let (fwd_sealed, _) = letter::send(
        LetterKind::PurseRequest,
        &f.purse_request(Suite::Rsa2048Sha256),
        f.buyer.signing.as_ref(),
        &f.bank.public().identity,
        NOW,
        &mut rng,
    )
    .unwrap();
    let fwd = ForwardedPurseRequest {
        bank: f.bank.config.id.clone(),
        sealed: fwd_sealed.clone(),
    };
    let signed = letter::sign(
        LetterKind::Refund,
        &RefundRequest {
            purse: p.buyer.id,
            halves: vec![first.clone()],
        },
        f.buyer.signing.as_ref(),
        f.bank.public().identity.id(),
        NOW,
        &mut rng,
    )
    .unwrap();
    let contents = PurseContents {
        purse: p.seller.id,
        bank: f.bank.config.id.clone(),
        seller: f.seller.id(),
        currency: Currency::USD,
        expires_at: NOW.plus(86_400),
        entries: vec![],
    };
    let redemption = RedemptionRequest {
        tokens: accepted.tokens.clone(),
    };
    let return_response = ReturnResponse {
        case: CaseId([4; 16]),
        purse: p.seller.id,
        spent: accepted.tokens.clone(),
        unspent: p.seller.unspent_halves(),
    };
    let public = f.bank.public();
    let with = |i: usize, bytes: Vec<u8>| {
        let mut v = vec![i as u8];
        v.extend(bytes);
        v
    };
    let decode: Vec<Vec<u8>> = vec![
        with(0, token.to_bytes()),
        with(1, token.to_text().into_bytes()),
        with(2, half.to_bytes()),
        with(3, half.to_text().into_bytes()),
        with(4, payment.to_bytes()),
        with(5, payment.to_text().into_bytes()),
        with(6, request.to_bytes()),
        with(7, request.to_text().into_bytes()),
        with(8, accepted.receipt.to_bytes()),
        with(9, accepted.receipt.to_text().into_bytes()),
        with(10, fwd.to_bytes()),
        with(11, fwd.to_text().into_bytes()),
        with(12, p.response.to_bytes()),
        with(13, p.response.to_text().into_bytes()),
        with(14, fwd_sealed.to_bytes()),
        with(15, fwd_sealed.to_text().into_bytes()),
        with(16, signed.to_bytes()),
        with(17, signed.letter.to_bytes()),
        with(18, f.purse_request(Suite::Ed25519).to_bytes()),
        with(19, contents.to_bytes()),
        with(20, redemption.to_bytes()),
        with(
            21,
            RedemptionResult {
                credited: vec![Amount::new(3, Currency::USD)],
                lines: vec![],
            }
            .to_bytes(),
        ),
        with(
            22,
            RefundRequest {
                purse: p.buyer.id,
                halves: vec![first.clone()],
            }
            .to_bytes(),
        ),
        with(
            23,
            StatementRequest {
                currency: Currency::USD,
            }
            .to_bytes(),
        ),
        with(
            24,
            ReturnRequest {
                case: CaseId([4; 16]),
                purse: p.seller.id,
                deadline: NOW,
            }
            .to_bytes(),
        ),
        with(25, return_response.to_bytes()),
        with(
            26,
            RefundResult {
                case: CaseId([4; 16]),
                purse: p.seller.id,
                settled_by: halfpenny::messages::SettledBy::Deadline,
                seller_credited: Amount::new(1, Currency::USD),
                buyer_refunded: Amount::new(2, Currency::USD),
                lines: vec![],
            }
            .to_bytes(),
        ),
        with(27, p.buyer.to_bytes()),
        with(28, p.seller.to_bytes()),
        with(29, public.to_bytes()),
        with(30, public.identity.signing.to_bytes()),
        with(31, public.token_keys.to_bytes()),
        with(32, token.token.to_bytes()),
        with(33, public.identity.to_bytes()),
        with(34, first.to_bytes()),
        with(35, InboxRequest { after: 7 }.to_bytes()),
        with(
            36,
            CaseRequest {
                case: CaseId([4; 16]),
            }
            .to_bytes(),
        ),
        with(
            37,
            AddressChange {
                address: Some("https://shop.example/halfpenny".into()),
            }
            .to_bytes(),
        ),
        with(
            38,
            PurseRecoveryRequest {
                request: Nonce([5; 16]),
            }
            .to_bytes(),
        ),
    ];

    let key = public.identity.signing.to_base64url();
    let http: Vec<Vec<u8>> = [
        serde_json::json!({ "role": "buyer", "signing_key": key, "sealing_key": key }),
        serde_json::json!({ "account": f.buyer.id().to_hex(), "amount_minor": 500, "currency": "USD", "idempotency_key": "k" }),
        serde_json::json!({ "account": f.buyer.id().to_hex(), "date_of_birth": "1980-01-01" }),
        serde_json::json!({ "request": fwd.to_text() }),
        serde_json::json!({ "letter": fwd_sealed.to_text() }),
        serde_json::json!({ "letter": fwd_sealed.to_text() }),
        serde_json::json!({ "item": "article-1" }),
        serde_json::json!({ "request": fwd.to_text() }),
        serde_json::json!({ "payment": payment.to_text() }),
        serde_json::json!({ "kind": "return_request", "letter": fwd_sealed.to_text() }),
        serde_json::json!(Nonce([3; 16]).to_hex()),
    ]
    .iter()
    .enumerate()
    .map(|(i, v)| {
        let body = match v {
            serde_json::Value::String(s) => s.clone().into_bytes(),
            _ => v.to_string().into_bytes(),
        };
        with(i, body)
    })
    .collect();

    let till: Vec<Vec<u8>> = vec![
        // Raw: the good payment at price 3, then the same for the Ed25519 purse.
        [vec![0, 0, 3, 0], payment.to_bytes()].concat(),
        // Built: two of her halves (1c + 2c) at price 3.
        {
            let s = &p.buyer.halves;
            let keys: Vec<SessionSerial> = s.keys().copied().collect();
            let pos = |k: SessionSerial| keys.iter().position(|x| *x == k).unwrap() as u8;
            let items: Vec<u8> = payment
                .halves
                .iter()
                .flat_map(|i| [pos(i.session), 0, 0])
                .collect();
            [vec![1, 0, 3, 0, payment.halves.len() as u8], items, vec![3]].concat()
        },
        vec![1, 1, 5, 1, 2, 0, 0, 0, 5, 0, 0, 9],
    ];

    let bank: Vec<Vec<u8>> = vec![
        [vec![0, 0], fwd_sealed.to_bytes()].concat(),
        [vec![1, 4], signed.to_bytes()].concat(),
        [
            vec![2, 0, 0, 0, 0, 1],
            f.purse_request(Suite::Rsa2048Sha256).to_bytes(),
        ]
        .concat(),
        [
            vec![2, 4, 0, 0, 0, 1],
            RefundRequest {
                purse: p.buyer.id,
                halves: vec![first],
            }
            .to_bytes(),
        ]
        .concat(),
        [vec![2, 3, 1, 0, 0, 1], redemption.to_bytes()].concat(),
        [vec![2, 6, 1, 0, 0, 1], return_response.to_bytes()].concat(),
        [
            vec![2, 9, 2, 0, 0, 1],
            StatementRequest {
                currency: Currency::USD,
            }
            .to_bytes(),
        ]
        .concat(),
    ];

    BTreeMap::from([
        ("decode", decode),
        ("http_bodies", http),
        ("till_accept", till),
        ("bank_letters", bank),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every starting input runs through its target without a failure.
    #[test]
    fn starting_inputs_pass_their_targets() {
        for (target, inputs) in starting_inputs() {
            for input in inputs {
                match target {
                    "decode" => decode(&input),
                    "http_bodies" => http_bodies(&input),
                    "till_accept" => till_accept(&input),
                    _ => bank_letters(&input),
                }
            }
        }
    }
}
