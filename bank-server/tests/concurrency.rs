//! Double-spend storms over real HTTP on 127.0.0.1, against whichever database
//! the harness selects (a SQLite file, or PostgreSQL when
//! HALFPENNY_TEST_POSTGRES is set). Racing requests may lose with a 409
//! `busy`; money must never move twice, so every test ends on the books.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use common::*;
use halfpenny::bank::TokenStatus;
use halfpenny::letter::LetterKind;
use halfpenny::messages::{RedemptionRequest, RefundRequest, ReturnRequest, SpentToken};
use halfpenny::split::TokenShare;
use halfpenny::wire::TextForm;
use halfpenny::{Suite, testing};
use rstest::rstest;
use serde_json::{Value, json};

/// One request of a storm.
struct Shot {
    path: &'static str,
    body: Value,
    operator: bool,
}

fn shot(path: &'static str, body: Value) -> Shot {
    Shot {
        path,
        body,
        operator: false,
    }
}

fn operator_shot(path: &'static str, body: Value) -> Shot {
    Shot {
        path,
        body,
        operator: true,
    }
}

/// Fires every request at once (each on its own task, released together by
/// a barrier) and returns the replies in the order given.
async fn storm(s: &Server, shots: Vec<Shot>) -> Vec<(u16, Value)> {
    let barrier = Arc::new(tokio::sync::Barrier::new(shots.len()));
    let tasks: Vec<_> = shots
        .into_iter()
        .map(|shot| {
            let mut request = s
                .http
                .post(format!("{}{}", s.url, shot.path))
                .json(&shot.body);
            if shot.operator {
                request = request.bearer_auth(OPERATOR);
            }
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let r = request.send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json().await.unwrap_or(Value::Null))
            })
        })
        .collect();
    let mut replies = Vec::with_capacity(tasks.len());
    for t in tasks {
        replies.push(t.await.unwrap());
    }
    replies
}

/// A racing request may lose with 409 `busy`; anything else but 200 is a bug.
fn ok_or_busy(what: &str, reply: &(u16, Value)) -> bool {
    match reply {
        (200, _) => true,
        (409, v) if v["error"]["code"] == "busy" => false,
        (status, v) => panic!("{what}: unexpected answer {status} {v}"),
    }
}

/// (purse, session) of every line of a redemption reply that credited money, with its amount.
fn credited_lines(reply: &Value) -> Vec<((String, u64), u64)> {
    reply["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["outcome"] == "credited")
        .map(|l| {
            (
                (
                    l["purse"].as_str().unwrap().to_owned(),
                    l["session"].as_u64().unwrap(),
                ),
                l["amount_minor"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn key_of(t: &SpentToken) -> (String, u64) {
    (t.purse.to_hex(), u64::from(t.session.0))
}

fn value_of(t: &SpentToken) -> u64 {
    t.token.token.kind.value().unwrap().minor()
}

/// The bank's record of a purse, straight from the database.
async fn purse_record(s: &Server, id: halfpenny::PurseId) -> halfpenny::bank::PurseRecord {
    s.app
        .store
        .purse(&id)
        .await
        .unwrap()
        .expect("the purse is in the database")
}

fn table(counts: &[(String, i64)], name: &str) -> i64 {
    counts
        .iter()
        .find(|(t, _)| t == name)
        .map(|(_, n)| *n)
        .unwrap()
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_copies_of_the_same_tokens_credit_each_token_once(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let s = Server::start(suite).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 11).await;
    let mut seller = Party::new(&s, testing::seller_identity(), "seller", 12).await;
    s.fund(&buyer.account, 1_000, "f1").await;
    let (mut sp, mut bp) = buy_purse(&s, &mut buyer, &seller, &[(1, 20), (5, 8)], vec![])
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for price in [7, 3, 12] {
        tokens.extend(pay(&s, &mut buyer, &mut seller, &mut sp, &mut bp, price));
    }
    let value: u64 = tokens.iter().map(value_of).sum();
    assert_eq!(value, 22);

    // 64 letters, each with its own nonce, all naming the same tokens (half in reverse order).
    let letters: Vec<String> = (0..64)
        .map(|i| {
            let mut named = tokens.clone();
            if i % 2 == 1 {
                named.reverse();
            }
            seller.letter(
                &s,
                LetterKind::Redemption,
                &RedemptionRequest { tokens: named },
            )
        })
        .collect();
    let replies = storm(
        &s,
        letters
            .iter()
            .map(|l| shot("/v1/redemptions", json!({ "letter": l })))
            .collect(),
    )
    .await;

    let mut credits: BTreeMap<(String, u64), u32> = BTreeMap::new();
    let mut busy = 0;
    for reply in &replies {
        if !ok_or_busy("a racing redemption", reply) {
            busy += 1;
            continue;
        }
        for (token, _) in credited_lines(&reply.1) {
            *credits.entry(token).or_insert(0) += 1;
        }
        for line in reply.1["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["outcome"] != "credited")
        {
            assert_eq!(line["code"], "already_redeemed", "{}", reply.1);
        }
    }
    eprintln!("64 racing redemptions: {} answered, {busy} busy", 64 - busy);
    let expected: BTreeMap<(String, u64), u32> = tokens.iter().map(|t| (key_of(t), 1)).collect();
    assert_eq!(
        credits, expected,
        "every token credited exactly once across all replies"
    );

    // The books: the seller got the tokens' value once, the rest is still owed.
    assert_eq!(s.balance(seller.id()).await, 22);
    assert_eq!(s.balance(buyer.id()).await, 940);
    let t = s.totals().await;
    assert_eq!((t.outstanding["USD"], t.funded["USD"]), (60 - 22, 1_000));
    let purse = purse_record(&s, bp.id).await;
    let redeemed: BTreeSet<u32> = purse
        .tokens
        .iter()
        .filter(|(_, r)| r.status == TokenStatus::Redeemed)
        .map(|(s, _)| s.0)
        .collect();
    assert_eq!(
        redeemed,
        tokens
            .iter()
            .map(|t| t.session.0)
            .collect::<BTreeSet<u32>>(),
        "exactly the spent tokens are redeemed"
    );

    // Each letter again: an answered one gets its first answer, a busy one is
    // decided now and credits nothing.
    let again = storm(
        &s,
        letters
            .iter()
            .map(|l| shot("/v1/redemptions", json!({ "letter": l })))
            .collect(),
    )
    .await;
    for (first, second) in replies.iter().zip(&again) {
        if first.0 == 200 {
            assert_eq!(first, second, "a replayed letter gets its first answer");
        } else if ok_or_busy("a redemption sent again", second) {
            assert!(credited_lines(&second.1).is_empty(), "{}", second.1);
        }
    }
    assert_eq!(s.balance(seller.id()).await, 22);
    assert_eq!(s.totals().await.outstanding["USD"], 38);
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refund_racing_redemptions_pays_each_token_to_one_party(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let mut r = Race::set_up(suite).await;
    let case_id = r.she_asks_for_all_back_while_he_redeems_two().await;
    r.after_her_deadline_return_sweeps_and_redemptions_race(&case_id)
        .await;
    r.whatever_lost_its_race_is_decided_now(&case_id).await;
    r.each_token_is_paid_to_one_party_once().await;
}

/// A purse of 8 x 10c; four of its tokens paid to the seller.
struct Race {
    s: Server,
    buyer: Party,
    seller: Party,
    sp: halfpenny::till::SellerPurse,
    bp: halfpenny::wallet::BuyerPurse,
    spent: Vec<SpentToken>,
}

impl Race {
    async fn set_up(suite: Suite) -> Race {
        let s = Server::start_with(60, suite).await;
        let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 21).await;
        let mut seller = Party::new(&s, testing::seller_identity(), "seller", 22).await;
        s.fund(&buyer.account, 1_000, "f1").await;
        let (mut sp, mut bp) = buy_purse(&s, &mut buyer, &seller, &[(10, 8)], vec![])
            .await
            .unwrap();
        let mut spent = Vec::new();
        for _ in 0..4 {
            spent.extend(pay(&s, &mut buyer, &mut seller, &mut sp, &mut bp, 10));
        }
        assert_eq!((spent.len(), bp.available().minor()), (4, 40));
        Race {
            s,
            buyer,
            seller,
            sp,
            bp,
            spent,
        }
    }

    /// Round one: she asks for all eight halves back (the four she spent
    /// included) while the seller hands in two of his tokens, eight times
    /// over. Returns her case.
    async fn she_asks_for_all_back_while_he_redeems_two(&mut self) -> String {
        let Race {
            s,
            buyer,
            seller,
            bp,
            spent,
            ..
        } = self;
        let s = &*s;
        let early: Vec<SpentToken> = spent[..2].to_vec();
        let all: Vec<TokenShare> = bp.shares(|_| true);
        let mut shots = vec![shot(
            "/v1/refunds",
            json!({ "letter": buyer.letter(s, LetterKind::Refund, &RefundRequest { purse: bp.id, halves: all }) }),
        )];
        for _ in 0..8 {
            shots.push(shot("/v1/redemptions", json!({ "letter": seller.letter(s, LetterKind::Redemption, &RedemptionRequest { tokens: early.clone() }) })));
        }
        let replies = storm(s, shots).await;
        let (status, case) = &replies[0];
        assert_eq!(
            *status, 200,
            "the refund opens a case whatever the redemptions do: {case}"
        );
        let case_id = case["case"].as_str().unwrap().to_owned();
        let mut credits: BTreeMap<(String, u64), u32> = BTreeMap::new();
        for reply in &replies[1..] {
            if ok_or_busy("a redemption racing the refund", reply) {
                for (token, _) in credited_lines(&reply.1) {
                    *credits.entry(token).or_insert(0) += 1;
                }
            }
        }
        assert!(
            credits.values().all(|n| *n == 1),
            "no token credited twice: {credits:?}"
        );
        assert_eq!(s.balance(seller.id()).await, 10 * credits.len() as i64);
        s.totals().await;
        case_id
    }

    /// Round two, after her deadline: the seller's return, the deadline
    /// sweep (four times), eight more redemptions of all four tokens and a
    /// new purse for her, all at once.
    async fn after_her_deadline_return_sweeps_and_redemptions_race(&mut self, case_id: &str) {
        let Race {
            s,
            buyer,
            seller,
            sp,
            spent,
            ..
        } = self;
        let s = &*s;
        s.app.clock.advance(61);
        let letters = seller.letters(s).await;
        let letter = letters[0]["letter"].as_str().unwrap();
        let sealed = halfpenny::crypto::seal::SealedBox::from_text(letter).unwrap();
        let till = seller.till(s);
        let ask: ReturnRequest = till
            .open_from_bank(
                &seller.identity,
                &sealed,
                LetterKind::ReturnRequest,
                s.now(),
            )
            .unwrap();
        assert_eq!(ask.case.to_hex(), case_id);
        let answer = till
            .answer_return(
                &seller.identity,
                &ask,
                sp,
                spent.clone(),
                s.now(),
                &mut seller.rng,
            )
            .unwrap();
        let mut shots = vec![shot("/v1/returns", json!({ "letter": answer.to_text() }))];
        for _ in 0..4 {
            shots.push(operator_shot("/v1/operator/sweep", json!({})));
        }
        for _ in 0..8 {
            shots.push(shot("/v1/redemptions", json!({ "letter": seller.letter(s, LetterKind::Redemption, &RedemptionRequest { tokens: spent.clone() }) })));
        }
        let other = Party::new(s, testing::other_identity(), "seller", 23).await;
        let fwd = purse_request(s, buyer, &other, &[(5, 4)], vec![]);
        shots.push(shot("/v1/purses", json!({ "request": fwd.to_text() })));
        let replies = storm(s, shots).await;

        match &replies[0] {
            (200, v) => assert_eq!(v["case"].as_str(), Some(case_id)),
            // Lost to the deadline sweep: the case is settled already.
            (409, v)
                if ["busy", "case_settled"].contains(&v["error"]["code"].as_str().unwrap()) => {}
            (status, v) => panic!("the seller's return: unexpected answer {status} {v}"),
        }
        let mut swept = 0;
        for (status, v) in &replies[1..5] {
            match status {
                200 => swept += v["settled"].as_u64().unwrap(),
                _ => panic!("a sweep: unexpected answer {status} {v}"),
            }
        }
        assert!(
            swept <= 1,
            "the case settles at most once: {swept} sweeps settled it"
        );
        assert!(
            !(replies[0].0 == 200 && swept == 1),
            "settled both by the seller's return and by the deadline"
        );
        for reply in &replies[5..13] {
            ok_or_busy("a redemption racing the settlement", reply);
        }
        assert_eq!(replies[13].0, 200, "her new purse: {}", replies[13].1);
    }

    /// Whatever lost its race is decided now, one request at a time.
    async fn whatever_lost_its_race_is_decided_now(&mut self, case_id: &str) {
        let Race {
            s, seller, spent, ..
        } = self;
        let s = &*s;
        assert_eq!(s.operator("/v1/operator/sweep", &json!({})).await.0, 200);
        let letter = seller.letter(
            s,
            LetterKind::Redemption,
            &RedemptionRequest {
                tokens: spent.clone(),
            },
        );
        let (status, last) = s
            .post("/v1/redemptions", &json!({ "letter": letter }))
            .await;
        assert_eq!(status, 200, "{last}");
        let (_, settled) = seller.case(s, case_id).await;
        assert!(
            settled["settled"].is_string(),
            "the case is settled: {settled}"
        );
    }

    /// The books: each spent token paid to the seller once (redeemed, or
    /// refunded to her and charged back), each unspent one refunded to her once.
    async fn each_token_is_paid_to_one_party_once(&self) {
        let Race {
            s,
            buyer,
            seller,
            bp,
            spent,
            ..
        } = self;
        let purse = purse_record(s, bp.id).await;
        let spent_sessions: Vec<_> = spent.iter().map(|t| t.session).collect();
        for (session, record) in &purse.tokens {
            if spent_sessions.contains(session) {
                assert!(
                    matches!(
                        record.status,
                        TokenStatus::Redeemed | TokenStatus::ChargedBack
                    ),
                    "spent token {session:?}: {:?}",
                    record.status
                );
            } else {
                assert_eq!(
                    record.status,
                    TokenStatus::Refunded,
                    "unspent token {session:?}"
                );
            }
        }
        let (buyer_now, seller_now) = (s.balance(buyer.id()).await, s.balance(seller.id()).await);
        let t = s.totals().await;
        let outstanding = t.outstanding["USD"];
        assert_eq!(
            (seller_now, outstanding),
            (40, 20),
            "the seller has his four tokens, her new purse is all that is owed"
        );
        assert_eq!(
            buyer_now,
            1_000 - 80 + 40 - 20,
            "she got her four unspent tokens back and paid for the new purse"
        );
        assert_eq!(buyer_now + seller_now + outstanding, t.funded["USD"]);
        assert_eq!(t.funded["USD"], 1_000);
    }
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_copies_of_one_purse_request_mint_one_purse(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let s = Server::start(suite).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 31).await;
    let seller = Party::new(&s, testing::seller_identity(), "seller", 32).await;
    // Enough for many purses: only the request's nonce can stop a second one.
    s.fund(&buyer.account, 10_000, "f1").await;
    let before = s.app.store.row_counts().await.unwrap();
    let fwd = purse_request(&s, &mut buyer, &seller, &[(1, 10), (25, 4)], vec![]);
    let body = json!({ "request": fwd.to_text() });
    let replies = storm(
        &s,
        (0..32).map(|_| shot("/v1/purses", body.clone())).collect(),
    )
    .await;
    for reply in &replies {
        assert_eq!(reply, &replies[0], "every copy gets the one answer");
    }
    assert_eq!(replies[0].0, 200, "{}", replies[0].1);
    let (sp, bp) = open_purses(&s, &buyer, &seller, &replies[0].1);
    assert_eq!((sp.halves.len(), bp.available().minor()), (14, 110));

    let after = s.app.store.row_counts().await.unwrap();
    for (name, grew) in [
        ("purses", 1),
        ("tokens", 14),
        ("requests", 1),
        ("postings", 1),
    ] {
        assert_eq!(
            table(&after, name) - table(&before, name),
            grew,
            "{name}: {before:?} -> {after:?}"
        );
    }
    assert_eq!(s.balance(buyer.id()).await, 10_000 - 110, "debited once");
    let t = s.totals().await;
    assert_eq!((t.outstanding["USD"], t.funded["USD"]), (110, 10_000));
    assert_eq!(
        s.post("/v1/purses", &body).await,
        replies[0],
        "and once more, later"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_operator_postings_move_money_once_and_never_below_zero() {
    let s = Server::start(Suite::Rsa2048Sha256).await;
    let buyer = s.register(&testing::buyer_identity(), "buyer").await;
    let fund = |key: &str, minor: u64, direction: &str| {
        operator_shot(
            "/v1/operator/fund",
            json!({ "account": buyer, "amount_minor": minor, "currency": "USD", "direction": direction, "idempotency_key": key }),
        )
    };

    // 32 copies of one funding: the money moves once, every copy is told the balance.
    let replies = storm(
        &s,
        (0..32).map(|_| fund("card-1", 1_000, "credit")).collect(),
    )
    .await;
    for (status, v) in &replies {
        assert_eq!(
            (*status, v["balance_minor"].as_i64()),
            (200, Some(1_000)),
            "{v}"
        );
    }
    let who = halfpenny::KeyId::from_hex(&buyer).unwrap();
    assert_eq!(s.balance(who).await, 1_000);

    // 16 different withdrawals of 100 from 1,000: ten go through, six are refused.
    let replies = storm(
        &s,
        (0..16)
            .map(|i| fund(&format!("out-{i}"), 100, "debit"))
            .collect(),
    )
    .await;
    let mut paid = 0;
    for (status, v) in &replies {
        match *status {
            200 => paid += 1,
            402 => assert_eq!(v["error"]["code"], "insufficient_funds"),
            _ => panic!("a withdrawal: unexpected answer {status} {v}"),
        }
    }
    assert_eq!((paid, s.balance(who).await), (10, 0), "never below zero");
    let t = s.totals().await;
    assert_eq!((t.funded["USD"], t.postings), (0, 11));
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deadline_settlements_racing_new_purses_do_not_deadlock(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    // A refund moves money outstanding -> buyer while a new purse moves it
    // buyer -> outstanding: on PostgreSQL both lock the same two balances.
    let s = Server::start_with(30, suite).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 41).await;
    let seller = Party::new(&s, testing::seller_identity(), "seller", 42).await;
    s.fund(&buyer.account, 100_000, "f1").await;
    for _round in 0..2 {
        for _ in 0..10 {
            let (_, bp) = buy_purse(&s, &mut buyer, &seller, &[(1, 3)], vec![])
                .await
                .unwrap();
            let items: Vec<TokenShare> = bp.shares(|_| true);
            let letter = buyer.letter(
                &s,
                LetterKind::Refund,
                &RefundRequest {
                    purse: bp.id,
                    halves: items,
                },
            );
            assert_eq!(
                s.post("/v1/refunds", &json!({ "letter": letter })).await.0,
                200
            );
        }
        s.app.clock.advance(31);
        let mut shots = vec![operator_shot("/v1/operator/sweep", json!({}))];
        for _ in 0..24 {
            let fwd = purse_request(&s, &mut buyer, &seller, &[(1, 1)], vec![]);
            shots.push(shot("/v1/purses", json!({ "request": fwd.to_text() })));
        }
        let replies = storm(&s, shots).await;
        assert_eq!(
            replies[0],
            (200, json!({ "settled": 10 })),
            "the sweep settles every due case"
        );
        for (status, v) in &replies[1..] {
            assert_eq!(*status, 200, "a new purse: {v}");
        }
    }
    // Twenty purses of 3c refunded in full, 48 purses of 1c still open.
    assert_eq!(s.balance(buyer.id()).await, 100_000 - 48);
    let t = s.totals().await;
    assert_eq!((t.outstanding["USD"], t.funded["USD"]), (48, 100_000));
}

/// Two bank processes sharing one database: redemptions of the same tokens
/// sent to both at once credit each token exactly once.
#[rstest]
#[tokio::test]
async fn two_bank_processes_on_one_database_pay_each_token_once(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let a = Server::start(suite).await;
    let b = a.start_beside().await;
    let mut buyer = Party::new(&a, testing::buyer_identity(), "buyer", 41).await;
    let mut seller = Party::new(&a, testing::seller_identity(), "seller", 42).await;
    a.fund(&buyer.account, 100, "two-processes").await;
    let (mut sp, mut bp) = buy_purse(&b, &mut buyer, &seller, &[(1, 20)], vec![])
        .await
        .unwrap();
    let tokens = pay(&a, &mut buyer, &mut seller, &mut sp, &mut bp, 12);
    let barrier = Arc::new(tokio::sync::Barrier::new(32));
    let mut tasks = Vec::new();
    for i in 0..32 {
        let server = if i % 2 == 0 { &a } else { &b };
        let letter = seller.letter(
            server,
            LetterKind::Redemption,
            &RedemptionRequest {
                tokens: tokens.clone(),
            },
        );
        let request = server
            .http
            .post(format!("{}/v1/redemptions", server.url))
            .json(&json!({ "letter": letter }));
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let r = request.send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }));
    }
    let mut credited = 0;
    for t in tasks {
        let (status, v) = t.await.unwrap();
        match status {
            200 => {
                credited += v["credited"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["minor"].as_u64().unwrap())
                    .sum::<u64>()
            }
            409 if v["error"]["code"] == "busy" => {}
            _ => panic!("unexpected answer {status} {v}"),
        }
    }
    assert_eq!(
        credited, 12,
        "each token credited once across both processes"
    );
    assert_eq!(
        (a.balance(seller.id()).await, b.balance(buyer.id()).await),
        (12, 80)
    );
    let t = b.totals().await;
    assert_eq!((t.outstanding["USD"], t.funded["USD"]), (8, 100));
}
