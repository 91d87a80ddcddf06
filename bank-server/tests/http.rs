//! The bank over real HTTP on 127.0.0.1 with a real database (a SQLite file,
//! or PostgreSQL when HALFPENNY_TEST_POSTGRES is set): every endpoint's
//! success and failure paths, with exact balances and balanced books.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use halfpenny::letter::LetterKind;
use halfpenny::messages::{
    AuthorizationOrder, RedemptionRequest, RefundRequest, SpentToken, StatementRequest,
};
use halfpenny::split::TokenShare;
use halfpenny::till::SellerPurse;
use halfpenny::wallet::BuyerPurse;
use halfpenny::wire::TextForm;
use halfpenny::{Assertion, Suite, testing};
use rand_core::SeedableRng;
use rstest::rstest;
use serde_json::{Value, json};

#[tokio::test]
async fn accounts_funding_and_the_operator_token() {
    let s = Server::start(Suite::Rsa2048Sha256).await;
    assert_eq!(s.get("/v1/health").await, (200, json!({ "status": "ok" })));
    let (status, info) = s.get("/v1/bank").await;
    assert_eq!((status, info["id"].as_str()), (200, Some("demo-bank")));
    let suites: Vec<&str> = info["token_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["suite"].as_str().unwrap())
        .collect();
    assert_eq!(
        (suites, info["default_suite"].as_str()),
        (vec!["rsa2048-sha256", "ed25519"], Some("rsa2048-sha256"))
    );

    let buyer = s.register(&testing::buyer_identity(), "buyer").await;
    assert_eq!(
        s.register(&testing::buyer_identity(), "buyer").await,
        buyer,
        "registering twice is harmless"
    );
    let (status, err) = s
        .post(
            "/v1/accounts",
            &json!({ "role": "buyer", "signing_key": "AAAA", "sealing_key": "AAAA" }),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (400, Some("bad_public_key"))
    );
    let (status, err) = s
        .post(
            "/v1/accounts",
            &json!({ "role": "banker", "signing_key": "x", "sealing_key": "x" }),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (400, Some("bad_role"))
    );

    let fund = json!({ "account": buyer, "amount_minor": 500, "currency": "USD", "idempotency_key": "card-1" });
    let (status, err) = s.post("/v1/operator/fund", &fund).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (401, Some("operator_unauthorized"))
    );
    let wrong = s
        .http
        .post(format!("{}/v1/operator/fund", s.url))
        .bearer_auth("guess")
        .json(&fund)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    assert_eq!(s.fund(&buyer, 500, "card-1").await, 500);
    assert_eq!(
        s.fund(&buyer, 500, "card-1").await,
        500,
        "the same key moves money once"
    );
    assert_eq!(s.fund(&buyer, 250, "card-2").await, 750);
    let (status, err) = s.operator("/v1/operator/fund", &json!({ "account": buyer, "amount_minor": 0, "currency": "USD", "idempotency_key": "z" })).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (400, Some("bad_amount"))
    );
    let (status, err) = s.operator("/v1/operator/fund", &json!({ "account": buyer, "amount_minor": 1000, "currency": "USD", "direction": "debit", "idempotency_key": "out-1" })).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (402, Some("insufficient_funds"))
    );
    let t = s.totals().await;
    assert_eq!((t.funded["USD"], t.postings), (750, 2));
}

#[rstest]
#[tokio::test]
async fn purses_are_minted_once_and_refused_clearly(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let s = Server::start(suite).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 1).await;
    let seller = Party::new(&s, testing::seller_identity(), "seller", 2).await;
    s.fund(&buyer.account, 1_000, "f1").await;

    let fwd = purse_request(
        &s,
        &mut buyer,
        &seller,
        &[(1, 20), (5, 10), (25, 4)],
        vec![],
    );
    let body = json!({ "request": fwd.to_text() });
    let (status, first) = s.post("/v1/purses", &body).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = s.post("/v1/purses", &body).await;
    assert_eq!(
        (status, &again),
        (200, &first),
        "the same request twice: the first answer, nothing minted again"
    );
    assert_eq!(s.balance(buyer.id()).await, 830);
    let (sp, bp) = open_purses(&s, &buyer, &seller, &first);
    assert_eq!((sp.halves.len(), bp.available().minor()), (34, 170));
    assert_eq!(token_suites(&sp, &bp), [suite].into());
    assert_eq!(s.totals().await.outstanding["USD"], 170);

    // A buyer may ask for the bank's other suite.
    let other = Suite::ALL.into_iter().find(|x| *x != suite).unwrap();
    let fwd = purse_request_in(&s, &mut buyer, &seller, &[(5, 2)], vec![], Some(other));
    let (status, reply) = s
        .post("/v1/purses", &json!({ "request": fwd.to_text() }))
        .await;
    assert_eq!(status, 200, "{reply}");
    let (sp2, bp2) = open_purses(&s, &buyer, &seller, &reply);
    assert_eq!(token_suites(&sp2, &bp2), [other].into());
    assert_eq!(s.balance(buyer.id()).await, 820);
    assert_eq!(s.totals().await.outstanding["USD"], 180);

    // Refusals change nothing.
    let before = s.app.store.row_counts().await.unwrap();
    let too_much = purse_request(&s, &mut buyer, &seller, &[(100, 9)], vec![]);
    let (status, err) = s
        .post("/v1/purses", &json!({ "request": too_much.to_text() }))
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (402, Some("insufficient_funds")),
        "{err}"
    );
    let mut stranger = Party {
        identity: testing::other_identity(),
        account: String::new(),
        rng: buyer.rng.clone(),
    };
    let unknown = purse_request(&s, &mut stranger, &seller, &[(1, 1)], vec![]);
    let (status, err) = s
        .post("/v1/purses", &json!({ "request": unknown.to_text() }))
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (404, Some("unknown_account"))
    );
    let adult = vec![AuthorizationOrder {
        assertion: Assertion::parse("age>=18").unwrap(),
        count: 1,
    }];
    let unproven = purse_request(&s, &mut buyer, &seller, &[], adult.clone());
    let (status, err) = s
        .post("/v1/purses", &json!({ "request": unproven.to_text() }))
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (403, Some("assertion_not_proven"))
    );
    let cut = fwd.to_text()[..61].to_owned(); // 56 base64 characters: whole bytes, a message cut short
    for (garbage, code) in [
        ("hello", "wrong_prefix"),
        ("hpq1.!!!", "bad_base64"),
        ("hpq1.AAAA", "unknown_version"),
        (cut.as_str(), "truncated"),
    ] {
        let (status, err) = s.post("/v1/purses", &json!({ "request": garbage })).await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (400, Some(code)),
            "{garbage}"
        );
    }
    let (status, err) = s.post_raw("/v1/purses", b"{not json".to_vec()).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (400, Some("bad_json"))
    );
    let (status, err) = s.post_raw("/v1/purses", vec![b' '; 9 * 1024 * 1024]).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (413, Some("body_too_large"))
    );
    assert_eq!(
        s.app.store.row_counts().await.unwrap(),
        before,
        "refused requests leave every table as it was"
    );

    // Proven by an attribute the operator recorded.
    let (status, _) = s
        .operator(
            "/v1/operator/attributes",
            &json!({ "account": buyer.account, "date_of_birth": "2000-02-29" }),
        )
        .await;
    assert_eq!(status, 204);
    let (sp, bp) = buy_purse(&s, &mut buyer, &seller, &[], adult)
        .await
        .unwrap();
    assert_eq!(
        (
            sp.halves.len(),
            bp.authorizations(&Assertion::parse("age>=18").unwrap())
        ),
        (1, 1)
    );
    assert_eq!(
        s.balance(buyer.id()).await,
        820,
        "authorization tokens cost nothing"
    );
    s.totals().await;
}

#[rstest]
#[tokio::test]
async fn redemption_refund_and_the_sellers_return(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let s = Server::start(suite).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 3).await;
    let (address, mut notices) = seller_address().await;
    let seller_account = s
        .register_at(&testing::seller_identity(), "seller", Some(&address))
        .await;
    let mut seller = Party {
        identity: testing::seller_identity(),
        account: seller_account,
        rng: rand_chacha::ChaCha20Rng::seed_from_u64(4),
    };
    s.fund(&buyer.account, 1_000, "f1").await;
    let (mut sp, mut bp) = buy_purse(&s, &mut buyer, &seller, &[(1, 10), (5, 4)], vec![])
        .await
        .unwrap();
    assert_eq!(s.balance(buyer.id()).await, 970);
    let tokens = the_seller_redeems_10c_once(&s, &mut buyer, &mut seller, &mut sp, &mut bp).await;
    a_buyers_letter_is_not_a_sellers(&s, &mut buyer, tokens).await;
    let (kept, case) = she_asks_for_the_rest_back_after_one_more_purchase(
        &s,
        &mut buyer,
        &mut seller,
        &mut sp,
        &mut bp,
    )
    .await;
    the_seller_is_called_and_hands_his_purse_in(
        &s,
        (&mut buyer, &mut seller),
        &sp,
        &mut notices,
        (kept, case),
    )
    .await;
    her_signed_statement_and_the_metrics(&s, &mut buyer).await;
}

/// Off-line purchases: 7c and 3c, redeemed once; returns the tokens.
async fn the_seller_redeems_10c_once(
    s: &Server,
    buyer: &mut Party,
    seller: &mut Party,
    sp: &mut SellerPurse,
    bp: &mut BuyerPurse,
) -> Vec<SpentToken> {
    let mut tokens = pay(s, buyer, seller, sp, bp, 7);
    tokens.extend(pay(s, buyer, seller, sp, bp, 3));
    let letter = seller.letter(
        s,
        LetterKind::Redemption,
        &RedemptionRequest {
            tokens: tokens.clone(),
        },
    );
    let (status, first) = s
        .post("/v1/redemptions", &json!({ "letter": letter }))
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        first["credited"],
        json!([{ "currency": "USD", "minor": 10 }])
    );
    assert_eq!(
        s.post("/v1/redemptions", &json!({ "letter": letter }))
            .await,
        (200, first.clone()),
        "a replayed letter gets the first answer"
    );
    let again = seller.letter(
        s,
        LetterKind::Redemption,
        &RedemptionRequest {
            tokens: tokens.clone(),
        },
    );
    let (status, second) = s.post("/v1/redemptions", &json!({ "letter": again })).await;
    assert_eq!((status, second["credited"].clone()), (200, json!([])));
    assert!(
        second["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["code"] == "already_redeemed")
    );
    assert_eq!(s.balance(seller.id()).await, 10);
    tokens
}

/// A buyer's letter is not a seller's: wrong role.
async fn a_buyers_letter_is_not_a_sellers(s: &Server, buyer: &mut Party, tokens: Vec<SpentToken>) {
    let as_buyer = buyer.letter(s, LetterKind::Redemption, &RedemptionRequest { tokens });
    let (status, err) = s
        .post("/v1/redemptions", &json!({ "letter": as_buyer }))
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (403, Some("wrong_role"))
    );
}

/// One more purchase the seller keeps; then she asks for the rest back.
/// Returns the kept tokens and her case.
async fn she_asks_for_the_rest_back_after_one_more_purchase(
    s: &Server,
    buyer: &mut Party,
    seller: &mut Party,
    sp: &mut SellerPurse,
    bp: &mut BuyerPurse,
) -> (Vec<SpentToken>, Value) {
    let kept = pay(s, buyer, seller, sp, bp, 5);
    let items: Vec<TokenShare> = bp
        .halves
        .iter()
        .filter(|(_, h)| h.state == halfpenny::wallet::HalfState::Available)
        .map(|(s, h)| TokenShare {
            session: *s,
            share: h.share.clone(),
        })
        .collect();
    assert_eq!(bp.available().minor(), 15);
    let letter = buyer.letter(
        s,
        LetterKind::Refund,
        &RefundRequest {
            purse: bp.id,
            halves: items,
        },
    );
    let (status, case) = s.post("/v1/refunds", &json!({ "letter": letter })).await;
    assert_eq!(status, 200, "{case}");
    let (status, err) = s.post("/v1/refunds", &json!({ "letter": buyer.letter(s, LetterKind::Refund, &RefundRequest { purse: bp.id, halves: vec![] }) })).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (409, Some("refund_in_progress"))
    );
    (kept, case)
}

/// The bank calls the seller's address; the same letter waits in his inbox.
async fn the_seller_is_called_and_hands_his_purse_in(
    s: &Server,
    (buyer, seller): (&mut Party, &mut Party),
    sp: &SellerPurse,
    notices: &mut tokio::sync::mpsc::UnboundedReceiver<bank_server::service::Notice>,
    (kept, case): (Vec<SpentToken>, Value),
) {
    let notice = tokio::time::timeout(std::time::Duration::from_secs(10), notices.recv())
        .await
        .unwrap()
        .unwrap();
    let letters = seller.letters(s).await;
    assert_eq!(
        (letters.len(), letters[0]["kind"].as_str()),
        (1, Some("return_request"))
    );
    assert_eq!(
        (notice.kind.as_str(), notice.letter.as_str()),
        ("return_request", letters[0]["letter"].as_str().unwrap())
    );
    let (status, result) = seller
        .hand_in(s, &letters[0], case["case"].as_str().unwrap(), sp, kept)
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(
        (
            result["seller_credited"]["minor"].as_u64(),
            result["buyer_refunded"]["minor"].as_u64()
        ),
        (Some(5), Some(15))
    );
    assert_eq!(
        (s.balance(buyer.id()).await, s.balance(seller.id()).await),
        (985, 15)
    );
    let t = s.totals().await;
    assert_eq!((t.outstanding["USD"], t.funded["USD"]), (0, 1_000));
    assert_eq!(buyer.letters(s).await[0]["kind"], "refund_result");
}

/// Her signed statement, and the bank's metrics.
async fn her_signed_statement_and_the_metrics(s: &Server, buyer: &mut Party) {
    let letter = buyer.letter(
        s,
        LetterKind::StatementRequest,
        &StatementRequest { currency: USD },
    );
    let (status, st) = s.post("/v1/statements", &json!({ "letter": letter })).await;
    assert_eq!((status, st["balance_minor"].as_i64()), (200, Some(985)));
    let kinds: Vec<&str> = st["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["funding", "mint", "refund"]);
    let metrics = s
        .http
        .get(format!("{}/metrics", s.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("halfpenny_purses_minted_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("halfpenny_double_spends_refused_total 6"),
        "six tokens handed in twice: {metrics}"
    );
}

#[rstest]
#[tokio::test]
async fn the_deadline_rule_and_the_chargeback(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let s = Server::start_with(60, suite).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 5).await;
    let mut seller = Party::new(&s, testing::seller_identity(), "seller", 6).await;
    s.fund(&buyer.account, 100, "f1").await;
    let (mut sp, mut bp) = buy_purse(&s, &mut buyer, &seller, &[(10, 5)], vec![])
        .await
        .unwrap();
    let spent = pay(&s, &mut buyer, &mut seller, &mut sp, &mut bp, 10);
    // She asks for all five back, the one she spent included; the seller is away.
    let all: Vec<TokenShare> = bp.shares(|_| true);
    let letter = buyer.letter(
        &s,
        LetterKind::Refund,
        &RefundRequest {
            purse: bp.id,
            halves: all,
        },
    );
    assert_eq!(
        s.post("/v1/refunds", &json!({ "letter": letter })).await.0,
        200
    );
    assert_eq!(
        s.operator("/v1/operator/sweep", &json!({})).await,
        (200, json!({ "settled": 0 })),
        "not before the deadline"
    );
    s.app.clock.advance(61);
    assert_eq!(
        s.operator("/v1/operator/sweep", &json!({})).await,
        (200, json!({ "settled": 1 }))
    );
    assert_eq!(
        s.operator("/v1/operator/sweep", &json!({})).await,
        (200, json!({ "settled": 0 })),
        "each case settles once"
    );
    assert_eq!(
        (
            s.balance(buyer.id()).await,
            s.totals().await.outstanding["USD"]
        ),
        (100, 0)
    );
    // The seller comes back with the token she spent: she pays him back.
    let letter = seller.letter(
        &s,
        LetterKind::Redemption,
        &RedemptionRequest { tokens: spent },
    );
    let (status, r) = s
        .post("/v1/redemptions", &json!({ "letter": letter }))
        .await;
    assert_eq!(
        (status, r["credited"].clone()),
        (200, json!([{ "currency": "USD", "minor": 10 }]))
    );
    assert_eq!(
        (s.balance(buyer.id()).await, s.balance(seller.id()).await),
        (90, 10)
    );
    let t = s.totals().await;
    assert_eq!(t.funded["USD"], 100);
}

#[tokio::test]
async fn forged_misaddressed_stale_and_unknown_letters_are_refused() {
    use halfpenny::crypto::seal;
    use halfpenny::letter::SignedLetter;
    use halfpenny::wire::{Decode, Encode};

    let s = Server::start(Suite::Rsa2048Sha256).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 7).await;
    let seller = Party::new(&s, testing::seller_identity(), "seller", 8).await;
    s.fund(&buyer.account, 100, "f1").await;
    let (_, bp) = buy_purse(&s, &mut buyer, &seller, &[(10, 2)], vec![])
        .await
        .unwrap();
    let before = s.app.store.row_counts().await.unwrap();
    let body = RefundRequest {
        purse: bp.id,
        halves: vec![],
    };

    // A forged signature: her letter with one bit of the signature changed.
    let signed = halfpenny::letter::sign(
        LetterKind::Refund,
        &body,
        buyer.identity.signing.as_ref(),
        s.bank.identity.id(),
        s.now(),
        &mut buyer.rng,
    )
    .unwrap();
    let mut bytes = signed.to_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let forged = SignedLetter::from_bytes(&bytes).unwrap();
    let sealed = seal::seal(
        s.bank.identity.id(),
        &s.bank.identity.sealing,
        &forged.to_bytes(),
        &mut buyer.rng,
    )
    .unwrap();
    let (status, err) = s
        .post("/v1/refunds", &json!({ "letter": sealed.to_text() }))
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (401, Some("bad_signature"))
    );

    // Sealed for someone else (the seller), sent to the bank.
    let (to_seller, _) = halfpenny::letter::send(
        LetterKind::Refund,
        &body,
        buyer.identity.signing.as_ref(),
        &seller.identity.public(),
        s.now(),
        &mut buyer.rng,
    )
    .unwrap();
    let (status, err) = s
        .post("/v1/refunds", &json!({ "letter": to_seller.to_text() }))
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (400, Some("cannot_unseal"))
    );

    // A letter of the wrong kind at an endpoint.
    let redemption = buyer.letter(
        &s,
        LetterKind::Redemption,
        &RedemptionRequest { tokens: vec![] },
    );
    let (status, err) = s
        .post("/v1/refunds", &json!({ "letter": redemption }))
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (400, Some("wrong_message_kind"))
    );

    // Stale: written now, arriving eleven minutes later.
    let stale = buyer.letter(&s, LetterKind::Refund, &body);
    s.app.clock.advance(11 * 60);
    let (status, err) = s.post("/v1/refunds", &json!({ "letter": stale })).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (400, Some("message_expired"))
    );

    // A purse the bank never minted.
    let unknown = RefundRequest {
        purse: halfpenny::PurseId([9; 16]),
        halves: vec![],
    };
    let (status, err) = s
        .post(
            "/v1/refunds",
            &json!({ "letter": buyer.letter(&s, LetterKind::Refund, &unknown) }),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (404, Some("unknown_purse"))
    );
    // Someone else's purse.
    let mut other = Party::new(&s, testing::other_identity(), "buyer", 9).await;
    let (status, err) = s
        .post(
            "/v1/refunds",
            &json!({ "letter": other.letter(&s, LetterKind::Refund, &body) }),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (403, Some("not_your_purse"))
    );

    let mut after = s.app.store.row_counts().await.unwrap();
    let accounts = after.iter_mut().find(|(t, _)| t == "accounts").unwrap();
    accounts.1 -= 1; // the one registration above
    assert_eq!(after, before, "nothing else changed");
    s.totals().await;
}

/// An idempotency key names one request: a retry gets the first answer, a
/// reuse for another account, amount, currency or direction is refused and
/// changes nothing.
#[tokio::test]
async fn an_idempotency_key_is_one_request_and_never_another() {
    let s = Server::start(Suite::Ed25519).await;
    let a = s.register(&testing::buyer_identity(), "buyer").await;
    let b = s.register(&testing::other_identity(), "buyer").await;
    let (a_id, b_id) = (
        testing::buyer_identity().id(),
        testing::other_identity().id(),
    );
    assert_eq!(s.fund(&a, 500, "card-7").await, 500);
    let counts = s.app.store.row_counts().await.unwrap();

    let fund = |account: &str, amount: u64, currency: &str, direction: &str| json!({ "account": account, "amount_minor": amount, "currency": currency, "direction": direction, "idempotency_key": "card-7" });
    for (what, body) in [
        ("another account", fund(&b, 500, "USD", "credit")),
        ("another amount", fund(&a, 600, "USD", "credit")),
        ("another currency", fund(&a, 500, "EUR", "credit")),
        ("another direction", fund(&a, 500, "USD", "debit")),
    ] {
        let (status, err) = s.operator("/v1/operator/fund", &body).await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (409, Some("idempotency_key_reused")),
            "{what}: {err}"
        );
        assert_eq!(
            err["error"]["message"],
            "This idempotency key was used for a different request."
        );
        assert_eq!(s.app.store.row_counts().await.unwrap(), counts, "{what}");
    }
    assert_eq!((s.balance(a_id).await, s.balance(b_id).await), (500, 0));

    // The same request again is a retry: the first answer, nothing moved.
    let (status, again) = s
        .operator("/v1/operator/fund", &fund(&a, 500, "USD", "credit"))
        .await;
    assert_eq!(
        (status, &again["account"], &again["balance_minor"]),
        (200, &json!(a), &json!(500))
    );
    assert_eq!(s.fund(&b, 300, "card-8").await, 300);
    assert_eq!(
        s.fund(&a, 500, "card-7").await,
        500,
        "still the first answer"
    );
    assert_eq!((s.balance(a_id).await, s.balance(b_id).await), (500, 300));
    let t = s.totals().await;
    assert_eq!((t.funded["USD"], t.postings), (800, 2));
}

/// Letters are RSA-2048 whatever the tokens: an account whose signing or
/// sealing key is anything else could never send or read one, so it is
/// refused at registration and nothing is created.
#[tokio::test]
async fn an_account_with_keys_letters_cannot_use_is_refused() {
    let s = Server::start(Suite::Ed25519).await;
    let counts = s.app.store.row_counts().await.unwrap();
    let rsa = testing::buyer_identity().public();
    let ed = testing::bank_token_public_for(Suite::Ed25519);
    for (what, signing, sealing) in [
        ("an Ed25519 signing key", &ed, &rsa.sealing),
        ("an Ed25519 sealing key", &rsa.signing, &ed),
        ("two Ed25519 keys", &ed, &ed),
    ] {
        for role in ["buyer", "seller"] {
            let mut body = json!({ "role": role, "signing_key": signing.to_base64url(), "sealing_key": sealing.to_base64url() });
            if role == "seller" {
                body["address"] = "http://127.0.0.1:9/halfpenny".into();
            }
            let (status, err) = s.post("/v1/accounts", &body).await;
            assert_eq!(
                (status, err["error"]["code"].as_str()),
                (400, Some("unusable_key")),
                "{what} ({role}): {err}"
            );
            assert!(
                err["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("RSA-2048"),
                "{err}"
            );
            assert_eq!(s.app.store.row_counts().await.unwrap(), counts, "{what}");
        }
    }
    // Its RSA-2048 keys alone are welcome.
    s.register(&testing::buyer_identity(), "buyer").await;
}

/// The halves of one case, as the buyer hands them in.
fn halves_of(
    bp: &halfpenny::wallet::BuyerPurse,
    sessions: &[halfpenny::SessionSerial],
) -> Vec<TokenShare> {
    sessions
        .iter()
        .map(|s| TokenShare {
            session: *s,
            share: bp.halves[s].share.clone(),
        })
        .collect()
}

/// A partial refund does not strand the rest: she refunds a few unspent
/// halves, then the others in a second case (settled at its deadline, the
/// seller silent); every cent comes home, nothing of the purse stays
/// outstanding, and the seller's spent tokens are still redeemed once.
#[rstest]
#[tokio::test]
async fn a_purse_is_refunded_in_parts_and_nothing_is_stranded(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let s = Server::start(suite).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 21).await;
    let mut seller = Party::new(&s, testing::seller_identity(), "seller", 22).await;
    s.fund(&buyer.account, 1_000, "f1").await;
    // 10 x 1c and 4 x 5c: 30 cents.
    let (mut sp, mut bp) = buy_purse(&s, &mut buyer, &seller, &[(1, 10), (5, 4)], vec![])
        .await
        .unwrap();
    let purse = bp.id;
    let kept = pay(&s, &mut buyer, &mut seller, &mut sp, &mut bp, 7);
    let handed_in = pay(&s, &mut buyer, &mut seller, &mut sp, &mut bp, 3);
    let available: Vec<halfpenny::SessionSerial> = bp
        .halves
        .iter()
        .filter(|(_, h)| h.state == halfpenny::wallet::HalfState::Available)
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(bp.available().minor(), 20);
    let value = |sessions: &[halfpenny::SessionSerial]| -> u64 {
        sessions
            .iter()
            .map(|s| bp.halves[s].kind.value().map_or(0, |a| a.minor()))
            .sum()
    };
    let (first, rest) = available.split_at(3);
    let (first_value, rest_value) = (value(first), value(rest));
    assert_eq!(first_value + rest_value, 20);
    let her = Her {
        bp: &bp,
        purse,
        first,
        rest,
    };
    let case1 = the_first_case_and_the_rest_waits(&s, &mut buyer, her).await;
    the_seller_hands_in_the_purse(
        &s,
        (&mut buyer, &mut seller),
        &sp,
        handed_in,
        &case1,
        first_value,
    )
    .await;
    the_second_case_is_settled_at_the_deadline(&s, &mut buyer, &mut seller, her, &case1).await;
    the_sellers_kept_tokens_are_still_his_once(&s, &mut buyer, &mut seller, kept).await;
    nothing_of_the_purse_is_left(&s, &mut buyer, her).await;
}

/// Her purse, and her unspent halves in two parts.
#[derive(Clone, Copy)]
struct Her<'a> {
    bp: &'a BuyerPurse,
    purse: halfpenny::PurseId,
    first: &'a [halfpenny::SessionSerial],
    rest: &'a [halfpenny::SessionSerial],
}

fn outstanding(t: &bank_server::store::Totals) -> i64 {
    t.outstanding.get("USD").copied().unwrap_or(0)
}

/// The first case: three of her unspent halves. While it is open, the rest
/// waits: refused clearly, nothing changed. Returns the case.
async fn the_first_case_and_the_rest_waits(s: &Server, buyer: &mut Party, her: Her<'_>) -> Value {
    let Her {
        bp,
        purse,
        first,
        rest,
    } = her;
    let letter = buyer.letter(
        s,
        LetterKind::Refund,
        &RefundRequest {
            purse,
            halves: halves_of(bp, first),
        },
    );
    let (status, case1) = s.post("/v1/refunds", &json!({ "letter": letter })).await;
    assert_eq!(status, 200, "{case1}");
    // While it is open, the rest waits: refused clearly, nothing changed.
    let counts = s.app.store.row_counts().await.unwrap();
    let early = buyer.letter(
        s,
        LetterKind::Refund,
        &RefundRequest {
            purse,
            halves: halves_of(bp, rest),
        },
    );
    let (status, err) = s.post("/v1/refunds", &json!({ "letter": early })).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (409, Some("refund_in_progress")),
        "{err}"
    );
    assert_eq!(s.app.store.row_counts().await.unwrap(), counts);
    case1
}

/// The seller hands in the purse: one payment's tokens and every unspent half.
async fn the_seller_hands_in_the_purse(
    s: &Server,
    (buyer, seller): (&mut Party, &mut Party),
    sp: &SellerPurse,
    handed_in: Vec<SpentToken>,
    case1: &Value,
    first_value: u64,
) {
    let letters = seller.letters(s).await;
    let (status, result) = seller
        .hand_in(
            s,
            &letters[0],
            case1["case"].as_str().unwrap(),
            sp,
            handed_in,
        )
        .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(
        (
            result["seller_credited"]["minor"].as_u64(),
            result["buyer_refunded"]["minor"].as_u64()
        ),
        (Some(3), Some(first_value))
    );
    assert_eq!(
        (s.balance(buyer.id()).await, s.balance(seller.id()).await),
        (970 + first_value as i64, 3)
    );
    let t = s.totals().await;
    assert_eq!(outstanding(&t), 30 - 3 - first_value as i64, "{t:?}");
}

/// The second case: the rest of her unspent halves. The seller is silent
/// this time: the deadline rule settles it.
async fn the_second_case_is_settled_at_the_deadline(
    s: &Server,
    buyer: &mut Party,
    seller: &mut Party,
    her: Her<'_>,
    case1: &Value,
) {
    let Her {
        bp, purse, rest, ..
    } = her;
    let letter = buyer.letter(
        s,
        LetterKind::Refund,
        &RefundRequest {
            purse,
            halves: halves_of(bp, rest),
        },
    );
    let (status, case2) = s.post("/v1/refunds", &json!({ "letter": letter })).await;
    assert_eq!(status, 200, "the rest is refundable: {case2}");
    assert_ne!(case2["case"], case1["case"]);
    // The seller is silent this time: the deadline rule settles it.
    s.app.clock.advance(72 * 3600 + 1);
    assert_eq!(
        s.operator("/v1/operator/sweep", &json!({})).await,
        (200, json!({ "settled": 1 }))
    );
    let (_, settled) = buyer.case(s, case2["case"].as_str().unwrap()).await;
    assert_eq!(settled["settled"], "deadline", "{settled}");
    assert_eq!(
        (s.balance(buyer.id()).await, s.balance(seller.id()).await),
        (990, 3),
        "every unspent cent came home"
    );
    let t = s.totals().await;
    assert_eq!(outstanding(&t), 7, "only the tokens the seller kept: {t:?}");
}

/// The seller's kept tokens are still his, once.
async fn the_sellers_kept_tokens_are_still_his_once(
    s: &Server,
    buyer: &mut Party,
    seller: &mut Party,
    kept: Vec<SpentToken>,
) {
    let redeem = |seller: &mut Party| {
        let tokens = kept.clone();
        seller.letter(s, LetterKind::Redemption, &RedemptionRequest { tokens })
    };
    let letter = redeem(seller);
    let (status, r) = s
        .post("/v1/redemptions", &json!({ "letter": letter }))
        .await;
    assert_eq!(
        (status, &r["credited"]),
        (200, &json!([{ "currency": "USD", "minor": 7 }]))
    );
    let letter = redeem(seller);
    let (status, r) = s
        .post("/v1/redemptions", &json!({ "letter": letter }))
        .await;
    assert_eq!((status, &r["credited"]), (200, &json!([])), "once");
    assert_eq!(
        (s.balance(buyer.id()).await, s.balance(seller.id()).await),
        (990, 10)
    );
    let t = s.totals().await;
    assert_eq!((outstanding(&t), t.funded["USD"]), (0, 1_000), "{t:?}");
    assert_eq!(t.open_token_value.get("USD").copied().unwrap_or(0), 0);
}

/// Nothing of the purse is left: a third request finds it closed.
async fn nothing_of_the_purse_is_left(s: &Server, buyer: &mut Party, her: Her<'_>) {
    let Her {
        bp, purse, first, ..
    } = her;
    let letter = buyer.letter(
        s,
        LetterKind::Refund,
        &RefundRequest {
            purse,
            halves: halves_of(bp, first),
        },
    );
    let (status, err) = s.post("/v1/refunds", &json!({ "letter": letter })).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (409, Some("purse_closed")),
        "{err}"
    );
}
