//! A table of bad inputs at every endpoint of the bank, over real HTTP with a
//! real database (a SQLite file, or PostgreSQL when HALFPENNY_TEST_POSTGRES
//! is set): each gets a 4xx with its exact stable code, and afterwards the
//! ledger totals and the row count of every table are what they were.
//!
//! Prints `bad inputs: N tried, N refused, 0 changed anything` (run with
//! `--nocapture` to see it; RELIABILITY.md quotes it).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use halfpenny::crypto::PublicIdentity;
use halfpenny::crypto::seal::{self, SealedBox};
use halfpenny::letter::{Letter, LetterKind};
use halfpenny::messages::{
    AddressChange, CaseRequest, Denomination, ForwardedPurseRequest, InboxRequest,
    PurseRecoveryRequest, PurseRequest, RedemptionRequest, RefundRequest, ReturnResponse,
    SpentToken, StatementRequest,
};
use halfpenny::wallet::BuyerPurse;
use halfpenny::wire::{Encode, TextForm, Writer};
use halfpenny::{BankId, CaseId, Currency, Nonce, Suite, Timestamp, testing};
use rand_chacha::ChaCha20Rng;
use serde_json::{Value, json};

/// What the bank's state looks like: the ledger totals and every table's rows.
async fn snapshot(s: &Server) -> (String, Vec<(String, i64)>) {
    let totals = s.app.store.totals().await.unwrap();
    assert!(totals.balanced(), "books out of balance: {totals:?}");
    (
        format!("{totals:?}"),
        s.app.store.row_counts().await.unwrap(),
    )
}

/// How a case is sent.
enum Send {
    /// POST this body (bytes as they are) without the operator token.
    Post(&'static str, Vec<u8>),
    /// POST with the operator token.
    Operator(&'static str, Vec<u8>),
    Get(String),
}

struct Case {
    endpoint: &'static str,
    what: &'static str,
    send: Send,
    status: u16,
    code: &'static str,
}

fn body(v: Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// A letter as a client writes it, but with every part chosen: who signs it,
/// who it claims is sending, to whom it is sealed, when it was written, and
/// the body's exact bytes.
struct Draft<'a> {
    kind: LetterKind,
    signer: &'a halfpenny::crypto::PrivateIdentity,
    sender: halfpenny::KeyId,
    to: PublicIdentity,
    created_at: Timestamp,
    body: Vec<u8>,
    letter_version: u8,
    /// Flip a bit of the signature.
    forge: bool,
}

fn draft<'a>(
    kind: LetterKind,
    signer: &'a halfpenny::crypto::PrivateIdentity,
    to: &PublicIdentity,
    created_at: Timestamp,
    body: Vec<u8>,
) -> Draft<'a> {
    Draft {
        kind,
        sender: signer.id(),
        signer,
        to: to.clone(),
        created_at,
        body,
        letter_version: 1,
        forge: false,
    }
}

impl Draft<'_> {
    fn seal(&self, rng: &mut rand_chacha::ChaCha20Rng) -> String {
        let letter = Letter {
            kind: self.kind,
            sender: self.sender,
            recipient: self.to.id(),
            nonce: Nonce::random(rng),
            created_at: self.created_at,
            body: self.body.clone(),
        };
        let mut bytes = letter.to_bytes();
        bytes[0] = self.letter_version;
        // The core's signing label (crypto::labelled): label, a zero, the bytes.
        let mut signed_part = b"halfpenny letter v1".to_vec();
        signed_part.push(0);
        signed_part.extend_from_slice(&bytes);
        let mut signature = self.signer.signing.sign(&signed_part).unwrap();
        if self.forge {
            signature[7] ^= 0x10;
        }
        let mut w = Writer::new();
        w.bytes32(&bytes);
        w.bytes16(&signature);
        seal::seal(self.to.id(), &self.to.sealing, &w.into_bytes(), rng)
            .unwrap()
            .to_text()
    }
}

/// A sealed box's text with its version byte set to `v`.
fn with_version<T: TextForm>(t: &T, v: u8) -> String {
    let mut bytes = t.to_bytes();
    bytes[0] = v;
    let text = t.to_text();
    let prefix = &text[..text.find('.').unwrap() + 1];
    use base64::Engine as _;
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

impl Cases {
    fn add(
        &mut self,
        endpoint: &'static str,
        what: &'static str,
        send: Send,
        status: u16,
        code: &'static str,
    ) {
        self.0.push(Case {
            endpoint,
            what,
            send,
            status,
            code,
        })
    }
}

/// Every case, in the order it was added.
struct Cases(Vec<Case>);

/// To whom letters are sealed, and when they are written.
struct To {
    bank: PublicIdentity,
    now: Timestamp,
}

impl To {
    fn draft<'a>(
        &self,
        kind: LetterKind,
        signer: &'a halfpenny::crypto::PrivateIdentity,
        body: Vec<u8>,
    ) -> Draft<'a> {
        draft(kind, signer, &self.bank, self.now, body)
    }
}

/// A forwarded purse request around a sealed letter.
fn forward(letter: String) -> ForwardedPurseRequest {
    let sealed = SealedBox::from_text(&letter).unwrap();
    ForwardedPurseRequest {
        bank: BankId::new("demo-bank").unwrap(),
        sealed,
    }
}

/// Any sealed box's bytes, well-formed or not, forwarded as a purse request.
fn purse_json(letter: String) -> Vec<u8> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let sealed = b64.decode(letter.strip_prefix("hps1.").unwrap()).unwrap();
    let mut w = Writer::new();
    w.u8(1);
    BankId::new("demo-bank").unwrap().encode(&mut w);
    w.array(&sealed);
    body(json!({ "request": format!("hpq1.{}", b64.encode(w.into_bytes())) }))
}

fn letter_json(l: String) -> Vec<u8> {
    body(json!({ "letter": l }))
}

/// Good bodies, to be damaged one way at a time.
struct Good {
    purse: PurseRequest,
    refund: RefundRequest,
    redemption: RedemptionRequest,
    statement: StatementRequest,
    inbox: InboxRequest,
    case: CaseRequest,
    address: AddressChange,
    ret: ReturnResponse,
}

/// A bank with a funded buyer, a seller and another buyer, each holding a
/// purse, and tokens the seller was paid but has not redeemed.
struct Fixture {
    s: Server,
    buyer: Party,
    seller: Party,
    other: Party,
    bp: BuyerPurse,
    other_bp: BuyerPurse,
    spent: Vec<SpentToken>,
    to: To,
    rng: ChaCha20Rng,
    good: Good,
}

/// What running the table counted, and every case that went wrong.
struct Tally {
    tried: usize,
    refused: usize,
    changed: usize,
    failures: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_is_refused_with_its_code_and_changes_nothing() {
    let mut f = Fixture::set_up().await;
    let mut cases = Cases(Vec::new());
    the_json_is_wrong(&mut cases);
    f.the_letters_are_wrong(&mut cases);
    f.purse_requests_ask_for_what_is_refused(&mut cases);
    f.refunds_redemptions_and_returns_of_what_is_not_theirs(&mut cases);
    f.account_registrations_are_wrong(&mut cases);
    f.operator_funding_is_wrong(&mut cases);
    f.operator_attributes_are_wrong(&mut cases);
    f.recovery_letters_prove_no_purse(&mut cases);
    f.lookups_and_address_changes_ask_for_what_is_refused(&mut cases);
    the_old_paths_are_gone(&mut cases);
    let tally = f.run(&cases).await;
    let replays = f.replays_of_taken_requests_get_their_first_answer().await;
    f.tokens_of_another_bank_are_refused_line_by_line().await;
    print_table(&f.s, &cases, &tally, replays);
    assert!(tally.failures.is_empty(), "{}", tally.failures.join("\n"));
    assert_eq!((tally.refused, tally.changed), (tally.tried, 0));
}

/// Every body-taking endpoint: the JSON itself is wrong.
fn the_json_is_wrong(cases: &mut Cases) {
    let huge = vec![b' '; bank_server::api::MAX_BODY_BYTES + 1];
    for (endpoint, field, operator) in [
        ("/v1/accounts", "role", false),
        ("/v1/purses", "request", false),
        ("/v1/redemptions", "letter", false),
        ("/v1/refunds", "letter", false),
        ("/v1/returns", "letter", false),
        ("/v1/statements", "letter", false),
        ("/v1/inbox", "letter", false),
        ("/v1/cases", "letter", false),
        ("/v1/accounts/address", "letter", false),
        ("/v1/purses/recover", "letter", false),
        ("/v1/operator/fund", "account", true),
        ("/v1/operator/attributes", "account", true),
    ] {
        let send = |b: Vec<u8>| {
            if operator {
                Send::Operator(endpoint, b)
            } else {
                Send::Post(endpoint, b)
            }
        };
        cases.add(endpoint, "empty body", send(vec![]), 400, "bad_json");
        cases.add(
            endpoint,
            "truncated JSON",
            send(format!("{{\"{field}\": \"hps1.AAAA").into_bytes()),
            400,
            "bad_json",
        );
        cases.add(
            endpoint,
            "wrong type (a number for a string)",
            send(body(json!({ field: 12 }))),
            400,
            "bad_json",
        );
        cases.add(
            endpoint,
            "wrong type (an array for the body)",
            send(b"[1, 2, 3]".to_vec()),
            400,
            "bad_json",
        );
        cases.add(
            endpoint,
            "huge number",
            send(format!("{{\"{field}\": 1e999}}").into_bytes()),
            400,
            "bad_json",
        );
        cases.add(
            endpoint,
            "oversized body",
            send(huge.clone()),
            413,
            "body_too_large",
        );
    }
}

/// The old unsigned lookups are gone, and unknown paths are not found.
fn the_old_paths_are_gone(cases: &mut Cases) {
    cases.add(
        "/v1/inbox/{account}",
        "the old unsigned inbox path",
        Send::Get(format!("/v1/inbox/{}", "ab".repeat(32))),
        404,
        "not_found",
    );
    cases.add(
        "/v1/cases/{case}",
        "the old unsigned case path",
        Send::Get(format!("/v1/cases/{}", "ab".repeat(16))),
        404,
        "not_found",
    );
    cases.add(
        "(any)",
        "no such endpoint",
        Send::Get("/v1/nothing-here".into()),
        404,
        "not_found",
    );
}

fn print_table(s: &Server, cases: &Cases, tally: &Tally, replays: usize) {
    let Tally {
        tried,
        refused,
        changed,
        ..
    } = tally;
    println!("bad-input table (bank):");
    for case in &cases.0 {
        println!(
            "  {:<24} {:<68} {} {}",
            case.endpoint, case.what, case.status, case.code
        );
    }
    let db = if s.database.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "bad inputs (bank, {db}): {tried} tried, {refused} refused, {changed} changed anything; \
         {replays} replays of taken requests got their first answer and changed nothing; \
         tokens of another bank refused line by line with no money moved"
    );
}

/// A letter endpoint: its path, the kind of letter it takes, who signs a
/// good one, and a good body.
struct Endpoint<'a> {
    endpoint: &'static str,
    kind: LetterKind,
    signer: &'a halfpenny::crypto::PrivateIdentity,
    good_bytes: Vec<u8>,
}

impl<'a> Endpoint<'a> {
    /// A letter's text in the JSON this endpoint takes.
    fn wrap(&self, l: String) -> Send {
        let b = if self.endpoint == "/v1/purses" {
            purse_json(l)
        } else {
            letter_json(l)
        };
        Send::Post(self.endpoint, b)
    }

    /// A good letter for this endpoint, to be damaged one way.
    fn draft(&self, to: &To) -> Draft<'a> {
        to.draft(self.kind, self.signer, self.good_bytes.clone())
    }
}

/// Texts that are no sealed letter, or a sealed letter cut short. Returns a
/// good sealed letter for the endpoint.
fn texts_that_are_no_letter(
    cases: &mut Cases,
    e: &Endpoint<'_>,
    to: &To,
    rng: &mut ChaCha20Rng,
) -> SealedBox {
    let endpoint = e.endpoint;
    cases.add(
        endpoint,
        "not a Halfpenny text",
        Send::Post(
            endpoint,
            body(json!({ "letter": "hello", "request": "hello" })),
        ),
        400,
        "wrong_prefix",
    );
    cases.add(
        endpoint,
        "not base64url",
        Send::Post(
            endpoint,
            body(json!({ "letter": "hps1.***", "request": "hpq1.***" })),
        ),
        400,
        "bad_base64",
    );
    let sealed = SealedBox::from_text(&e.draft(to).seal(rng)).unwrap();
    if endpoint == "/v1/purses" {
        cases.add(
            endpoint,
            "unknown message version (forwarded request)",
            Send::Post(
                endpoint,
                body(json!({ "request": with_version(&forward(sealed.to_text()), 9) })),
            ),
            400,
            "unknown_version",
        );
    }
    let mut truncated = if endpoint == "/v1/purses" {
        forward(sealed.to_text()).to_bytes()
    } else {
        sealed.to_bytes()
    };
    truncated.truncate(truncated.len() / 2);
    let cut = |b: &[u8]| {
        use base64::Engine as _;
        format!(
            "{}{}",
            if endpoint == "/v1/purses" {
                "hpq1."
            } else {
                "hps1."
            },
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
        )
    };
    cases.add(
        endpoint,
        "truncated message",
        Send::Post(
            endpoint,
            body(json!({ "letter": cut(&truncated), "request": cut(&truncated) })),
        ),
        400,
        "truncated",
    );
    sealed
}

fn letters_of_unknown_versions(
    cases: &mut Cases,
    e: &Endpoint<'_>,
    to: &To,
    rng: &mut ChaCha20Rng,
    sealed: &SealedBox,
) {
    let Endpoint {
        endpoint,
        ref good_bytes,
        ..
    } = *e;
    cases.add(
        endpoint,
        "unknown message version (sealed box)",
        e.wrap(with_version(sealed, 3)),
        400,
        "unknown_version",
    );
    cases.add(
        endpoint,
        "unknown message version (letter)",
        e.wrap(
            Draft {
                letter_version: 2,
                ..e.draft(to)
            }
            .seal(rng),
        ),
        400,
        "unknown_version",
    );
    let mut body_v2 = good_bytes.clone();
    body_v2[0] = 2;
    cases.add(
        endpoint,
        "unknown message version (body)",
        e.wrap(
            Draft {
                body: body_v2,
                ..e.draft(to)
            }
            .seal(rng),
        ),
        400,
        "unknown_version",
    );
}

fn bodies_and_boxes_that_do_not_open(
    cases: &mut Cases,
    e: &Endpoint<'_>,
    to: &To,
    rng: &mut ChaCha20Rng,
    sealed: &SealedBox,
) {
    let Endpoint { endpoint, kind, .. } = *e;
    // Version 1, then too few bytes (for an address change: "some
    // address", and one byte of its two-byte length).
    let garbage = if kind == LetterKind::AddressChange {
        vec![1, 1, 2]
    } else {
        vec![1, 2, 3]
    };
    cases.add(
        endpoint,
        "garbage body in a good letter",
        e.wrap(
            Draft {
                body: garbage,
                ..e.draft(to)
            }
            .seal(rng),
        ),
        400,
        "truncated",
    );
    let mut damaged = sealed.clone();
    damaged.ciphertext[10] ^= 1;
    cases.add(
        endpoint,
        "damaged ciphertext",
        e.wrap(damaged.to_text()),
        400,
        "cannot_unseal",
    );
}

fn signatures_and_senders_that_are_wrong(
    cases: &mut Cases,
    e: &Endpoint<'_>,
    to: &To,
    rng: &mut ChaCha20Rng,
    (other, stranger): (&Party, &halfpenny::crypto::PrivateIdentity),
) {
    let Endpoint {
        endpoint, signer, ..
    } = *e;
    cases.add(
        endpoint,
        "forged signature (one bit of a good one flipped)",
        e.wrap(
            Draft {
                forge: true,
                ..e.draft(to)
            }
            .seal(rng),
        ),
        401,
        "bad_signature",
    );
    cases.add(
        endpoint,
        "valid signature by the wrong key (a registered buyer's)",
        e.wrap(
            Draft {
                signer: &other.identity,
                sender: signer.id(),
                ..e.draft(to)
            }
            .seal(rng),
        ),
        401,
        "bad_signature",
    );
    cases.add(
        endpoint,
        "unknown sender",
        e.wrap(
            Draft {
                signer: stranger,
                sender: stranger.id(),
                ..e.draft(to)
            }
            .seal(rng),
        ),
        404,
        "unknown_account",
    );
    cases.add(
        endpoint,
        "sealed for another bank",
        e.wrap(
            Draft {
                to: testing::other_identity().public(),
                ..e.draft(to)
            }
            .seal(rng),
        ),
        400,
        "cannot_unseal",
    );
}

fn letters_at_the_wrong_time_or_of_another_kind(
    cases: &mut Cases,
    e: &Endpoint<'_>,
    to: &To,
    rng: &mut ChaCha20Rng,
    (buyer, good): (&Party, &Good),
) {
    let Endpoint { endpoint, kind, .. } = *e;
    cases.add(
        endpoint,
        "expired timestamp (11 minutes old)",
        e.wrap(
            Draft {
                created_at: to.now.minus(660),
                ..e.draft(to)
            }
            .seal(rng),
        ),
        400,
        "message_expired",
    );
    cases.add(
        endpoint,
        "timestamp in the future (5 minutes)",
        e.wrap(
            Draft {
                created_at: to.now.plus(300),
                ..e.draft(to)
            }
            .seal(rng),
        ),
        400,
        "message_from_future",
    );
    let wrong_kind = if kind == LetterKind::StatementRequest {
        to.draft(LetterKind::Refund, &buyer.identity, good.refund.to_bytes())
    } else {
        to.draft(
            LetterKind::StatementRequest,
            &buyer.identity,
            good.statement.to_bytes(),
        )
    };
    cases.add(
        endpoint,
        "a letter of another kind",
        e.wrap(wrong_kind.seal(rng)),
        400,
        "wrong_message_kind",
    );
}

impl Fixture {
    async fn set_up() -> Fixture {
        let s = Server::start(Suite::Rsa2048Sha256).await;
        let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 1).await;
        let mut seller = Party::new(&s, testing::seller_identity(), "seller", 2).await;
        let mut other = Party::new(&s, testing::other_identity(), "buyer", 3).await;
        s.fund(&buyer.account, 1_000, "f-buyer").await;
        s.fund(&other.account, 1_000, "f-other").await;
        let (mut sp, mut bp) = buy_purse(&s, &mut buyer, &seller, &[(1, 4), (5, 2)], vec![])
            .await
            .unwrap();
        let (_, other_bp) = buy_purse(&s, &mut other, &seller, &[(2, 2)], vec![])
            .await
            .unwrap();
        let spent = pay(&s, &mut buyer, &mut seller, &mut sp, &mut bp, 5);
        let bank = s.bank.identity.clone();
        let now = s.now();
        let rng = buyer.rng.clone();

        // Good bodies, to be damaged one way at a time.
        let purse_body = PurseRequest {
            seller: seller.id(),
            currency: USD,
            money: Denomination::list(&[(1, 2)]),
            authorizations: vec![],
            suite: None,
        };
        let refund_body = RefundRequest {
            purse: bp.id,
            halves: bp.shares(|_| true),
        };
        let redemption_body = RedemptionRequest {
            tokens: spent.clone(),
        };
        let statement_body = StatementRequest { currency: USD };
        let inbox_body = InboxRequest { after: 0 };
        let case_body = CaseRequest {
            case: CaseId([0xab; 16]),
        };
        let address_body = AddressChange {
            address: Some("https://shop.example/halfpenny".into()),
        };
        let return_body = ReturnResponse {
            case: CaseId([7; 16]),
            purse: sp.id,
            spent: vec![],
            unspent: sp.unspent_halves(),
        };
        Fixture {
            s,
            buyer,
            seller,
            other,
            bp,
            other_bp,
            spent,
            to: To { bank, now },
            rng,
            good: Good {
                purse: purse_body,
                refund: refund_body,
                redemption: redemption_body,
                statement: statement_body,
                inbox: inbox_body,
                case: case_body,
                address: address_body,
                ret: return_body,
            },
        }
    }

    /// Letter endpoints: the letters are wrong.
    fn the_letters_are_wrong(&mut self, cases: &mut Cases) {
        let Fixture {
            buyer,
            seller,
            other,
            to,
            rng,
            good,
            ..
        } = self;
        let stranger = testing::bank_identity();
        for (endpoint, kind, signer, good_bytes) in [
            (
                "/v1/redemptions",
                LetterKind::Redemption,
                &seller.identity,
                good.redemption.to_bytes(),
            ),
            (
                "/v1/refunds",
                LetterKind::Refund,
                &buyer.identity,
                good.refund.to_bytes(),
            ),
            (
                "/v1/returns",
                LetterKind::ReturnResponse,
                &seller.identity,
                good.ret.to_bytes(),
            ),
            (
                "/v1/statements",
                LetterKind::StatementRequest,
                &buyer.identity,
                good.statement.to_bytes(),
            ),
            (
                "/v1/inbox",
                LetterKind::InboxRequest,
                &buyer.identity,
                good.inbox.to_bytes(),
            ),
            (
                "/v1/cases",
                LetterKind::CaseRequest,
                &buyer.identity,
                good.case.to_bytes(),
            ),
            (
                "/v1/accounts/address",
                LetterKind::AddressChange,
                &seller.identity,
                good.address.to_bytes(),
            ),
            (
                "/v1/purses",
                LetterKind::PurseRequest,
                &buyer.identity,
                good.purse.to_bytes(),
            ),
        ] {
            let e = Endpoint {
                endpoint,
                kind,
                signer,
                good_bytes,
            };
            let sealed = texts_that_are_no_letter(cases, &e, to, rng);
            letters_of_unknown_versions(cases, &e, to, rng, &sealed);
            bodies_and_boxes_that_do_not_open(cases, &e, to, rng, &sealed);
            signatures_and_senders_that_are_wrong(cases, &e, to, rng, (other, &stranger));
            letters_at_the_wrong_time_or_of_another_kind(cases, &e, to, rng, (buyer, good));
        }
    }

    /// Purse requests: amounts, currencies, banks.
    fn purse_requests_ask_for_what_is_refused(&mut self, cases: &mut Cases) {
        let Fixture {
            buyer,
            to,
            rng,
            good,
            ..
        } = self;
        let mut purse = |money: &[(u64, u32)], currency: Currency| {
            let b = PurseRequest {
                money: Denomination::list(money),
                currency,
                ..good.purse.clone()
            };
            purse_json(
                to.draft(LetterKind::PurseRequest, &buyer.identity, b.to_bytes())
                    .seal(rng),
            )
        };
        cases.add(
            "/v1/purses",
            "zero-value token (no negative amounts in u64)",
            Send::Post("/v1/purses", purse(&[(0, 1)], USD)),
            400,
            "bad_denomination",
        );
        cases.add(
            "/v1/purses",
            "huge amount (u64::MAX x 2)",
            Send::Post("/v1/purses", purse(&[(u64::MAX, 2)], USD)),
            400,
            "amount_overflow",
        );
        cases.add(
            "/v1/purses",
            "too many tokens (10,001)",
            Send::Post("/v1/purses", purse(&[(1, 10_001)], USD)),
            400,
            "too_many_tokens",
        );
        cases.add(
            "/v1/purses",
            "wrong currency (EUR, the buyer holds USD)",
            Send::Post(
                "/v1/purses",
                purse(&[(1, 1)], Currency::new("EUR").unwrap()),
            ),
            402,
            "insufficient_funds",
        );
        cases.add(
            "/v1/purses",
            "more than the balance",
            Send::Post("/v1/purses", purse(&[(1_000, 1)], USD)),
            402,
            "insufficient_funds",
        );
        cases.add(
            "/v1/purses",
            "a request for another bank",
            Send::Post(
                "/v1/purses",
                body(json!({ "request": ForwardedPurseRequest {
                    bank: BankId::new("other-bank").unwrap(),
                    sealed: SealedBox::from_text(&to.draft(LetterKind::PurseRequest, &buyer.identity, good.purse.to_bytes()).seal(rng)).unwrap(),
                }.to_text() })),
            ),
            400,
            "wrong_bank",
        );
    }

    /// Refunds, redemptions and returns of things that are not theirs.
    fn refunds_redemptions_and_returns_of_what_is_not_theirs(&mut self, cases: &mut Cases) {
        let Fixture {
            buyer,
            seller,
            bp,
            other_bp,
            to,
            rng,
            good,
            ..
        } = self;
        let mut refund_of = |b: &RefundRequest, who: &halfpenny::crypto::PrivateIdentity| {
            letter_json(to.draft(LetterKind::Refund, who, b.to_bytes()).seal(rng))
        };
        cases.add(
            "/v1/refunds",
            "halves of another buyer's purse",
            Send::Post(
                "/v1/refunds",
                refund_of(
                    &RefundRequest {
                        purse: other_bp.id,
                        halves: other_bp.shares(|_| true),
                    },
                    &buyer.identity,
                ),
            ),
            403,
            "not_your_purse",
        );
        cases.add(
            "/v1/refunds",
            "no halves",
            Send::Post(
                "/v1/refunds",
                refund_of(
                    &RefundRequest {
                        purse: bp.id,
                        halves: vec![],
                    },
                    &buyer.identity,
                ),
            ),
            400,
            "empty_request",
        );
        cases.add(
            "/v1/refunds",
            "a purse the bank never minted",
            Send::Post(
                "/v1/refunds",
                refund_of(
                    &RefundRequest {
                        purse: halfpenny::PurseId([9; 16]),
                        halves: bp.shares(|_| true),
                    },
                    &buyer.identity,
                ),
            ),
            404,
            "unknown_purse",
        );
        cases.add(
            "/v1/refunds",
            "a seller asking for a buyer's refund",
            Send::Post("/v1/refunds", refund_of(&good.refund, &seller.identity)),
            403,
            "wrong_role",
        );
        cases.add(
            "/v1/redemptions",
            "no tokens",
            Send::Post(
                "/v1/redemptions",
                letter_json(
                    to.draft(
                        LetterKind::Redemption,
                        &seller.identity,
                        RedemptionRequest { tokens: vec![] }.to_bytes(),
                    )
                    .seal(rng),
                ),
            ),
            400,
            "empty_request",
        );
        cases.add(
            "/v1/redemptions",
            "a buyer redeeming",
            Send::Post(
                "/v1/redemptions",
                letter_json(
                    to.draft(
                        LetterKind::Redemption,
                        &buyer.identity,
                        good.redemption.to_bytes(),
                    )
                    .seal(rng),
                ),
            ),
            403,
            "wrong_role",
        );
        cases.add(
            "/v1/returns",
            "an answer for a case that does not exist",
            Send::Post(
                "/v1/returns",
                letter_json(
                    to.draft(
                        LetterKind::ReturnResponse,
                        &seller.identity,
                        good.ret.to_bytes(),
                    )
                    .seal(rng),
                ),
            ),
            409,
            "case_mismatch",
        );
    }

    /// Accounts.
    fn account_registrations_are_wrong(&self, cases: &mut Cases) {
        let buyer = &self.buyer;
        let key = |id: &halfpenny::crypto::PrivateIdentity| id.public().signing.to_base64url();
        let seal_key = |id: &halfpenny::crypto::PrivateIdentity| id.public().sealing.to_base64url();
        let fresh = testing::bank_identity();
        let ed25519 = testing::bank_token_public_for(Suite::Ed25519).to_base64url();
        for (what, b, status, code) in [
            (
                "unknown role",
                json!({ "role": "banker", "signing_key": key(&fresh), "sealing_key": seal_key(&fresh) }),
                400,
                "bad_role",
            ),
            (
                "a key that is not base64url",
                json!({ "role": "buyer", "signing_key": "***", "sealing_key": seal_key(&fresh) }),
                400,
                "bad_public_key",
            ),
            (
                "a key that is not a key",
                json!({ "role": "buyer", "signing_key": "AAAA", "sealing_key": seal_key(&fresh) }),
                400,
                "bad_public_key",
            ),
            (
                "an Ed25519 signing key (letters are RSA-2048)",
                json!({ "role": "buyer", "signing_key": ed25519, "sealing_key": seal_key(&fresh) }),
                400,
                "unusable_key",
            ),
            (
                "an Ed25519 sealing key (letters are RSA-2048)",
                json!({ "role": "seller", "signing_key": key(&fresh), "sealing_key": ed25519, "address": "http://127.0.0.1:9/x" }),
                400,
                "unusable_key",
            ),
            (
                "a buyer with an address",
                json!({ "role": "buyer", "signing_key": key(&fresh), "sealing_key": seal_key(&fresh), "address": "http://x" }),
                400,
                "bad_address",
            ),
            (
                "a seller address that is not http(s)",
                json!({ "role": "seller", "signing_key": key(&fresh), "sealing_key": seal_key(&fresh), "address": "ftp://x" }),
                400,
                "bad_address",
            ),
            (
                "an existing key with another role",
                json!({ "role": "seller", "signing_key": key(&buyer.identity), "sealing_key": seal_key(&buyer.identity) }),
                409,
                "account_exists",
            ),
            ("missing field", json!({ "role": "buyer" }), 400, "bad_json"),
        ] {
            cases.add(
                "/v1/accounts",
                what,
                Send::Post("/v1/accounts", body(b)),
                status,
                code,
            );
        }
    }

    /// The operator's endpoints: funding.
    fn operator_funding_is_wrong(&self, cases: &mut Cases) {
        let (buyer, other) = (&self.buyer, &self.other);
        let acct = buyer.account.clone();
        cases.add(
            "/v1/operator/fund",
            "no operator token",
            Send::Post(
                "/v1/operator/fund",
                body(
                    json!({ "account": acct, "amount_minor": 5, "currency": "USD", "idempotency_key": "x1" }),
                ),
            ),
            401,
            "operator_unauthorized",
        );
        for (what, b, status, code) in [
            (
                "negative amount",
                json!({ "account": acct, "amount_minor": -5, "currency": "USD", "idempotency_key": "x2" }),
                400,
                "bad_json",
            ),
            (
                "zero amount",
                json!({ "account": acct, "amount_minor": 0, "currency": "USD", "idempotency_key": "x3" }),
                400,
                "bad_amount",
            ),
            (
                "huge amount (u64::MAX)",
                json!({ "account": acct, "amount_minor": u64::MAX, "currency": "USD", "idempotency_key": "x4" }),
                400,
                "bad_amount",
            ),
            (
                "wrong currency (lower case)",
                json!({ "account": acct, "amount_minor": 5, "currency": "usd", "idempotency_key": "x6" }),
                400,
                "invalid_currency",
            ),
            (
                "wrong currency (not three letters)",
                json!({ "account": acct, "amount_minor": 5, "currency": "DOLLARS", "idempotency_key": "x7" }),
                400,
                "invalid_currency",
            ),
            (
                "debit beyond the balance",
                json!({ "account": acct, "amount_minor": 1_000_000, "currency": "USD", "direction": "debit", "idempotency_key": "x8" }),
                402,
                "insufficient_funds",
            ),
            (
                "unknown direction",
                json!({ "account": acct, "amount_minor": 5, "currency": "USD", "direction": "sideways", "idempotency_key": "x9" }),
                400,
                "bad_direction",
            ),
            (
                "empty idempotency key",
                json!({ "account": acct, "amount_minor": 5, "currency": "USD", "idempotency_key": "" }),
                400,
                "bad_idempotency_key",
            ),
            (
                "not an account",
                json!({ "account": "nobody", "amount_minor": 5, "currency": "USD", "idempotency_key": "x10" }),
                400,
                "bad_account",
            ),
            (
                "an idempotency key used for another account",
                json!({ "account": other.account, "amount_minor": 1_000, "currency": "USD", "idempotency_key": "f-buyer" }),
                409,
                "idempotency_key_reused",
            ),
            (
                "an idempotency key used for another amount",
                json!({ "account": acct, "amount_minor": 999, "currency": "USD", "idempotency_key": "f-buyer" }),
                409,
                "idempotency_key_reused",
            ),
            (
                "an idempotency key used for another direction",
                json!({ "account": acct, "amount_minor": 1_000, "currency": "USD", "direction": "debit", "idempotency_key": "f-buyer" }),
                409,
                "idempotency_key_reused",
            ),
            (
                "an account the bank does not have",
                json!({ "account": "ab".repeat(32), "amount_minor": 5, "currency": "USD", "idempotency_key": "x11" }),
                404,
                "unknown_account",
            ),
        ] {
            cases.add(
                "/v1/operator/fund",
                what,
                Send::Operator("/v1/operator/fund", body(b)),
                status,
                code,
            );
        }
        cases.add(
            "/v1/operator/fund",
            "huge amount (2^64, beyond u64)",
            Send::Operator(
                "/v1/operator/fund",
                format!("{{\"account\": \"{acct}\", \"amount_minor\": 18446744073709551616, \"currency\": \"USD\", \"idempotency_key\": \"x5\"}}").into_bytes(),
            ),
            400,
            "bad_json",
        );
    }

    /// The operator's attributes.
    fn operator_attributes_are_wrong(&self, cases: &mut Cases) {
        let acct = self.buyer.account.clone();
        for (what, b, status, code) in [
            (
                "not a date",
                json!({ "account": acct, "date_of_birth": "1980-13-45" }),
                400,
                "bad_date",
            ),
            (
                "both a date and a flag",
                json!({ "account": acct, "date_of_birth": "1980-01-01", "flag": "press" }),
                400,
                "bad_attribute",
            ),
            (
                "a flag that is not a name",
                json!({ "account": acct, "flag": "DROP TABLE accounts;" }),
                400,
                "bad_flag",
            ),
            (
                "an account the bank does not have",
                json!({ "account": "cd".repeat(32), "flag": "press" }),
                404,
                "unknown_account",
            ),
        ] {
            cases.add(
                "/v1/operator/attributes",
                what,
                Send::Operator("/v1/operator/attributes", body(b)),
                status,
                code,
            );
        }
    }

    /// Purse recovery: a text that is no sealed letter is refused as such;
    /// once opened, every letter that does not prove the purse is the
    /// sender's gets the one answer an unknown purse gets.
    fn recovery_letters_prove_no_purse(&mut self, cases: &mut Cases) {
        let Fixture {
            buyer,
            other,
            to,
            rng,
            good,
            ..
        } = self;
        let recovery = PurseRecoveryRequest {
            request: Nonce([0x42; 16]),
        };
        cases.add(
            "/v1/purses/recover",
            "not a Halfpenny text",
            Send::Post("/v1/purses/recover", body(json!({ "letter": "hello" }))),
            400,
            "wrong_prefix",
        );
        cases.add(
            "/v1/purses/recover",
            "not base64url",
            Send::Post("/v1/purses/recover", body(json!({ "letter": "hps1.***" }))),
            400,
            "bad_base64",
        );
        let mut damaged = SealedBox::from_text(
            &to.draft(
                LetterKind::PurseRecovery,
                &buyer.identity,
                recovery.to_bytes(),
            )
            .seal(rng),
        )
        .unwrap();
        damaged.ciphertext[10] ^= 1;
        cases.add(
            "/v1/purses/recover",
            "damaged ciphertext",
            Send::Post("/v1/purses/recover", letter_json(damaged.to_text())),
            400,
            "cannot_unseal",
        );
        for (what, d) in [
            (
                "a nonce of no purse request",
                to.draft(
                    LetterKind::PurseRecovery,
                    &buyer.identity,
                    recovery.to_bytes(),
                ),
            ),
            (
                "forged signature (one bit of a good one flipped)",
                Draft {
                    forge: true,
                    ..to.draft(
                        LetterKind::PurseRecovery,
                        &buyer.identity,
                        recovery.to_bytes(),
                    )
                },
            ),
            (
                "valid signature by the wrong key (a registered buyer's)",
                Draft {
                    signer: &other.identity,
                    sender: buyer.id(),
                    ..to.draft(
                        LetterKind::PurseRecovery,
                        &buyer.identity,
                        recovery.to_bytes(),
                    )
                },
            ),
            (
                "stale: 11 minutes old",
                draft(
                    LetterKind::PurseRecovery,
                    &buyer.identity,
                    &to.bank,
                    to.now.minus(660),
                    recovery.to_bytes(),
                ),
            ),
            (
                "garbage body in a good letter",
                to.draft(LetterKind::PurseRecovery, &buyer.identity, vec![1, 2, 3]),
            ),
            (
                "another kind of letter",
                to.draft(
                    LetterKind::InboxRequest,
                    &buyer.identity,
                    good.inbox.to_bytes(),
                ),
            ),
        ] {
            cases.add(
                "/v1/purses/recover",
                what,
                Send::Post("/v1/purses/recover", letter_json(d.seal(rng))),
                404,
                "purse_unknown",
            );
        }
    }

    /// Lookups and address changes: good letters asking for what is refused.
    fn lookups_and_address_changes_ask_for_what_is_refused(&mut self, cases: &mut Cases) {
        let Fixture {
            buyer,
            seller,
            to,
            rng,
            good,
            ..
        } = self;
        cases.add(
            "/v1/cases",
            "a case that does not exist",
            Send::Post(
                "/v1/cases",
                letter_json(
                    to.draft(
                        LetterKind::CaseRequest,
                        &buyer.identity,
                        good.case.to_bytes(),
                    )
                    .seal(rng),
                ),
            ),
            404,
            "unknown_case",
        );
        let mut address = |signer, address: Option<String>| {
            letter_json(
                to.draft(
                    LetterKind::AddressChange,
                    signer,
                    AddressChange { address }.to_bytes(),
                )
                .seal(rng),
            )
        };
        cases.add(
            "/v1/accounts/address",
            "a buyer's address change",
            Send::Post(
                "/v1/accounts/address",
                address(&buyer.identity, Some("https://buyer.example/".into())),
            ),
            403,
            "wrong_role",
        );
        for (what, bad) in [
            (
                "not an http(s) URL",
                "ftp://shop.example/halfpenny".to_owned(),
            ),
            ("a URL without a host", "https://:443/halfpenny".to_owned()),
            ("not a URL at all", "shop.example".to_owned()),
        ] {
            cases.add(
                "/v1/accounts/address",
                what,
                Send::Post("/v1/accounts/address", address(&seller.identity, Some(bad))),
                400,
                "bad_address",
            );
        }
        cases.add(
            "/v1/accounts/address",
            "an address of 513 bytes",
            Send::Post(
                "/v1/accounts/address",
                address(
                    &seller.identity,
                    Some(format!("https://shop.example/{}", "a".repeat(492))),
                ),
            ),
            400,
            "field_too_long",
        );
    }

    /// Run the table. Every refused letter is also replayed, byte for byte:
    /// a replayed nonce of a refused request is refused again the same way.
    async fn run(&self, cases: &Cases) -> Tally {
        let s = &self.s;
        let (mut tried, mut refused, mut changed) = (0, 0, 0);
        let mut failures = Vec::new();
        for case in &cases.0 {
            for attempt in ["first", "replayed"] {
                let before = snapshot(s).await;
                let (status, reply) = match &case.send {
                    Send::Post(path, b) => s.post_raw(path, b.clone()).await,
                    Send::Operator(path, b) => {
                        answer(
                            s.http
                                .post(format!("{}{path}", s.url))
                                .bearer_auth(OPERATOR)
                                .header("content-type", "application/json")
                                .body(b.clone()),
                        )
                        .await
                    }
                    Send::Get(path) => s.get(path).await,
                };
                let after = snapshot(s).await;
                tried += 1;
                let code = reply["error"]["code"]
                    .as_str()
                    .unwrap_or("<none>")
                    .to_owned();
                if (400..500).contains(&status) {
                    refused += 1;
                }
                if after != before {
                    changed += 1;
                }
                if (status, code.as_str()) != (case.status, case.code) || after != before {
                    failures.push(format!(
                        "{} {} ({attempt}): got {status} {code}, expected {} {}{}",
                        case.endpoint,
                        case.what,
                        case.status,
                        case.code,
                        if after != before {
                            format!("; CHANGED {before:?} -> {after:?}")
                        } else {
                            String::new()
                        }
                    ));
                }
            }
        }
        Tally {
            tried,
            refused,
            changed,
            failures,
        }
    }

    /// Replays of requests the bank took get their first answer and change
    /// nothing; counted apart, as they are not refusals.
    async fn replays_of_taken_requests_get_their_first_answer(&mut self) -> usize {
        let Fixture {
            s,
            buyer,
            seller,
            spent,
            ..
        } = self;
        let s = &*s;
        let mut replays = 0;
        let fwd = purse_request(s, buyer, seller, &[(1, 1)], vec![]);
        let mint = json!({ "request": fwd.to_text() });
        let (status, first) = s.post("/v1/purses", &mint).await;
        assert_eq!(status, 200, "{first}");
        let redemption = seller.letter(
            s,
            LetterKind::Redemption,
            &RedemptionRequest {
                tokens: spent.clone(),
            },
        );
        let (status, first_r) = s
            .post("/v1/redemptions", &json!({ "letter": redemption }))
            .await;
        assert_eq!(status, 200, "{first_r}");
        for (path, b, first) in [
            ("/v1/purses", mint.clone(), first.clone()),
            (
                "/v1/redemptions",
                json!({ "letter": redemption }),
                first_r.clone(),
            ),
        ] {
            let before = snapshot(s).await;
            let again = s.post(path, &b).await;
            assert_eq!(
                again,
                (200, first),
                "{path}: a replay gets its first answer"
            );
            assert_eq!(
                snapshot(s).await,
                before,
                "{path}: a replay changes nothing"
            );
            replays += 1;
        }
        replays
    }

    /// A token of another bank, handed in for redemption, is refused line by
    /// line inside the bank's answer (the seller must learn which tokens were
    /// not paid): no money moves and no token changes; only the request's
    /// nonce and answer are kept, so that a retry gets the same answer.
    async fn tokens_of_another_bank_are_refused_line_by_line(&mut self) {
        let Fixture {
            s, seller, spent, ..
        } = self;
        let s = &*s;
        let forged: Vec<SpentToken> = spent
            .iter()
            .map(|t| {
                let token = t
                    .token
                    .token
                    .clone()
                    .sign(testing::other_token_key_for(t.token.token.suite).as_ref())
                    .unwrap();
                SpentToken { token, ..t.clone() }
            })
            .collect();
        let before = snapshot(s).await;
        let letter = seller.letter(
            s,
            LetterKind::Redemption,
            &RedemptionRequest { tokens: forged },
        );
        let (status, reply) = s
            .post("/v1/redemptions", &json!({ "letter": letter }))
            .await;
        assert_eq!(status, 200, "{reply}");
        assert!(
            reply["lines"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["code"] == "token_does_not_match_purse"),
            "{reply}"
        );
        assert_eq!(reply["credited"], json!([]));
        let after = snapshot(s).await;
        assert_eq!(after.0, before.0, "the ledger is unchanged");
        let mut expected = before.1.clone();
        for (table, n) in &mut expected {
            if table == "requests" {
                *n += 1;
            }
        }
        assert_eq!(after.1, expected, "only the request's nonce was kept");
    }
}
