//! The retention rule end to end, over real HTTP (SQLite, or PostgreSQL when
//! HALFPENNY_TEST_POSTGRES is set), with the bank's clock moved forward: a
//! first answer serves late retries for 7 days, then goes, and the very same
//! letter is refused as expired and changes nothing; inbox letters stay as
//! long as their readers may need them; nothing that moves money is touched.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use halfpenny::letter::LetterKind;
use halfpenny::messages::{RedemptionRequest, RefundRequest};
use halfpenny::wire::TextForm;
use halfpenny::{Suite, testing};
use rstest::rstest;
use serde_json::{Value, json};

const DAY: u64 = 86_400;

fn pruned(answers: u64, results: u64, return_requests: u64) -> (u16, Value) {
    (
        200,
        json!({ "answers": answers, "results": results, "return_requests": return_requests }),
    )
}

async fn prune(s: &Server) -> (u16, Value) {
    s.operator("/v1/operator/prune", &json!({})).await
}

/// Row counts of every table but `requests` and `outbox`.
async fn money_rows(s: &Server) -> Vec<(String, i64)> {
    let mut rows = s.app.store.row_counts().await.unwrap();
    rows.retain(|(t, _)| t != "requests" && t != "outbox");
    rows
}

async fn rows_of(s: &Server, table: &str) -> i64 {
    s.app
        .store
        .row_counts()
        .await
        .unwrap()
        .into_iter()
        .find(|(t, _)| t == table)
        .unwrap()
        .1
}

fn kinds(letters: &[Value]) -> Vec<&str> {
    letters
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect()
}

/// A purse request and a redemption are answered; late retries get their
/// first answers for 7 days; then the redemption's answer is pruned and the
/// very same bytes are refused as `message_expired`, with every table and
/// balance as it was. The purse's answer stays 180 days (she may recover her
/// purse by it), then goes the same way. The operator's idempotency key is
/// never pruned.
#[rstest]
#[tokio::test]
async fn a_letter_answered_then_pruned_is_refused_as_expired_and_changes_nothing(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let s = Server::start(suite).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 1).await;
    let mut seller = Party::new(&s, testing::seller_identity(), "seller", 2).await;
    assert_eq!(s.fund(&buyer.account, 1_000, "card-1").await, 1_000);

    let fwd = purse_request(&s, &mut buyer, &seller, &[(5, 4)], vec![]);
    let mint = json!({ "request": fwd.to_text() });
    let (status, first_purse) = s.post("/v1/purses", &mint).await;
    assert_eq!(status, 200, "{first_purse}");
    let (mut sp, mut bp) = open_purses(&s, &buyer, &seller, &first_purse);
    let tokens = pay(&s, &mut buyer, &mut seller, &mut sp, &mut bp, 5);
    let redemption = json!({
        "letter": seller.letter(&s, LetterKind::Redemption, &RedemptionRequest { tokens })
    });
    let (status, first_redemption) = s.post("/v1/redemptions", &redemption).await;
    assert_eq!(
        (status, &first_redemption["credited"]),
        (200, &json!([{ "currency": "USD", "minor": 5 }]))
    );
    assert_eq!(
        (s.balance(buyer.id()).await, s.balance(seller.id()).await),
        (980, 5)
    );
    assert_eq!(
        rows_of(&s, "requests").await,
        3,
        "card-1, the mint, the redemption"
    );

    // Past the freshness window: a retry of the same letter still gets its first answer.
    s.app.clock.advance(11 * 60);
    assert_eq!(
        s.post("/v1/purses", &mint).await,
        (200, first_purse.clone())
    );
    assert_eq!(
        s.post("/v1/redemptions", &redemption).await,
        (200, first_redemption.clone())
    );
    assert_eq!(prune(&s).await, pruned(0, 0, 0));

    // A minute short of 7 days: kept, and still the first answers.
    s.app.clock.advance(7 * DAY - 11 * 60 - 60);
    assert_eq!(prune(&s).await, pruned(0, 0, 0));
    assert_eq!(
        s.post("/v1/redemptions", &redemption).await,
        (200, first_redemption.clone())
    );

    // A minute past: the redemption's answer goes; the purse's stays.
    s.app.clock.advance(120);
    assert_eq!(prune(&s).await, pruned(1, 0, 0));
    assert_eq!(rows_of(&s, "requests").await, 2);
    assert_eq!(
        s.post("/v1/purses", &mint).await,
        (200, first_purse.clone())
    );

    // 180 days on, the purse's answer goes too.
    s.app.clock.advance(173 * DAY);
    assert_eq!(prune(&s).await, pruned(1, 0, 0));
    assert_eq!(rows_of(&s, "requests").await, 1);
    let rows = s.app.store.row_counts().await.unwrap();
    let totals = s.totals().await;

    // The very same bytes again: expired, and nothing moves.
    for (path, body) in [("/v1/purses", &mint), ("/v1/redemptions", &redemption)] {
        let (status, err) = s.post(path, body).await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (400, Some("message_expired")),
            "{path}: {err}"
        );
    }
    assert_eq!(s.app.store.row_counts().await.unwrap(), rows);
    assert_eq!(s.totals().await, totals);
    assert_eq!(
        (s.balance(buyer.id()).await, s.balance(seller.id()).await),
        (980, 5)
    );

    // The operator's key, a year on, still answers with its first balance.
    s.app.clock.advance(365 * DAY);
    assert_eq!(prune(&s).await, pruned(0, 0, 0));
    assert_eq!(s.fund(&buyer.account, 1_000, "card-1").await, 1_000);
    assert_eq!(s.balance(buyer.id()).await, 980, "funded once");
    assert_eq!(s.app.store.row_counts().await.unwrap(), rows);
}

/// A return request stays while its case is open, however old, and goes
/// once the case has settled and it is older than the return window plus
/// 7 days; the refund results stay 180 days after settlement, then go. The
/// case stays readable, and purses, tokens, cases and postings stay as they
/// were.
#[rstest]
#[tokio::test]
async fn inbox_letters_stay_until_no_reader_needs_them(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let s = Server::start(suite).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 3).await;
    let mut seller = Party::new(&s, testing::seller_identity(), "seller", 4).await;
    s.fund(&buyer.account, 1_000, "card-1").await;
    let (_, bp) = buy_purse(&s, &mut buyer, &seller, &[(5, 2)], vec![])
        .await
        .unwrap();
    let letter = buyer.letter(
        &s,
        LetterKind::Refund,
        &RefundRequest {
            purse: bp.id,
            halves: bp.shares(|_| true),
        },
    );
    let (status, case) = s.post("/v1/refunds", &json!({ "letter": letter })).await;
    assert_eq!(status, 200, "{case}");
    let case = case["case"].as_str().unwrap().to_owned();
    assert_eq!(kinds(&seller.letters(&s).await), ["return_request"]);

    // The seller is silent and the sweep has not run: past the return
    // window and 7 days more, the first answers go, but his request stays
    // while the case is open.
    s.app.clock.advance(72 * 3600 + 7 * DAY + 60);
    assert_eq!(
        prune(&s).await,
        pruned(1, 0, 0),
        "the refund (the mint stays)"
    );
    assert_eq!(kinds(&seller.letters(&s).await), ["return_request"]);

    // Settled at last: now his request goes; both results stay.
    assert_eq!(
        s.operator("/v1/operator/sweep", &json!({})).await,
        (200, json!({ "settled": 1 }))
    );
    let money = money_rows(&s).await;
    let totals = s.totals().await;
    assert_eq!(prune(&s).await, pruned(0, 0, 1));
    assert_eq!(kinds(&seller.letters(&s).await), ["refund_result"]);
    assert_eq!(kinds(&buyer.letters(&s).await), ["refund_result"]);

    // A minute short of 180 days: her result is still there (the deadline
    // record, a week old, went long ago; so did the mint, older still).
    s.app.clock.advance(180 * DAY - 60);
    assert_eq!(prune(&s).await, pruned(2, 0, 0));
    assert_eq!(kinds(&buyer.letters(&s).await), ["refund_result"]);

    // A minute past: both results go; the case still says how it settled.
    s.app.clock.advance(120);
    assert_eq!(prune(&s).await, pruned(0, 2, 0));
    assert!(buyer.letters(&s).await.is_empty());
    assert!(seller.letters(&s).await.is_empty());
    let (status, view) = buyer.case(&s, &case).await;
    assert_eq!((status, view["settled"].as_str()), (200, Some("deadline")));
    assert_eq!(
        (rows_of(&s, "requests").await, rows_of(&s, "outbox").await),
        (1, 0),
        "only the operator's key"
    );
    assert_eq!(money_rows(&s).await, money);
    assert_eq!(s.totals().await, totals);
    assert_eq!(
        (s.balance(buyer.id()).await, s.balance(seller.id()).await),
        (1_000, 0),
        "every unspent cent came home, once"
    );
}
