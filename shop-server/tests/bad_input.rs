//! A table of bad inputs at every endpoint of the shop, over real HTTP with
//! its real SQLite file and a real bank beside it: each gets a 4xx with its
//! exact stable code, and afterwards the shop's row counts and summary and
//! the bank's ledger totals and row counts are what they were. (A refused
//! payment is written to the shop's refusal log for the operator, by design;
//! the log is compared apart: it grows by exactly that refusal.)
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

use std::collections::BTreeSet;

use base64::Engine as _;
use common::*;
use halfpenny::crypto::PrivateIdentity;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::letter::{self, LetterKind, SignedLetter};
use halfpenny::messages::{Denomination, Payment, PurseRequest, Receipt, ReturnRequest};
use halfpenny::split::{Share, TokenShare};
use halfpenny::wallet::BuyerPurse;
use halfpenny::wire::{Decode, Encode, TextForm};
use halfpenny::{CaseId, Currency, Nonce, SignedToken, Suite, Timestamp, testing};
use halfpenny_store::WalletStore;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};

type Snapshot = (Vec<(String, i64)>, Value, String, Vec<(String, i64)>);

/// The shop's rows and summary (without its refusal log), the bank's books and rows.
async fn snapshot(shop: &Shop, bank: &Bank) -> (Snapshot, usize) {
    let mut summary = shop.summary().await;
    let refusals = summary["refused"].as_array().map_or(0, Vec::len);
    summary["refused"] = Value::Null;
    let totals = bank.check_books().await;
    (
        (
            shop.app.store.row_counts().await.unwrap(),
            summary,
            format!("{totals:?}"),
            bank.app.store.row_counts().await.unwrap(),
        ),
        refusals,
    )
}

enum Send {
    Post(&'static str, Vec<u8>),
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

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A payment of these items for this offer and purse, as the shop's body.
fn pay_body(payment: Nonce, purse: halfpenny::PurseId, items: Vec<TokenShare>) -> Vec<u8> {
    body(json!({ "payment": Payment { payment, purse, halves: items }.to_text() }))
}

/// A letter written as `signer`, dated `at`, sealed for `to`; `forge` flips a
/// bit of the signature.
fn sealed_letter(
    kind: LetterKind,
    body: &impl Encode,
    signer: &PrivateIdentity,
    to: &halfpenny::crypto::PublicIdentity,
    at: Timestamp,
    forge: bool,
    rng: &mut ChaCha20Rng,
) -> String {
    let signed = letter::sign(kind, body, signer.signing.as_ref(), to.id(), at, rng).unwrap();
    let mut bytes = signed.to_bytes();
    if forge {
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
    }
    let signed = SignedLetter::from_bytes(&bytes).unwrap();
    halfpenny::crypto::seal::seal(to.id(), &to.sealing, &signed.to_bytes(), rng)
        .unwrap()
        .to_text()
}

/// Every case, in the order it was added.
struct Cases(Vec<Case>);

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

/// The items of a purse the paid article did not spend.
fn unspent(p: &BuyerPurse, receipt: &Receipt) -> Vec<TokenShare> {
    p.halves
        .iter()
        .filter(|(s, _)| p.id != receipt.purse || !receipt.sessions.contains(s))
        .map(|(s, h)| TokenShare {
            session: *s,
            share: h.share.clone(),
        })
        .collect()
}

/// A one-cent item of these.
fn one_cent(items: &[TokenShare], p: &BuyerPurse) -> TokenShare {
    items
        .iter()
        .find(|i| p.halves[&i.session].kind.value().map(|v| v.minor()) == Some(1))
        .unwrap()
        .clone()
}

/// Three cents of these: 1c + 2c.
fn three(items: &[TokenShare], p: &BuyerPurse) -> Vec<TokenShare> {
    let two = items
        .iter()
        .find(|i| p.halves[&i.session].kind.value().map(|v| v.minor()) == Some(2))
        .unwrap()
        .clone();
    vec![one_cent(items, p), two]
}

/// What running the table counted, and every case that went wrong.
struct Tally {
    tried: usize,
    refused: usize,
    changed: usize,
    failures: Vec<String>,
}

/// A bank and a shop beside it; a buyer with two USD purses and a EUR one
/// bought through the shop, one article paid, offers to pay for, and a
/// token of another bank that joins with the seller's own half.
struct Fixture {
    rng: ChaCha20Rng,
    buyer: Buyer,
    shop: Shop,
    _dir: tempfile::TempDir,
    bank: Bank,
    receipt: Receipt,
    pa: BuyerPurse,
    pb: BuyerPurse,
    pe: BuyerPurse,
    spent_items: Vec<TokenShare>,
    ua: Vec<TokenShare>,
    ub: Vec<TokenShare>,
    ue: Vec<TokenShare>,
    offers: std::vec::IntoIter<Nonce>,
    forged_item: TokenShare,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_is_refused_with_its_code_and_changes_nothing() {
    let mut f = Fixture::set_up().await;
    let mut cases = Cases(Vec::new());
    the_json_is_wrong(&mut cases);
    offers_for_what_the_shop_does_not_sell(&mut cases);
    f.payment_texts_are_wrong(&mut cases);
    f.payments_of_the_wrong_halves(&mut cases);
    f.purse_requests_the_bank_refuses(&mut cases);
    f.notices_not_from_the_bank_for_this_seller(&mut cases);
    paths_and_the_operator(&mut cases);
    let mut tally = f.run(&cases).await;
    f.a_taken_payment_sent_again_gets_its_first_answer().await;
    f.a_payment_for_an_expired_offer_is_refused(&mut tally)
        .await;
    print_table(&cases, &tally);
    assert!(tally.failures.is_empty(), "{}", tally.failures.join("\n"));
    assert_eq!((tally.refused, tally.changed), (tally.tried, 0));
}

/// Every body-taking endpoint: the JSON itself is wrong.
fn the_json_is_wrong(cases: &mut Cases) {
    let huge = vec![b' '; shop_server::api::MAX_BODY_BYTES + 1];
    for (endpoint, field) in [
        ("/shop/v1/offers", "item"),
        ("/shop/v1/purses", "request"),
        ("/shop/v1/payments", "payment"),
        ("/shop/v1/bank-notices", "letter"),
    ] {
        let post = |b: Vec<u8>| Send::Post(endpoint, b);
        cases.add(endpoint, "empty body", post(vec![]), 400, "bad_json");
        cases.add(
            endpoint,
            "truncated JSON",
            post(format!("{{\"{field}\": \"hp").into_bytes()),
            400,
            "bad_json",
        );
        cases.add(
            endpoint,
            "wrong type (a number for a string)",
            post(body(json!({ field: 12, "kind": 3 }))),
            400,
            "bad_json",
        );
        cases.add(
            endpoint,
            "wrong type (an array for the body)",
            post(b"[1, 2, 3]".to_vec()),
            400,
            "bad_json",
        );
        cases.add(
            endpoint,
            "huge number",
            post(format!("{{\"{field}\": 1e999}}").into_bytes()),
            400,
            "bad_json",
        );
        cases.add(
            endpoint,
            "oversized body",
            post(huge.clone()),
            413,
            "body_too_large",
        );
    }
}

fn offers_for_what_the_shop_does_not_sell(cases: &mut Cases) {
    cases.add(
        "/shop/v1/offers",
        "an item the shop does not sell",
        Send::Post("/shop/v1/offers", body(json!({ "item": "no-such-item" }))),
        404,
        "unknown_item",
    );
    cases.add(
        "/shop/v1/offers",
        "an item name of 100,000 bytes",
        Send::Post(
            "/shop/v1/offers",
            body(json!({ "item": "x".repeat(100_000) })),
        ),
        404,
        "unknown_item",
    );
}

fn paths_and_the_operator(cases: &mut Cases) {
    cases.add(
        "/shop/v1/payments/{payment}",
        "not a payment id",
        Send::Get("/shop/v1/payments/xyz".into()),
        400,
        "bad_payment_id",
    );
    cases.add(
        "/shop/v1/payments/{payment}",
        "a payment the shop never took",
        Send::Get(format!("/shop/v1/payments/{}", Nonce([8; 16]).to_hex())),
        404,
        "payment_unknown",
    );
    cases.add(
        "/shop/v1/operator/redeem",
        "no operator token",
        Send::Post("/shop/v1/operator/redeem", vec![]),
        401,
        "operator_unauthorized",
    );
    cases.add(
        "/shop/v1/operator/summary",
        "no operator token",
        Send::Get("/shop/v1/operator/summary".into()),
        401,
        "operator_unauthorized",
    );
    cases.add(
        "/articles/{item}",
        "an article the shop does not sell",
        Send::Get("/articles/no-such-thing".into()),
        404,
        "unknown_item",
    );
    cases.add(
        "/shop/…",
        "no such endpoint",
        Send::Get("/shop/v1/nothing-here".into()),
        404,
        "not_found",
    );
}

fn print_table(cases: &Cases, tally: &Tally) {
    let Tally {
        tried,
        refused,
        changed,
        ..
    } = tally;
    println!("bad-input table (shop):");
    for case in &cases.0 {
        println!(
            "  {:<28} {:<56} {} {}",
            case.endpoint, case.what, case.status, case.code
        );
    }
    println!(
        "bad inputs (shop, SQLite): {tried} tried, {refused} refused, {changed} changed anything; \
         1 replay of a taken payment got its first answer and changed nothing"
    );
}

impl Fixture {
    async fn set_up() -> Fixture {
        let bank = Bank::start(Suite::Rsa2048Sha256).await;
        let dir = tempfile::tempdir().unwrap();
        let shop = Shop::start(&bank, &dir).await;
        let mut buyer = Buyer::new(&bank, 1).await;
        bank.fund(buyer.id(), 100).await;
        let (status, reply) = bank
            .operator(
                "/v1/operator/fund",
                &json!({ "account": buyer.id().to_hex(), "amount_minor": 100, "currency": "EUR", "idempotency_key": "eur" }),
            )
            .await;
        assert_eq!(status, 200, "{reply}");
        let mut rng = ChaCha20Rng::seed_from_u64(5);

        // Two USD purses and a EUR one, bought through the shop.
        let money: &[(u64, u32)] = &[(1, 4), (2, 2), (5, 1)];
        let a = buyer
            .buy_purse(&shop, money, vec![], Suite::Rsa2048Sha256)
            .await;
        let b = buyer
            .buy_purse(&shop, money, vec![], Suite::Rsa2048Sha256)
            .await;
        let eur = {
            let body = PurseRequest {
                seller: shop.seller(),
                currency: Currency::new("EUR").unwrap(),
                money: Denomination::list(&[(1, 3)]),
                authorizations: vec![],
                suite: None,
            };
            let fwd = buyer.keeper.request_purse(&body, now(), &mut rng).unwrap();
            let (status, reply) = shop
                .post("/shop/v1/purses", &json!({ "request": fwd.to_text() }))
                .await;
            assert_eq!(status, 200, "{reply}");
            let sealed = SealedBox::from_text(reply["purse"].as_str().unwrap()).unwrap();
            buyer.keeper.receive_purse(&sealed, now()).await.unwrap().id
        };
        // One article paid: its halves are spent.
        let paid = buyer.buy(&shop, "article-2").await;
        let receipt =
            halfpenny::messages::Receipt::from_text(paid["receipt"].as_str().unwrap()).unwrap();
        let purses: Vec<BuyerPurse> = buyer.keeper.store().purses().await.unwrap();
        let get = |id| purses.iter().find(|p| p.id == id).unwrap().clone();
        let (pa, pb, pe) = (get(a), get(b), get(eur));
        let paid_purse = get(receipt.purse);
        let spent_items: Vec<TokenShare> = receipt
            .sessions
            .iter()
            .map(|s| TokenShare {
                session: *s,
                share: paid_purse.halves[s].share.clone(),
            })
            .collect();
        let (ua, ub, ue) = (
            unspent(&pa, &receipt),
            unspent(&pb, &receipt),
            unspent(&pe, &receipt),
        );
        // Offers to pay for (article-3 costs 3 cents).
        let mut offers = Vec::new();
        for _ in 0..16 {
            offers.push(shop.offer("article-3").await.0.payment);
        }
        // A token of another bank that joins with the seller's own half: the
        // seller's share XOR the same token signed by another bank's key.
        let forged_item = {
            let item = one_cent(&ua, &pa);
            let sessions = BTreeSet::from([item.session]);
            let (_, seller_purse) = shop
                .app
                .store
                .purse_for_payment(&pa.id, &bank.app.bank.config.id, &sessions)
                .await
                .unwrap()
                .unwrap();
            let mine = &seller_purse.halves[&item.session].share;
            let token =
                SignedToken::from_bytes(&halfpenny::split::join(&[mine, &item.share]).unwrap())
                    .unwrap();
            let other = token
                .token
                .clone()
                .sign(testing::other_token_key_for(token.token.suite).as_ref())
                .unwrap()
                .to_bytes();
            let share: Vec<u8> = other
                .iter()
                .zip(mine.as_bytes())
                .map(|(x, y)| x ^ y)
                .collect();
            TokenShare {
                session: item.session,
                share: Share::from_bytes(share),
            }
        };
        Fixture {
            rng,
            buyer,
            shop,
            _dir: dir,
            bank,
            receipt,
            pa,
            pb,
            pe,
            spent_items,
            ua,
            ub,
            ue,
            offers: offers.into_iter(),
            forged_item,
        }
    }

    /// Payments whose text is wrong, or that nobody offered.
    fn payment_texts_are_wrong(&self, cases: &mut Cases) {
        let Fixture {
            receipt, pa, ua, ..
        } = self;
        let p = "/shop/v1/payments";
        let good = Payment {
            payment: Nonce([1; 16]),
            purse: pa.id,
            halves: vec![one_cent(ua, pa)],
        };
        let mut v2 = good.to_bytes();
        v2[0] = 2;
        let mut huge_count = good.to_bytes();
        huge_count[1 + 16 + 16..1 + 16 + 16 + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        let text = good.to_text();
        for (what, payment, status, code) in [
            (
                "not a Halfpenny text",
                "hello".to_owned(),
                400,
                "wrong_prefix",
            ),
            ("not base64url", "hpp1.!!!".to_owned(), 400, "bad_base64"),
            (
                "truncated message",
                text[..text.len() - 8].to_owned(),
                400,
                "truncated",
            ),
            (
                "trailing bytes",
                format!("{text}AAAA"),
                400,
                "trailing_bytes",
            ),
            (
                "unknown message version",
                format!("hpp1.{}", b64(&v2)),
                400,
                "unknown_version",
            ),
            (
                "huge number (2^32-1 halves announced)",
                format!("hpp1.{}", b64(&huge_count)),
                400,
                "field_too_long",
            ),
            (
                "another kind of message (a receipt)",
                receipt.to_text(),
                400,
                "wrong_prefix",
            ),
            (
                "a payment nobody offered",
                good.to_text(),
                404,
                "unknown_offer",
            ),
        ] {
            cases.add(
                p,
                what,
                Send::Post(p, body(json!({ "payment": payment }))),
                status,
                code,
            );
        }
    }

    /// Payments of halves that are wrong: forged, another purse's, another
    /// bank's, spent, too few, too many, none, twice, unknown.
    fn payments_of_the_wrong_halves(&mut self, cases: &mut Cases) {
        let Fixture {
            receipt,
            pa,
            pb,
            pe,
            spent_items,
            ua,
            ub,
            ue,
            offers,
            forged_item,
            ..
        } = self;
        let mut offer = || offers.next().unwrap();
        let p = "/shop/v1/payments";
        let mut flipped = one_cent(ua, pa);
        let mut bytes = flipped.share.as_bytes().to_vec();
        bytes[0] ^= 1; // the token's version byte: the join no longer decodes
        flipped.share = Share::from_bytes(bytes);
        let ub_unspent_in_a: Vec<TokenShare> = ub
            .iter()
            .filter(|i| ua.iter().any(|u| u.session == i.session))
            .cloned()
            .collect();
        let cases_payments: Vec<(&'static str, Vec<u8>, u16, &'static str)> = vec![
            (
                "forged half (one bit flipped)",
                pay_body(offer(), pa.id, vec![flipped, three(ua, pa)[1].clone()]),
                400,
                "bad_half",
            ),
            (
                "a half of another purse",
                // Of sessions purse a has not spent: a spent one would be
                // named as a double spend before any half is joined.
                pay_body(offer(), pa.id, three(&ub_unspent_in_a, pb)),
                400,
                "bad_half",
            ),
            (
                "a token of another bank",
                pay_body(
                    offer(),
                    pa.id,
                    vec![forged_item.clone(), three(ua, pa)[1].clone()],
                ),
                400,
                "bad_token_signature",
            ),
            (
                "wrong currency (EUR halves for a USD price)",
                pay_body(offer(), pe.id, ue[..3].to_vec()),
                400,
                "currency_mismatch",
            ),
            (
                "halves already spent (double spend)",
                pay_body(offer(), receipt.purse, spent_items.clone()),
                409,
                "double_spend",
            ),
            (
                "not enough",
                pay_body(offer(), pa.id, vec![one_cent(ua, pa)]),
                402,
                "not_enough",
            ),
            (
                "more tokens than the price needs",
                pay_body(offer(), pa.id, ua.to_vec()),
                400,
                "too_many_tokens",
            ),
            (
                "no halves",
                pay_body(offer(), pa.id, vec![]),
                400,
                "empty_payment",
            ),
            (
                "the same half twice",
                pay_body(
                    offer(),
                    pa.id,
                    vec![one_cent(ua, pa), one_cent(ua, pa), one_cent(ua, pa)],
                ),
                400,
                "duplicate_half",
            ),
            (
                "a purse the shop does not hold",
                pay_body(offer(), halfpenny::PurseId([9; 16]), three(ua, pa)),
                400,
                "wrong_purse",
            ),
            (
                "a session the purse does not have",
                pay_body(
                    offer(),
                    pa.id,
                    vec![TokenShare {
                        session: halfpenny::SessionSerial(9_999),
                        share: one_cent(ua, pa).share,
                    }],
                ),
                400,
                "unknown_half",
            ),
        ];
        for (what, b, status, code) in cases_payments {
            cases.add(p, what, Send::Post(p, b), status, code);
        }
    }

    /// Purse requests, forwarded to the bank.
    fn purse_requests_the_bank_refuses(&mut self, cases: &mut Cases) {
        let Fixture {
            rng, shop, bank, ..
        } = self;
        let q = "/shop/v1/purses";
        let buyer_id = testing::buyer_identity();
        let bank_identity = bank.app.bank.public().identity;
        let purse_body = |currency: Currency, money: &[(u64, u32)]| PurseRequest {
            seller: shop.seller(),
            currency,
            money: Denomination::list(money),
            authorizations: vec![],
            suite: None,
        };
        let forward = |sealed: String, bank_id: &str| {
            body(
                json!({ "request": halfpenny::messages::ForwardedPurseRequest {
                bank: halfpenny::BankId::new(bank_id).unwrap(),
                sealed: SealedBox::from_text(&sealed).unwrap(),
            }.to_text() }),
            )
        };
        let mut letter_to_bank = |b: &PurseRequest, signer: &PrivateIdentity, at, forge| {
            sealed_letter(
                LetterKind::PurseRequest,
                b,
                signer,
                &bank_identity,
                at,
                forge,
                rng,
            )
        };
        let usd = purse_body(USD, &[(1, 1)]);
        let forged_sig = letter_to_bank(&usd, &buyer_id, now(), true);
        let expired = letter_to_bank(&usd, &buyer_id, now().minus(660), false);
        let future = letter_to_bank(&usd, &buyer_id, now().plus(300), false);
        let unknown = letter_to_bank(&usd, &testing::other_identity(), now(), false);
        let too_much = letter_to_bank(&purse_body(USD, &[(1_000, 1)]), &buyer_id, now(), false);
        let gbp = letter_to_bank(
            &purse_body(Currency::new("GBP").unwrap(), &[(1, 1)]),
            &buyer_id,
            now(),
            false,
        );
        let zero = letter_to_bank(&purse_body(USD, &[(0, 1)]), &buyer_id, now(), false);
        let good_fwd = letter_to_bank(&usd, &buyer_id, now(), false);
        let mut v2 = SealedBox::from_text(&good_fwd).unwrap().to_bytes();
        v2[0] = 2;
        let mut fwd_v2 = SealedBox::from_text(&good_fwd).unwrap().to_bytes();
        fwd_v2.insert(0, 1);
        for (what, b, status, code) in [
            (
                "not a Halfpenny text",
                body(json!({ "request": "hello" })),
                400,
                "wrong_prefix",
            ),
            (
                "unknown message version",
                body(json!({ "request": format!("hpq1.{}", b64(&[&[9u8][..], &v2].concat())) })),
                400,
                "unknown_version",
            ),
            (
                "a request for another bank",
                forward(good_fwd.clone(), "other-bank"),
                400,
                "wrong_bank",
            ),
            (
                "forged signature",
                forward(forged_sig, "demo-bank"),
                401,
                "bad_signature",
            ),
            (
                "expired timestamp",
                forward(expired, "demo-bank"),
                400,
                "message_expired",
            ),
            (
                "timestamp in the future",
                forward(future, "demo-bank"),
                400,
                "message_from_future",
            ),
            (
                "valid signature by a key the bank does not know",
                forward(unknown, "demo-bank"),
                404,
                "unknown_account",
            ),
            (
                "more than her balance",
                forward(too_much, "demo-bank"),
                402,
                "insufficient_funds",
            ),
            (
                "wrong currency (GBP, she holds none)",
                forward(gbp, "demo-bank"),
                402,
                "insufficient_funds",
            ),
            (
                "a zero-value token (no negative amounts in u64)",
                forward(zero, "demo-bank"),
                400,
                "bad_denomination",
            ),
        ] {
            cases.add(q, what, Send::Post(q, b), status, code);
        }
    }

    /// The bank's notices: only the bank's letters, fresh, for this seller.
    fn notices_not_from_the_bank_for_this_seller(&mut self, cases: &mut Cases) {
        let Fixture { rng, shop, pa, .. } = self;
        let buyer_id = testing::buyer_identity();
        let n = "/shop/v1/bank-notices";
        let me = shop.app.identity.public();
        let ask = ReturnRequest {
            case: CaseId([3; 16]),
            purse: pa.id,
            deadline: now().plus(3600),
        };
        let real_bank = testing::bank_identity();
        let mut notice = |signer: &PrivateIdentity, to, at, forge| {
            body(
                json!({ "kind": "return_request", "letter": sealed_letter(LetterKind::ReturnRequest, &ask, signer, to, at, forge, rng) }),
            )
        };
        let buyer_pub = buyer_id.public();
        let notices = [
            (
                "valid signature by the wrong key (the buyer's)",
                notice(&buyer_id, &me, now(), false),
                401,
                "wrong_sender",
            ),
            (
                "forged signature",
                notice(&real_bank, &me, now(), true),
                401,
                "bad_signature",
            ),
            (
                "expired timestamp (8 days old)",
                notice(&real_bank, &me, now().minus(8 * 86_400), false),
                400,
                "message_expired",
            ),
            (
                "sealed for someone else",
                notice(&real_bank, &buyer_pub, now(), false),
                400,
                "cannot_unseal",
            ),
        ];
        for (what, b, status, code) in notices {
            cases.add(n, what, Send::Post(n, b), status, code);
        }
        cases.add(
            n,
            "an unknown kind of notice",
            Send::Post(n, body(json!({ "kind": "invoice", "letter": "hps1.AAAA" }))),
            400,
            "unknown_notice",
        );
        cases.add(
            n,
            "not a Halfpenny text",
            Send::Post(
                n,
                body(json!({ "kind": "return_request", "letter": "hello" })),
            ),
            400,
            "wrong_prefix",
        );
    }

    /// Run the table; every case twice (the second a byte-for-byte replay).
    async fn run(&self, cases: &Cases) -> Tally {
        let Fixture { shop, bank, .. } = self;
        let p = "/shop/v1/payments";
        let (mut tried, mut refused, mut changed) = (0, 0, 0);
        let mut failures = Vec::new();
        for case in &cases.0 {
            for attempt in ["first", "replayed"] {
                let (before, log_before) = snapshot(shop, bank).await;
                let (status, reply) = match &case.send {
                    Send::Post(path, b) => {
                        answer(
                            shop.http
                                .post(format!("{}{path}", shop.url))
                                .header("content-type", "application/json")
                                .body(b.clone()),
                        )
                        .await
                    }
                    Send::Get(path) => shop.get(path).await,
                };
                let (after, log_after) = snapshot(shop, bank).await;
                tried += 1;
                let code = reply["error"]["code"]
                    .as_str()
                    .unwrap_or("<none>")
                    .to_owned();
                if (400..500).contains(&status) {
                    refused += 1;
                }
                // A payment that could be read at all is logged for the operator.
                let logged = usize::from(case.endpoint == p && status != 413 && code != "bad_json");
                let same = after == before && log_after <= log_before + logged;
                if !same {
                    changed += 1;
                }
                if (status, code.as_str()) != (case.status, case.code) || !same {
                    failures.push(format!(
                        "{} {} ({attempt}): got {status} {code}, expected {} {}{}",
                        case.endpoint,
                        case.what,
                        case.status,
                        case.code,
                        if same {
                            String::new()
                        } else {
                            format!("; CHANGED {before:?} -> {after:?}")
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

    /// A taken payment sent again gets its first answer and changes nothing.
    async fn a_taken_payment_sent_again_gets_its_first_answer(&mut self) {
        let Fixture {
            buyer, shop, bank, ..
        } = self;
        let p = "/shop/v1/payments";
        let (request, _) = shop.offer("article-1").await;
        let prepared = buyer.keeper.pay(&request, now()).await.unwrap();
        let paying = json!({ "payment": prepared.payment.to_text() });
        let first = shop.post_text(p, &paying).await;
        assert_eq!(first.0, 200, "{}", first.1);
        let (before, _) = snapshot(shop, bank).await;
        assert_eq!(shop.post_text(p, &paying).await, first);
        assert_eq!(snapshot(shop, bank).await.0, before);
    }

    /// Last, as it moves the shop's clock: a payment for an expired offer.
    async fn a_payment_for_an_expired_offer_is_refused(&self, tally: &mut Tally) {
        let Fixture {
            shop, bank, pa, ua, ..
        } = self;
        let p = "/shop/v1/payments";
        let (request, _) = shop.offer("article-3").await;
        shop.app.clock.advance(86_400);
        let (before, _) = snapshot(shop, bank).await;
        let (status, err) = shop
            .post(
                p,
                &json!({ "payment": Payment { payment: request.payment, purse: pa.id, halves: three(ua, pa) }.to_text() }),
            )
            .await;
        tally.tried += 1;
        if (400..500).contains(&status) {
            tally.refused += 1;
        }
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (410, Some("request_expired"))
        );
        assert_eq!(snapshot(shop, bank).await.0, before);
    }
}
