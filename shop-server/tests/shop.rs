//! The shop server over real HTTP with a real SQLite file, a real bank
//! server beside it and a buyer driven by the real wallet keeper: purses
//! through the shop, payments, content, double spending, garbage, the bank
//! down, redemption and refunds, with every balance exact.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use halfpenny::messages::{AuthorizationOrder, Payment, Receipt};
use halfpenny::split::{Share, TokenShare};
use halfpenny::wire::TextForm;
use halfpenny::{Assertion, Nonce, SessionSerial, Suite};
use rstest::rstest;
use serde_json::json;

/// 5 x 1c, 3 x 2c and 2 x 5c: 21 cents.
const PURSE: &[(u64, u32)] = &[(1, 5), (2, 3), (5, 2)];

fn code(v: &serde_json::Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<none>")
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buy_a_purse_pay_three_articles_read_them_and_redeem_once(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let bank = Bank::start(suite).await;
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(&bank, &dir).await;
    let mut buyer = Buyer::new(&bank, 1).await;
    bank.fund(buyer.id(), 100).await;

    // The purse is bought through the shop, which cannot read her request.
    let purse = buyer.buy_purse(&shop, PURSE, vec![], suite).await;
    assert_eq!(buyer.holds().await, (21, 0));
    assert_eq!(bank.balance(buyer.id()).await, 79);
    let s = shop.summary().await;
    assert_eq!(s["purses"][0]["purse"], purse.to_hex());
    assert_eq!(
        (
            &s["purses"][0]["unspent_minor"],
            &s["purses"][0]["halves_left"],
            &s["purses"][0]["spent"],
            &s["purses"][0]["state"]
        ),
        (&json!(21), &json!(10), &json!(0), &json!("open"))
    );
    assert!(
        !s.to_string().contains(&buyer.id().to_hex()),
        "the seller never learns who she is"
    );

    // Before paying: the price, not the article.
    let (status, locked) = shop.article("article-2", None).await;
    assert_eq!(
        (
            status,
            code(&locked),
            &locked["item"],
            &locked["price_minor"],
            &locked["currency"]
        ),
        (
            402,
            "payment_required",
            &json!("article-2"),
            &json!(2),
            &json!("USD")
        )
    );
    assert_eq!(locked["requires"], json!(null));
    assert!(!locked["title"].as_str().unwrap().is_empty());
    assert_eq!(
        shop.article("wine-review", None).await.1["requires"],
        "age>=18"
    );

    // Three articles at 1, 2 and 3 cents.
    let mut access = Vec::new();
    for item in ["article-1", "article-2", "article-3"] {
        let reply = buyer.buy(&shop, item).await;
        assert_eq!(reply["item"], item);
        access.push(reply["access"].as_str().unwrap().to_owned());
    }
    assert_eq!(buyer.holds().await, (15, 0));
    for (item, a) in ["article-1", "article-2", "article-3"].iter().zip(&access) {
        let (status, article) = shop.article(item, Some(a)).await;
        assert_eq!((status, &article["item"]), (200, &json!(item)));
        assert!(article["body"].as_str().unwrap().len() > 100);
        assert!(!article["title"].as_str().unwrap().is_empty());
    }
    // A wrong token, or another article's, opens nothing.
    assert_eq!(shop.article("article-2", Some("guess")).await.0, 402);
    assert_eq!(shop.article("article-2", Some(&access[0])).await.0, 402);
    assert_eq!(shop.article("article-4", Some(&access[1])).await.0, 402);
    assert_eq!(shop.article("no-such-thing", None).await.0, 404);

    // The same payment sent twice: the same answer, byte for byte, once.
    let (request, _) = shop.offer("article-4").await;
    let prepared = buyer.keeper.pay(&request, now()).await.unwrap();
    let body = json!({ "payment": prepared.payment.to_text() });
    let first = shop.post_text("/shop/v1/payments", &body).await;
    let second = shop.post_text("/shop/v1/payments", &body).await;
    assert_eq!(first.0, 200, "{}", first.1);
    assert_eq!(first, second);
    let status = shop
        .get_text(&format!("/shop/v1/payments/{}", request.payment.to_hex()))
        .await;
    assert_eq!(status, first);
    let reply: serde_json::Value = serde_json::from_str(&first.1).unwrap();
    let receipt = Receipt::from_text(reply["receipt"].as_str().unwrap()).unwrap();
    assert_eq!((receipt.price.minor(), receipt.paid.minor()), (5, 5));
    buyer.keeper.settle(&receipt, now()).await.unwrap();
    assert_eq!(buyer.holds().await, (10, 0));
    assert_eq!(shop.totals().await, (11, 0));
    assert_eq!(
        shop.get(&format!("/shop/v1/payments/{}", Nonce([7; 16]).to_hex()))
            .await
            .0,
        404
    );

    // Redemption credits the seller exactly once, however often it is asked.
    let r = shop.redeem().await;
    assert_eq!(r["credited"], json!([{ "currency": "USD", "minor": 11 }]));
    assert!(
        r["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["outcome"] == "credited")
    );
    let again = shop.redeem().await;
    assert_eq!(
        (
            again["letters"].as_u64(),
            again["credited"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    assert_eq!(bank.balance(shop.seller()).await, 11);
    assert_eq!(bank.balance(buyer.id()).await, 79);
    assert_eq!(shop.totals().await, (0, 11));
    let t = bank.check_books().await;
    assert_eq!(
        t.open_token_value.get("USD").copied().unwrap_or(0),
        10,
        "{t:?}"
    );
    let s = shop.summary().await;
    // 1c, 2c, 2c + 1c and 5c: five halves spent.
    assert_eq!(
        (&s["purses"][0]["unspent_minor"], &s["purses"][0]["spent"]),
        (&json!(10), &json!(5))
    );
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_halves_and_bad_payments_are_refused_and_consume_nothing(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let bank = Bank::start(suite).await;
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(&bank, &dir).await;
    let mut buyer = Buyer::new(&bank, 2).await;
    bank.fund(buyer.id(), 100).await;
    let purse = buyer.buy_purse(&shop, PURSE, vec![], suite).await;

    // A good payment of 3 cents.
    let (request, _) = shop.offer("article-3").await;
    let paid = buyer.keeper.pay(&request, now()).await.unwrap().payment;
    let (status, reply) = shop
        .post("/shop/v1/payments", &json!({ "payment": paid.to_text() }))
        .await;
    assert_eq!(status, 200, "{reply}");
    buyer
        .keeper
        .settle(
            &Receipt::from_text(reply["receipt"].as_str().unwrap()).unwrap(),
            now(),
        )
        .await
        .unwrap();
    let counts = shop.app.store.row_counts().await.unwrap();
    let totals = shop.totals().await;
    assert_eq!(totals, (3, 0));

    // The same halves in a new payment for a new offer: a double spend.
    let (again, _) = shop.offer("article-3").await;
    let replay = Payment {
        payment: again.payment,
        ..paid.clone()
    };
    let (status, err) = shop
        .post("/shop/v1/payments", &json!({ "payment": replay.to_text() }))
        .await;
    assert_eq!((status, code(&err)), (409, "double_spend"), "{err}");

    // Halves the buyer holds, for forgeries.
    let (offer, _) = shop.offer("article-4").await;
    let good = buyer.keeper.pay(&offer, now()).await.unwrap().payment;
    let mut forged = good.clone();
    let last = forged.halves.len() - 1;
    let mut bytes = forged.halves[last].share.as_bytes().to_vec();
    bytes[0] ^= 1;
    forged.halves[last].share = Share::from_bytes(bytes);
    let mut unknown = good.clone();
    unknown.halves.push(TokenShare {
        session: SessionSerial(9_999),
        share: good.halves[0].share.clone(),
    });
    let mut twice = good.clone();
    twice.halves.push(good.halves[0].clone());
    let mut other_purse = good.clone();
    other_purse.purse = halfpenny::PurseId([9; 16]);
    let unoffered = Payment {
        payment: Nonce([3; 16]),
        ..good.clone()
    };
    let text = good.to_text();
    let cases: Vec<(String, u16, &str)> = vec![
        ("hello".into(), 400, "wrong_prefix"),
        ("hpp1.!!!".into(), 400, "bad_base64"),
        (text[..text.len() - 8].to_owned(), 400, "truncated"),
        (format!("{text}AAAA"), 400, "trailing_bytes"),
        (offer.to_text(), 400, "wrong_prefix"),
        (forged.to_text(), 400, "bad_half"),
        (unknown.to_text(), 400, "unknown_half"),
        (twice.to_text(), 400, "duplicate_half"),
        (other_purse.to_text(), 400, "wrong_purse"),
        (unoffered.to_text(), 404, "unknown_offer"),
    ];
    for (text, want_status, want_code) in &cases {
        let (status, err) = shop
            .post("/shop/v1/payments", &json!({ "payment": text }))
            .await;
        assert_eq!((status, code(&err)), (*want_status, *want_code), "{err}");
        assert!(err["error"]["message"].as_str().unwrap().ends_with('.'));
    }
    let (status, err) = shop
        .post("/shop/v1/payments", &json!({ "nothing": 1 }))
        .await;
    assert_eq!((status, code(&err)), (400, "bad_json"));

    // Nothing was consumed: same rows, same totals, and each refusal is on record.
    assert_eq!(shop.app.store.row_counts().await.unwrap(), counts);
    assert_eq!(shop.totals().await, totals);
    let s = shop.summary().await;
    let refused: Vec<&str> = s["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(refused.len(), 1 + cases.len());
    assert_eq!(refused.last(), Some(&"double_spend"));
    assert_eq!(s["refused"][0]["code"], "unknown_offer");
    assert_eq!(s["purses"][0]["unspent_minor"], 18);

    // The good halves, untouched by the forgeries, still pay.
    let (status, reply) = shop
        .post("/shop/v1/payments", &json!({ "payment": text }))
        .await;
    assert_eq!(status, 200, "{reply}");
    buyer
        .keeper
        .settle(
            &Receipt::from_text(reply["receipt"].as_str().unwrap()).unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(buyer.holds().await, (13, 0));
    shop.redeem().await;
    assert_eq!(bank.balance(shop.seller()).await, 8);
    assert_eq!(shop.totals().await, (0, 8));
    bank.check_books().await;

    // An offer answered too late is refused, and its halves are hers again.
    let (late, _) = shop.offer("article-1").await;
    let p = buyer.keeper.pay(&late, now()).await.unwrap().payment;
    shop.app.clock.advance(601);
    let (status, err) = shop
        .post("/shop/v1/payments", &json!({ "payment": p.to_text() }))
        .await;
    assert_eq!((status, code(&err)), (410, "request_expired"), "{err}");
    buyer
        .keeper
        .release(purse, late.payment, now())
        .await
        .unwrap();
    assert_eq!(buyer.holds().await, (13, 0));
    assert_eq!(shop.summary().await["purses"][0]["unspent_minor"], 13);
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_are_taken_with_the_bank_down_and_redeemed_once_it_is_back(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let mut bank = Bank::start(suite).await;
    let dir = tempfile::tempdir().unwrap();
    let mut shop = Shop::start(&bank, &dir).await;
    let mut buyer = Buyer::new(&bank, 3).await;
    bank.fund(buyer.id(), 100).await;
    buyer.buy_purse(&shop, PURSE, vec![], suite).await;

    bank.stop().await;
    buyer.buy(&shop, "article-1").await;
    buyer.buy(&shop, "article-4").await;
    assert_eq!(buyer.holds().await, (15, 0));

    // A registered shop starts again with the bank down, off-line, and takes payments.
    shop.stop().await;
    let mut shop = Shop::start(&bank, &dir).await;
    buyer.buy(&shop, "article-2").await;
    assert_eq!(shop.totals().await, (8, 0));

    // Redemption cannot happen yet, and changes nothing.
    let (status, err) = shop.operator_post("/shop/v1/operator/redeem").await;
    assert_eq!((status, code(&err)), (503, "bank_unreachable"), "{err}");
    assert_eq!(shop.totals().await, (8, 0));

    // The bank is back, and read the letter, but its answer was lost: the
    // shop sends the same letter again and is told the first answer.
    bank.restart().await;
    let pending = shop.app.store.pending_batch().await.unwrap().unwrap();
    let (status, first) = bank
        .post("/v1/redemptions", &json!({ "letter": pending.letter }))
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(bank.balance(shop.seller()).await, 8);
    let r = shop.redeem().await;
    assert_eq!(r["credited"], json!([{ "currency": "USD", "minor": 8 }]));
    assert_eq!(r["tokens"], 3);
    shop.redeem().await;
    assert_eq!(bank.balance(shop.seller()).await, 8);
    assert_eq!(bank.balance(buyer.id()).await, 79);
    assert_eq!(shop.totals().await, (0, 8));

    // Down again, and back only after the letter is too old to read: the
    // same tokens go in a new letter, credited once.
    buyer.buy(&shop, "article-3").await;
    bank.stop().await;
    assert_eq!(shop.operator_post("/shop/v1/operator/redeem").await.0, 503);
    bank.restart().await;
    bank.app.clock.advance(660);
    shop.app.clock.advance(660);
    let r = shop.redeem().await;
    assert_eq!(r["credited"], json!([{ "currency": "USD", "minor": 3 }]));
    assert_eq!(bank.balance(shop.seller()).await, 11);
    assert_eq!(shop.totals().await, (0, 11));
    let s = shop.summary().await;
    let letters = s["redemptions"].as_array().unwrap();
    assert_eq!(letters.len(), 2, "{letters:?}");
    assert!(
        letters
            .iter()
            .all(|l| !l["answered_at"].is_null() && l["refused"].is_null())
    );
    assert_eq!(
        letters[1]["credited"],
        json!([{ "currency": "USD", "minor": 8 }])
    );
    assert_eq!(
        letters[0]["credited"],
        json!([{ "currency": "USD", "minor": 3 }])
    );
    let t = bank.check_books().await;
    assert_eq!(t.open_token_value.get("USD").copied().unwrap_or(0), 21 - 11);
    shop.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_spend_names_exactly_the_spent_halves_and_takes_nothing() {
    let bank = Bank::start(Suite::Ed25519).await;
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(&bank, &dir).await;
    let mut buyer = Buyer::new(&bank, 8).await;
    bank.fund(buyer.id(), 100).await;
    buyer.buy_purse(&shop, PURSE, vec![], Suite::Ed25519).await;

    // 3 cents in at least two halves (no coin is worth 3), taken.
    let (first, _) = shop.offer("article-3").await;
    let paid = buyer.keeper.pay(&first, now()).await.unwrap().payment;
    assert!(paid.halves.len() >= 2, "{:?}", paid.halves.len());
    let (status, reply) = shop
        .post("/shop/v1/payments", &json!({ "payment": paid.to_text() }))
        .await;
    assert_eq!(status, 200, "{reply}");
    let receipt = Receipt::from_text(reply["receipt"].as_str().unwrap()).unwrap();
    buyer.keeper.settle(&receipt, now()).await.unwrap();
    assert_eq!(shop.totals().await, (3, 0));

    // A fresh 1-cent half of hers, in a payment not sent yet.
    let (single, _) = shop.offer("article-1").await;
    let fresh = buyer.keeper.pay(&single, now()).await.unwrap().payment;
    assert_eq!(fresh.halves.len(), 1);
    assert!(
        !paid
            .halves
            .iter()
            .any(|i| i.session == fresh.halves[0].session)
    );

    // Two of the spent halves, last first, and the fresh one: refused,
    // naming exactly the two, in order.
    let (reuse, _) = shop.offer("article-4").await;
    let mixed = Payment {
        payment: reuse.payment,
        purse: paid.purse,
        halves: vec![
            paid.halves[1].clone(),
            fresh.halves[0].clone(),
            paid.halves[0].clone(),
        ],
    };
    let counts = shop.app.store.row_counts().await.unwrap();
    let (status, body) = shop
        .post_text("/shop/v1/payments", &json!({ "payment": mixed.to_text() }))
        .await;
    assert_eq!(status, 409, "{body}");
    let refused: shop_server::views::DoubleSpendView = serde_json::from_str(&body).unwrap();
    let mut want = vec![paid.halves[0].session.0, paid.halves[1].session.0];
    want.sort_unstable();
    assert_eq!(refused.error.code, "double_spend");
    assert_eq!(
        refused.error.message,
        format!("Halves #{} and #{} were already spent.", want[0], want[1])
    );
    assert_eq!(refused.halves.spent, want);
    let whole: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(whole["spent"], json!(want), "{body}");

    // Nothing taken: same rows, same takings, the refusal on record.
    assert_eq!(shop.app.store.row_counts().await.unwrap(), counts);
    assert_eq!(shop.totals().await, (3, 0));
    assert_eq!(shop.summary().await["refused"][0]["code"], "double_spend");

    // The fresh half is still good for a payment of its own.
    let (status, reply) = shop
        .post("/shop/v1/payments", &json!({ "payment": fresh.to_text() }))
        .await;
    assert_eq!(status, 200, "{reply}");
    let receipt = Receipt::from_text(reply["receipt"].as_str().unwrap()).unwrap();
    assert_eq!(receipt.sessions, vec![fresh.halves[0].session]);
    buyer.keeper.settle(&receipt, now()).await.unwrap();
    assert_eq!(shop.totals().await, (4, 0));
    assert_eq!(buyer.holds().await, (21 - 4, 0));
    shop.redeem().await;
    assert_eq!(bank.balance(shop.seller()).await, 4);
    assert_eq!(shop.totals().await, (0, 4));
    bank.check_books().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_payments_take_each_half_once() {
    let bank = Bank::start(Suite::Ed25519).await;
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(&bank, &dir).await;
    let mut buyer = Buyer::new(&bank, 7).await;
    bank.fund(buyer.id(), 100).await;
    buyer.buy_purse(&shop, PURSE, vec![], Suite::Ed25519).await;

    let send_all = |bodies: Vec<serde_json::Value>| {
        let (http, url) = (shop.http.clone(), shop.url.clone());
        async move {
            let mut set = tokio::task::JoinSet::new();
            for body in bodies {
                let (http, url) = (http.clone(), url.clone());
                set.spawn(async move {
                    answer_text(http.post(format!("{url}/shop/v1/payments")).json(&body)).await
                });
            }
            set.join_all().await
        }
    };

    // The same payment eight times at once: one payment, eight equal answers.
    let (request, _) = shop.offer("article-4").await;
    let p = buyer.keeper.pay(&request, now()).await.unwrap().payment;
    let answers = send_all(vec![json!({ "payment": p.to_text() }); 8]).await;
    assert!(
        answers.iter().all(|a| a == &answers[0] && a.0 == 200),
        "{answers:?}"
    );

    // The same halves under eight payment requests at once: one is taken,
    // the others are double spends.
    let (first, _) = shop.offer("article-4").await;
    let halves = buyer.keeper.pay(&first, now()).await.unwrap().payment;
    let mut bodies = vec![json!({ "payment": halves.to_text() })];
    for _ in 0..7 {
        let (other, _) = shop.offer("article-4").await;
        let copy = Payment {
            payment: other.payment,
            ..halves.clone()
        };
        bodies.push(json!({ "payment": copy.to_text() }));
    }
    let answers = send_all(bodies).await;
    let taken = answers.iter().filter(|a| a.0 == 200).count();
    let spent = answers
        .iter()
        .filter(|a| a.0 == 409 && a.1.contains("\"double_spend\""))
        .count();
    assert_eq!((taken, spent), (1, 7), "{answers:?}");
    assert_eq!(shop.totals().await, (10, 0));
    shop.redeem().await;
    assert_eq!(bank.balance(shop.seller()).await, 10);
    bank.check_books().await;
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_asks_the_shop_which_hands_back_the_purse(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let bank = Bank::start(suite).await;
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(&bank, &dir).await;
    let mut buyer = Buyer::new(&bank, 4).await;
    bank.fund(buyer.id(), 100).await;
    let purse = buyer.buy_purse(&shop, PURSE, vec![], suite).await;

    // 3 cents redeemed before the refund, 3 more taken and not yet redeemed.
    buyer.buy(&shop, "article-1").await;
    buyer.buy(&shop, "article-2").await;
    shop.redeem().await;
    buyer.buy(&shop, "article-3").await;
    assert_eq!(shop.totals().await, (3, 3));
    assert_eq!(buyer.holds().await, (15, 0));

    // She asks the bank; the bank asks the shop (a notice); the shop answers.
    let letter = buyer
        .keeper
        .request_refund(purse, now(), &mut buyer.rng)
        .await
        .unwrap();
    let (status, case) = bank
        .post("/v1/refunds", &json!({ "letter": letter.to_text() }))
        .await;
    assert_eq!(status, 200, "{case}");
    let case_id = case["case"].as_str().unwrap().to_owned();
    for _ in 0..100 {
        if buyer.case(&bank, &case_id).await["settled"] == "sellerreturn" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        buyer.case(&bank, &case_id).await["settled"],
        "sellerreturn",
        "the case settled by the seller's return"
    );

    // Her result waits in her inbox at the bank.
    let sealed = buyer
        .inbox(&bank)
        .await
        .iter()
        .find(|l| l["kind"] == "refund_result")
        .unwrap()["letter"]
        .as_str()
        .unwrap()
        .to_owned();
    let result = buyer
        .keeper
        .finish_refund(
            &halfpenny::crypto::seal::SealedBox::from_text(&sealed).unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            result.seller_credited.minor(),
            result.buyer_refunded.minor()
        ),
        (3, 15)
    );
    assert_eq!(buyer.holds().await, (0, 0));
    assert_eq!(bank.balance(buyer.id()).await, 100 - 21 + 15);
    assert_eq!(bank.balance(shop.seller()).await, 6);
    let t = bank.check_books().await;
    assert_eq!(
        t.open_token_value.get("USD").copied().unwrap_or(0),
        0,
        "{t:?}"
    );

    // The shop: purse handed back, every token accounted for, nothing left to redeem.
    let s = shop.summary().await;
    assert_eq!(
        (
            &s["purses"][0]["state"],
            &s["purses"][0]["unspent_minor"],
            &s["purses"][0]["halves_left"]
        ),
        (&json!("returned"), &json!(0), &json!(0))
    );
    assert_eq!(
        (
            &s["returns"][0]["state"],
            &s["returns"][0]["seller_credited"],
            &s["returns"][0]["buyer_refunded"]
        ),
        (
            &json!("answered"),
            &json!({ "currency": "USD", "minor": 3 }),
            &json!({ "currency": "USD", "minor": 15 })
        )
    );
    assert_eq!(shop.totals().await, (0, 6));
    let r = shop.redeem().await;
    assert_eq!(r["letters"], 0);
    assert_eq!(bank.balance(shop.seller()).await, 6);

    // Its refund result, read from the inbox, is recorded once.
    shop.app.errands_once().await;
    shop.app.errands_once().await;
    let s = shop.summary().await;
    assert_eq!(s["refund_results"].as_array().unwrap().len(), 1);
    assert_eq!(s["refund_results"][0]["settled_by"], "seller_return");
    assert_eq!(s["returns"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_request_missed_while_away_is_read_from_the_inbox() {
    let bank = Bank::start(Suite::Ed25519).await;
    let dir = tempfile::tempdir().unwrap();
    let mut options = ShopOptions::new(dir.path().join("shop"));
    // Notices go nowhere: the shop must find the letter itself.
    options.notice_address = Some("http://127.0.0.1:9/nobody".into());
    let shop = Shop::start_with(&bank, options).await;
    let mut buyer = Buyer::new(&bank, 5).await;
    bank.fund(buyer.id(), 50).await;
    let purse = buyer
        .buy_purse(&shop, &[(1, 4), (5, 1)], vec![], Suite::Ed25519)
        .await;
    buyer.buy(&shop, "article-4").await;

    let letter = buyer
        .keeper
        .request_refund(purse, now(), &mut buyer.rng)
        .await
        .unwrap();
    let (status, case) = bank
        .post("/v1/refunds", &json!({ "letter": letter.to_text() }))
        .await;
    assert_eq!(status, 200, "{case}");
    let case_id = case["case"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(buyer.case(&bank, &case_id).await["settled"], json!(null));
    assert_eq!(shop.summary().await["purses"][0]["state"], "open");

    shop.app.errands_once().await;
    assert_eq!(buyer.case(&bank, &case_id).await["settled"], "sellerreturn");
    assert_eq!(bank.balance(shop.seller()).await, 5);
    assert_eq!(bank.balance(buyer.id()).await, 50 - 9 + 4);
    assert_eq!(shop.totals().await, (0, 5));
    // Read again, the same letters change nothing.
    shop.app.errands_once().await;
    assert_eq!(bank.balance(shop.seller()).await, 5);
    assert_eq!(shop.summary().await["returns"].as_array().unwrap().len(), 1);
    bank.check_books().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wine_review_needs_proof_of_age() {
    let bank = Bank::start(Suite::Ed25519).await;
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(&bank, &dir).await;
    let mut buyer = Buyer::new(&bank, 6).await;
    bank.fund(buyer.id(), 100).await;
    let (status, reply) = bank
        .operator(
            "/v1/operator/attributes",
            &json!({ "account": buyer.id().to_hex(), "date_of_birth": "1990-04-01" }),
        )
        .await;
    assert_eq!(status, 204, "{reply}");
    let adult = AuthorizationOrder {
        assertion: Assertion::AgeAtLeast(18),
        count: 1,
    };
    buyer
        .buy_purse(&shop, &[(1, 4), (2, 2)], vec![adult], Suite::Ed25519)
        .await;

    let (request, offer) = shop.offer("wine-review").await;
    assert_eq!(
        (
            &offer["requires"],
            &offer["price_minor"],
            &offer["price_text"]
        ),
        (&json!("age>=18"), &json!(4), &json!("USD 0.04"))
    );
    assert_eq!(request.requires, Some(Assertion::AgeAtLeast(18)));
    assert_eq!(offer["seller"], shop.seller().to_hex());
    assert_eq!(offer["bank"], "demo-bank");

    // Money alone is not enough.
    let prepared = buyer.keeper.pay(&request, now()).await.unwrap();
    let mut money_only = prepared.payment.clone();
    money_only.halves.pop();
    let (status, err) = shop
        .post(
            "/shop/v1/payments",
            &json!({ "payment": money_only.to_text() }),
        )
        .await;
    assert_eq!(
        (status, code(&err)),
        (402, "authorization_required"),
        "{err}"
    );

    let (status, reply) = shop
        .post(
            "/shop/v1/payments",
            &json!({ "payment": prepared.payment.to_text() }),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let receipt = Receipt::from_text(reply["receipt"].as_str().unwrap()).unwrap();
    assert_eq!(receipt.authorized, Some(Assertion::AgeAtLeast(18)));
    buyer.keeper.settle(&receipt, now()).await.unwrap();
    let (status, article) = shop.article("wine-review", reply["access"].as_str()).await;
    assert_eq!((status, &article["item"]), (200, &json!("wine-review")));
    // The authorization token is kept, but only money is redeemed.
    let r = shop.redeem().await;
    assert_eq!(r["credited"], json!([{ "currency": "USD", "minor": 4 }]));
    assert_eq!(bank.balance(shop.seller()).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_edges_of_the_api() {
    let bank = Bank::start(Suite::Ed25519).await;
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let widget = dir.path().join("widget");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::create_dir_all(&widget).unwrap();
    std::fs::write(site.join("index.html"), "<h1>The Daily Halfpenny</h1>").unwrap();
    std::fs::write(widget.join("pay.js"), "export {};").unwrap();
    let mut options = ShopOptions::new(dir.path().join("shop"));
    options.pages = shop_server::api::Pages {
        site: Some(site),
        widget: Some(widget),
    };
    let shop = Shop::start_with(&bank, options).await;

    // Pages and the pay button are served beside the API.
    let (status, page) = shop.get_text("/").await;
    assert_eq!(
        (status, page.as_str()),
        (200, "<h1>The Daily Halfpenny</h1>")
    );
    let (status, js) = shop.get_text("/widget/pay.js").await;
    assert_eq!((status, js.as_str()), (200, "export {};"));
    assert_eq!(shop.get_text("/missing.html").await.0, 404);

    // The price is the catalog's, whatever the client says.
    let (status, offer) = shop
        .post(
            "/shop/v1/offers",
            &json!({ "item": "article-1", "price_minor": 0 }),
        )
        .await;
    assert_eq!((status, &offer["price_minor"]), (200, &json!(1)));
    assert_eq!(offer["requires"], json!(null));
    assert_eq!(offer["wallet_url"], format!("{}/wallet/", bank.url));
    let (status, err) = shop
        .post("/shop/v1/offers", &json!({ "item": "article-99" }))
        .await;
    assert_eq!((status, code(&err)), (404, "unknown_item"));

    // Bodies: not JSON, too large.
    let (status, err) = answer(
        shop.http
            .post(format!("{}/shop/v1/offers", shop.url))
            .header("content-type", "application/json")
            .body("{"),
    )
    .await;
    assert_eq!((status, code(&err)), (400, "bad_json"));
    let (status, err) = shop
        .post(
            "/shop/v1/payments",
            &json!({ "payment": "x".repeat(2 * 1024 * 1024) }),
        )
        .await;
    assert_eq!((status, code(&err)), (413, "body_too_large"));

    // Purse requests: garbage, or for another bank.
    let (status, err) = shop
        .post("/shop/v1/purses", &json!({ "request": "hpq1.AQ" }))
        .await;
    assert_eq!((status, code(&err)), (400, "truncated"), "{err}");

    // Payment status: a name that is not a nonce.
    let (status, err) = shop.get("/shop/v1/payments/xyz").await;
    assert_eq!((status, code(&err)), (400, "bad_payment_id"));
    let (status, err) = shop.get("/shop/v1/nowhere").await;
    assert_eq!((status, code(&err)), (404, "not_found"));
    let (status, err) = shop.get("/shop/v1/offers").await;
    assert_eq!((status, code(&err)), (405, "method_not_allowed"));

    // Notices: anything the bank did not seal for this seller is refused.
    let (status, err) = shop
        .post(
            "/shop/v1/bank-notices",
            &json!({ "kind": "return_request", "letter": "hps1.AQ" }),
        )
        .await;
    assert_eq!((status, code(&err)), (400, "truncated"), "{err}");
    let (status, err) = shop
        .post(
            "/shop/v1/bank-notices",
            &json!({ "kind": "gossip", "letter": offer["request"] }),
        )
        .await;
    assert_eq!((status, code(&err)), (400, "unknown_notice"), "{err}");

    // The operator's token, compared in constant time.
    let (status, err) = answer(
        shop.http
            .get(format!("{}/shop/v1/operator/summary", shop.url))
            .bearer_auth("guess"),
    )
    .await;
    assert_eq!((status, code(&err)), (401, "operator_unauthorized"));
    let (status, _) = shop.get("/shop/v1/operator/summary").await;
    assert_eq!(status, 401);

    // Keys on disk: the folder and every file readable by the owner only.
    use std::os::unix::fs::PermissionsExt as _;
    let keys = shop.data.join("keys");
    assert_eq!(
        std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for f in std::fs::read_dir(&keys).unwrap() {
        let f = f.unwrap().path();
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            f.display()
        );
    }

    // No operator token: the operator endpoints are off.
    let mut options = ShopOptions::new(dir.path().join("shop2"));
    options.operator_token = None;
    let closed = Shop::start_with(&bank, options).await;
    let (status, err) = closed.get("/shop/v1/operator/summary").await;
    assert_eq!((status, code(&err)), (403, "operator_disabled"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_that_moved_tells_the_bank_its_new_address_by_a_signed_letter() {
    let bank = Bank::start(Suite::Ed25519).await;
    let dir = tempfile::tempdir().unwrap();
    let address_at_bank = async |shop: &Shop| {
        bank.app
            .store
            .account(&shop.seller())
            .await
            .unwrap()
            .unwrap()
            .address
    };
    let mut options = ShopOptions::new(dir.path().join("shop"));
    options.notice_address = Some("http://127.0.0.1:9/first".into());
    let mut shop = Shop::start_with(&bank, options).await;
    assert_eq!(
        address_at_bank(&shop).await.as_deref(),
        Some("http://127.0.0.1:9/first")
    );
    shop.stop().await;

    // Started again at another address: the bank now posts there.
    let mut options = ShopOptions::new(dir.path().join("shop"));
    options.notice_address = Some("http://127.0.0.1:9/second".into());
    let mut shop = Shop::start_with(&bank, options).await;
    assert_eq!(
        address_at_bank(&shop).await.as_deref(),
        Some("http://127.0.0.1:9/second")
    );
    shop.stop().await;

    // Started again at the same address: nothing to tell.
    let before = bank.app.store.row_counts().await.unwrap();
    let mut options = ShopOptions::new(dir.path().join("shop"));
    options.notice_address = Some("http://127.0.0.1:9/second".into());
    let mut shop = Shop::start_with(&bank, options).await;
    assert_eq!(bank.app.store.row_counts().await.unwrap(), before);
    shop.stop().await;
}

/// A payment the till is still judging is never reported as unknown: the
/// pay protocol tells the wallet that "unknown" means the till never took
/// it, so she would release halves the seller then keeps. And "unknown" is
/// for good: a payment that arrives after it is refused, never taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_being_judged_is_never_reported_unknown() {
    const HALVES: u64 = 1_500;
    let bank = Bank::start(Suite::Rsa2048Sha256).await;
    let dir = tempfile::tempdir().unwrap();
    let mut options = ShopOptions::new(dir.path().join("shop"));
    let catalog = json!({ "items": [{ "id": "atlas", "title": "The atlas", "price_minor": HALVES, "currency": "USD", "body": "Every map." }] });
    options.catalog = Some(shop_server::catalog::Catalog::from_json(&catalog.to_string()).unwrap());
    let shop = Shop::start_with(&bank, options).await;
    let mut buyer = Buyer::new(&bank, 12).await;
    bank.fund(buyer.id(), 2_000).await;
    buyer
        .buy_purse(&shop, &[(1, HALVES as u32)], vec![], Suite::Rsa2048Sha256)
        .await;

    let (request, _) = shop.offer("atlas").await;
    let prepared = buyer.keeper.pay(&request, now()).await.unwrap();
    assert_eq!(prepared.payment.halves.len() as u64, HALVES);
    let status_url = format!("{}/shop/v1/payments/{}", shop.url, request.payment.to_hex());

    // How long the shop takes to read and decode a body this large: the
    // same payment with its last character garbled, refused once decoded.
    let mut garbled = prepared.payment.to_text();
    garbled.pop();
    garbled.push('!');
    let probe = std::time::Instant::now();
    let (status, err) = shop
        .post("/shop/v1/payments", &json!({ "payment": garbled }))
        .await;
    assert_eq!(status, 400, "{err}");
    // Polls sent this long after the payment find the till judging it: it
    // has read and decoded the payment by then.
    let grace = probe.elapsed() * 2 + std::time::Duration::from_millis(5);
    let body = json!({ "payment": prepared.payment.to_text() });
    let started = std::time::Instant::now();
    let post = {
        let (http, url) = (shop.http.clone(), shop.url.clone());
        tokio::spawn(async move {
            let answer =
                answer_text(http.post(format!("{url}/shop/v1/payments")).json(&body)).await;
            (answer, started.elapsed())
        })
    };
    // Poll the payment's status while the till judges it, and once after.
    tokio::time::sleep(grace).await;
    let (mut polls, mut asked) = (Vec::new(), Vec::new());
    loop {
        let done = post.is_finished();
        let sent = started.elapsed();
        let (status, text) = answer_text(shop.http.get(&status_url)).await;
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        asked.push((sent, started.elapsed()));
        polls.push((sent, status, code(&v).to_owned(), text));
        if done {
            break;
        }
        // A breath between polls, so that polling does not starve the payment.
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let ((status, posted), took) = post.await.unwrap();
    let summary: Vec<_> = polls
        .iter()
        .map(|(sent, status, code, _)| (sent.as_millis(), *status, code.clone()))
        .collect();
    let told_unknown = polls
        .iter()
        .filter(|(_, status, ..)| *status == 404)
        .count();
    // Whatever the timing, the answers agree with what happened: taken and
    // never called unknown, or called unknown and then refused.
    if status == 200 {
        assert_eq!(
            told_unknown, 0,
            "taken after being called unknown: {summary:?}"
        );
    } else {
        assert_eq!(status, 404, "{posted}");
        assert!(posted.contains("unknown_offer"), "{posted}");
        assert!(told_unknown > 0, "refused with no reason: {summary:?}");
    }
    let during = asked
        .iter()
        .filter(|(sent, answered)| *sent < took && *answered > grace)
        .count();
    for (_, status, code, text) in &polls {
        match (status, code.as_str()) {
            (404, "payment_unknown") => {}
            (200, _) => assert_eq!(text, &posted, "the status is the payment's answer"),
            (409, "payment_in_progress") => {}
            other => panic!("unexpected poll answer {other:?}: {summary:?}"),
        }
    }
    println!(
        "{} polls, {during} while the till judged (from {grace:?} to {took:?}); {told_unknown} told unknown; the payment answered {status}",
        polls.len()
    );
    if status != 200 {
        // Refused: nothing was taken, and her halves are hers again.
        buyer
            .keeper
            .release(prepared.payment.purse, request.payment, now())
            .await
            .unwrap();
        assert_eq!(buyer.holds().await, (HALVES, 0));
        assert_eq!(shop.totals().await, (0, 0));
        return;
    }

    // Taken exactly once, with exact takings everywhere.
    let reply: serde_json::Value = serde_json::from_str(&posted).unwrap();
    let receipt = Receipt::from_text(reply["receipt"].as_str().unwrap()).unwrap();
    assert_eq!(receipt.paid.minor(), HALVES);
    buyer.keeper.settle(&receipt, now()).await.unwrap();
    assert_eq!(buyer.holds().await, (0, 0));
    assert_eq!(shop.totals().await, (HALVES, 0));
    shop.redeem().await;
    assert_eq!(shop.totals().await, (0, HALVES));
    assert_eq!(bank.balance(shop.seller()).await, HALVES as i64);
    assert_eq!(bank.balance(buyer.id()).await, 2_000 - HALVES as i64);
    let t = bank.check_books().await;
    assert_eq!(t.open_token_value.get("USD").copied().unwrap_or(0), 0);
}

/// "Never taken" is an answer for good: the wallet, told so, gives her
/// halves back, so the same payment arriving late (it was slow on the
/// network) must be refused, not taken.
#[tokio::test]
async fn a_payment_called_unknown_is_never_taken_later() {
    let bank = Bank::start(Suite::Ed25519).await;
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(&bank, &dir).await;
    let mut buyer = Buyer::new(&bank, 13).await;
    bank.fund(buyer.id(), 100).await;
    buyer
        .buy_purse(&shop, &[(1, 10)], vec![], Suite::Ed25519)
        .await;
    let (request, _) = shop.offer("article-1").await;
    let prepared = buyer.keeper.pay(&request, now()).await.unwrap();
    let status_url = format!("{}/shop/v1/payments/{}", shop.url, request.payment.to_hex());
    let (status, before) = answer(shop.http.get(&status_url)).await;
    assert_eq!((status, code(&before)), (404, "payment_unknown"));
    buyer
        .keeper
        .release(prepared.payment.purse, request.payment, now())
        .await
        .unwrap();

    let (status, late) = shop
        .post(
            "/shop/v1/payments",
            &json!({ "payment": prepared.payment.to_text() }),
        )
        .await;
    assert_eq!((status, code(&late)), (404, "unknown_offer"), "{late}");
    let (status, after) = answer(shop.http.get(&status_url)).await;
    assert_eq!((status, code(&after)), (404, "payment_unknown"));
    assert_eq!(shop.totals().await, (0, 0), "nothing taken");
    assert_eq!(buyer.holds().await, (10, 0), "all hers");
    // She pays for the item again, on a new offer: taken once.
    let (request, _) = shop.offer("article-1").await;
    let prepared = buyer.keeper.pay(&request, now()).await.unwrap();
    let (status, paid) = shop
        .post(
            "/shop/v1/payments",
            &json!({ "payment": prepared.payment.to_text() }),
        )
        .await;
    assert_eq!(status, 200, "{paid}");
    let price = prepared.paying.minor();
    assert_eq!(shop.totals().await, (price, 0));
}

/// A purse refunded in two parts through the shop: the shop answers the
/// second return request for a purse it already handed back, the bank
/// refunds the rest, and every cent is where it belongs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purse_refunded_in_two_parts_through_the_shop() {
    let bank = Bank::start(Suite::Ed25519).await;
    let dir = tempfile::tempdir().unwrap();
    let shop = Shop::start(&bank, &dir).await;
    let mut buyer = Buyer::new(&bank, 14).await;
    bank.fund(buyer.id(), 100).await;
    let purse = buyer.buy_purse(&shop, PURSE, vec![], Suite::Ed25519).await;
    buyer.buy(&shop, "article-1").await;
    buyer.buy(&shop, "article-2").await;
    assert_eq!(shop.totals().await, (3, 0));

    // Her halves, asked for in two letters of her own (her wallet asks for
    // all at once; another client may not).
    use halfpenny_store::WalletStore as _;
    let bp = buyer.keeper.store().purse(purse).await.unwrap().unwrap();
    let available: Vec<halfpenny::split::TokenShare> =
        bp.shares(|h| *h == halfpenny::wallet::HalfState::Available);
    let value = |items: &[halfpenny::split::TokenShare]| -> u64 {
        items
            .iter()
            .map(|i| bp.halves[&i.session].kind.value().map_or(0, |a| a.minor()))
            .sum()
    };
    assert_eq!(value(&available), 18);
    let (first, rest) = available.split_at(3);
    let identity = halfpenny::testing::buyer_identity();
    assert_eq!(identity.id(), buyer.id());
    let bank_identity = bank.app.bank.public().identity;
    let mut expected_buyer = 79;
    for (round, items) in [first, rest].into_iter().enumerate() {
        let (letter, _) = halfpenny::letter::send(
            halfpenny::letter::LetterKind::Refund,
            &halfpenny::messages::RefundRequest {
                purse,
                halves: items.to_vec(),
            },
            identity.signing.as_ref(),
            &bank_identity,
            now(),
            &mut buyer.rng,
        )
        .unwrap();
        let (status, case) = bank
            .post("/v1/refunds", &json!({ "letter": letter.to_text() }))
            .await;
        assert_eq!(status, 200, "round {round}: {case}");
        let case_id = halfpenny::CaseId::from_hex(case["case"].as_str().unwrap()).unwrap();
        eventually("the case settled by the shop's return", || async {
            let case = bank.app.store.case(&case_id).await.unwrap().unwrap();
            case.settled == Some(halfpenny::messages::SettledBy::SellerReturn)
        })
        .await;
        expected_buyer += value(items) as i64;
        assert_eq!(
            bank.balance(buyer.id()).await,
            expected_buyer,
            "round {round}"
        );
        assert_eq!(bank.balance(shop.seller()).await, 3, "round {round}");
    }
    assert_eq!(expected_buyer, 100 - 3, "every unspent cent came home");
    let t = bank.check_books().await;
    assert_eq!(t.outstanding.get("USD").copied().unwrap_or(0), 0, "{t:?}");
    let s = shop.summary().await;
    assert_eq!(s["returns"].as_array().unwrap().len(), 2, "{s}");
    assert_eq!(shop.totals().await, (0, 3));
    // Nothing is redeemed twice.
    let r = shop.redeem().await;
    assert_eq!(r["letters"], 0);
    assert_eq!(bank.balance(shop.seller()).await, 3);
}
