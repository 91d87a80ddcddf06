//! A purse answer lost on its way back: the same request again gets the
//! first answer, and the buyer gets her purse (hers only) straight from the
//! bank with a letter only she can make; anyone else hears what a purse
//! that does not exist gets. Over real HTTP with a real database (SQLite,
//! or PostgreSQL when HALFPENNY_TEST_POSTGRES is set).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use halfpenny::crypto::PrivateIdentity;
use halfpenny::crypto::seal::{self, SealedBox};
use halfpenny::letter::{Letter, LetterKind};
use halfpenny::messages::{MintResponse, PurseRecoveryRequest, RefundRequest};
use halfpenny::wire::{Encode, TextForm, Writer};
use halfpenny::{KeyId, Nonce, Suite, Timestamp, testing};
use serde_json::{Value, json};

/// A letter sealed for the bank with every part chosen; `None` signs nothing.
fn letter(
    s: &Server,
    kind: LetterKind,
    sender: KeyId,
    signer: Option<&PrivateIdentity>,
    created_at: Timestamp,
    body: &impl Encode,
) -> String {
    let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(7);
    let bytes = Letter {
        kind,
        sender,
        recipient: s.bank.identity.id(),
        nonce: Nonce::random(&mut rng),
        created_at,
        body: body.to_bytes(),
    }
    .to_bytes();
    let signature = match signer {
        Some(who) => {
            // The core's signing label (crypto::labelled): label, a zero, the bytes.
            let mut signed = b"halfpenny letter v1".to_vec();
            signed.push(0);
            signed.extend_from_slice(&bytes);
            who.signing.sign(&signed).unwrap()
        }
        None => vec![],
    };
    let mut w = Writer::new();
    w.bytes32(&bytes);
    w.bytes16(&signature);
    seal::seal(
        s.bank.identity.id(),
        &s.bank.identity.sealing,
        &w.into_bytes(),
        &mut rng,
    )
    .unwrap()
    .to_text()
}

/// Posts a recovery letter; the status and the body's exact bytes.
async fn recover(s: &Server, letter: &str) -> (u16, Vec<u8>) {
    let r = s
        .http
        .post(format!("{}/v1/purses/recover", s.url))
        .json(&json!({ "letter": letter }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

impl Party {
    /// Her signed request for her purse of the purse request `request`.
    fn recovery(&mut self, s: &Server, request: Nonce) -> String {
        self.letter(
            s,
            LetterKind::PurseRecovery,
            &PurseRecoveryRequest { request },
        )
    }
}

/// A buyer (1,000 cents) and a seller; her purse request for 2 × 5c and
/// 3 × 1c forwarded to the bank and minted, but the answer never delivered:
/// (server, buyer, seller, the request's nonce, its text, the first answer).
async fn minted_and_lost() -> (Server, Party, Party, Nonce, String, Value) {
    let s = Server::start(Suite::Rsa2048Sha256).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 1).await;
    let seller = Party::new(&s, testing::seller_identity(), "seller", 2).await;
    s.fund(&buyer.account, 1_000, "f-buyer").await;
    let wallet = buyer.wallet(&s);
    let (fwd, nonce) = wallet
        .request_purse(
            &buyer.identity,
            &halfpenny::messages::PurseRequest {
                seller: seller.id(),
                currency: USD,
                money: halfpenny::messages::Denomination::list(&[(5, 2), (1, 3)]),
                authorizations: vec![],
                suite: None,
            },
            s.now(),
            &mut buyer.rng,
        )
        .unwrap();
    let text = fwd.to_text();
    let (status, first) = s.post("/v1/purses", &json!({ "request": text })).await;
    assert_eq!(status, 200, "{first}");
    // The answer is lost on its way back; the bank has debited her.
    assert_eq!(
        (s.balance(buyer.id()).await, s.balance(seller.id()).await),
        (1_000 - 13, 0)
    );
    (s, buyer, seller, nonce, text, first)
}

#[tokio::test]
async fn a_lost_purse_answer_comes_back_to_her_and_only_to_her() {
    let (s, mut buyer, seller, nonce, text, first) = minted_and_lost().await;

    // (a) The same bytes again: the very same first answer, nothing moved.
    let before = s.app.store.row_counts().await.unwrap();
    let again = s.post("/v1/purses", &json!({ "request": text })).await;
    assert_eq!(again, (200, first.clone()));
    assert_eq!(s.app.store.row_counts().await.unwrap(), before);
    assert_eq!(s.balance(buyer.id()).await, 1_000 - 13);

    // (b) She asks the bank for her purse: her sealed purse, exactly the
    // one in the first answer, and never the seller's.
    let minted = MintResponse::from_text(first["response"].as_str().unwrap()).unwrap();
    let ask = buyer.recovery(&s, nonce);
    let (status, body) = recover(&s, &ask).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let reply: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        reply,
        json!({ "purse": minted.buyer_purse.to_text() }),
        "her purse and nothing else"
    );
    let text_of = |v: &Value| v.to_string();
    assert!(
        !text_of(&reply).contains(&minted.seller_purse.to_text()),
        "the seller's purse never reaches her"
    );
    // She opens it with her key: worth exactly what she was debited.
    let sealed = SealedBox::from_text(reply["purse"].as_str().unwrap()).unwrap();
    let wallet = buyer.wallet(&s);
    let purse = wallet
        .receive_purse(&buyer.identity, &sealed, s.now())
        .unwrap();
    assert_eq!(purse.available().minor(), 13);
    assert_eq!(purse.seller, seller.id());
    // The seller's side of the same purse pairs with hers.
    let sp = seller
        .till(&s)
        .receive_purse(&seller.identity, &minted.seller_purse, s.now())
        .unwrap();
    assert_eq!(sp.id, purse.id);
    assert_eq!(token_suites(&sp, &purse).len(), 1);

    // Asked again (a new letter, or the same one): the same purse, which
    // opens to the same halves: a wallet keyed by purse adds it once.
    let ask2 = buyer.recovery(&s, nonce);
    assert_ne!(ask2, ask);
    let (status2, body2) = recover(&s, &ask2).await;
    assert_eq!((status2, &body2), (200, &body));
    assert_eq!(recover(&s, &ask).await, (200, body.clone()));
    let twice = wallet
        .receive_purse(&buyer.identity, &sealed, s.now())
        .unwrap();
    assert_eq!(twice, purse);

    // Recovery is read-only: nothing recorded, no money moved.
    assert_eq!(s.app.store.row_counts().await.unwrap(), before);
    assert_eq!(
        (s.balance(buyer.id()).await, s.balance(seller.id()).await),
        (1_000 - 13, 0)
    );
    let t = s.totals().await;
    assert_eq!(
        (t.outstanding["USD"], t.funded["USD"]),
        (13, 1_000),
        "{t:?}"
    );
}

#[tokio::test]
async fn anyone_but_her_hears_what_an_unknown_purse_gets() {
    let (s, mut buyer, mut seller, nonce, _, _) = minted_and_lost().await;
    let mut other = Party::new(&s, testing::other_identity(), "buyer", 3).await;
    s.fund(&other.account, 1_000, "f-other").await;
    let now = s.now();
    let body = PurseRecoveryRequest { request: nonce };

    // A purse request refused (her balance is too low): nothing stored.
    let refused = purse_request(&s, &mut other, &seller, &[(1_000, 2)], vec![]);
    let refused_nonce = {
        // The nonce is sealed for the bank: the test reads it there.
        let opened = s.app.bank.unseal(&refused.sealed).unwrap();
        opened.letter.nonce
    };
    let (status, reply) = s
        .post("/v1/purses", &json!({ "request": refused.to_text() }))
        .await;
    assert_eq!(status, 402, "{reply}");

    let unknown = recover(&s, &buyer.recovery(&s, Nonce([0x5a; 16]))).await;
    assert_eq!(unknown.0, 404);
    let expected: Value = serde_json::from_slice(&unknown.1).unwrap();
    assert_eq!(expected["error"]["code"], "purse_unknown", "{expected}");

    let before = s.app.store.row_counts().await.unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("another registered buyer", other.recovery(&s, nonce)),
        ("the purse's seller", seller.recovery(&s, nonce)),
        (
            "unsigned, in her name",
            letter(&s, LetterKind::PurseRecovery, buyer.id(), None, now, &body),
        ),
        (
            "forged: her name, another's signature",
            letter(
                &s,
                LetterKind::PurseRecovery,
                buyer.id(),
                Some(&other.identity),
                now,
                &body,
            ),
        ),
        (
            "stale: hers, 11 minutes old",
            letter(
                &s,
                LetterKind::PurseRecovery,
                buyer.id(),
                Some(&buyer.identity),
                now.minus(660),
                &body,
            ),
        ),
        (
            "from the future: hers, 10 minutes ahead",
            letter(
                &s,
                LetterKind::PurseRecovery,
                buyer.id(),
                Some(&buyer.identity),
                now.plus(600),
                &body,
            ),
        ),
        (
            "an unregistered sender",
            letter(
                &s,
                LetterKind::PurseRecovery,
                testing::bank_identity().id(),
                Some(&testing::bank_identity()),
                now,
                &body,
            ),
        ),
        (
            "another kind of letter (a refund request) of hers",
            letter(
                &s,
                LetterKind::Refund,
                buyer.id(),
                Some(&buyer.identity),
                now,
                &RefundRequest {
                    purse: halfpenny::PurseId([1; 16]),
                    halves: vec![],
                },
            ),
        ),
        (
            "a refused purse request of the other buyer, by him",
            other.recovery(&s, refused_nonce),
        ),
        (
            "an unknown nonce, again",
            buyer.recovery(&s, Nonce([1; 16])),
        ),
    ];
    for (what, l) in cases {
        assert_eq!(recover(&s, &l).await, unknown, "{what}");
    }
    assert_eq!(s.app.store.row_counts().await.unwrap(), before);

    // Her own letter still gets her purse.
    let (status, _) = recover(&s, &buyer.recovery(&s, nonce)).await;
    assert_eq!(status, 200);

    // A week on, past every other first answer's retention, she still gets
    // it, and her wallet opens it: it answers a request she signed just now.
    s.app.clock.advance(7 * 86_400 + 1);
    s.operator("/v1/operator/prune", &json!({})).await;
    let (status, body) = recover(&s, &buyer.recovery(&s, nonce)).await;
    assert_eq!(status, 200);
    let reply: Value = serde_json::from_slice(&body).unwrap();
    let sealed = SealedBox::from_text(reply["purse"].as_str().unwrap()).unwrap();
    let wallet = buyer.wallet(&s);
    assert!(
        wallet
            .receive_purse(&buyer.identity, &sealed, s.now())
            .is_err()
    );
    let purse = wallet
        .receive_recovered_purse(&buyer.identity, &sealed, s.now())
        .unwrap();
    assert_eq!(purse.available().minor(), 13);

    // Once the purse's answer is pruned (after 180 days), the same 404.
    s.app.clock.advance(173 * 86_400);
    s.operator("/v1/operator/prune", &json!({})).await;
    assert_eq!(recover(&s, &buyer.recovery(&s, nonce)).await, unknown);
}

#[tokio::test]
async fn a_purse_the_seller_never_got_is_refunded_in_full_after_the_deadline() {
    let (s, mut buyer, seller, nonce, _, _) = minted_and_lost().await;
    // The seller never gets his halves; she gets hers from the bank.
    let (status, body) = recover(&s, &buyer.recovery(&s, nonce)).await;
    assert_eq!(status, 200);
    let reply: Value = serde_json::from_slice(&body).unwrap();
    let sealed = SealedBox::from_text(reply["purse"].as_str().unwrap()).unwrap();
    let bp = buyer
        .wallet(&s)
        .receive_purse(&buyer.identity, &sealed, s.now())
        .unwrap();
    assert_eq!(bp.available().minor(), 13);

    // She asks for all of it back; the seller cannot answer (he has nothing).
    let refund = buyer.letter(
        &s,
        LetterKind::Refund,
        &RefundRequest {
            purse: bp.id,
            halves: bp.shares(|_| true),
        },
    );
    let (status, case) = s.post("/v1/refunds", &json!({ "letter": refund })).await;
    assert_eq!(status, 200, "{case}");
    // Before the deadline nothing is settled.
    assert_eq!(
        s.operator("/v1/operator/sweep", &json!({})).await,
        (200, json!({ "settled": 0 }))
    );
    assert_eq!(s.balance(buyer.id()).await, 1_000 - 13);

    s.app.clock.advance(72 * 3600 + 1);
    assert_eq!(
        s.operator("/v1/operator/sweep", &json!({})).await,
        (200, json!({ "settled": 1 }))
    );
    let (_, settled) = buyer.case(&s, case["case"].as_str().unwrap()).await;
    assert_eq!(settled["settled"], "deadline", "{settled}");
    assert_eq!(
        (s.balance(buyer.id()).await, s.balance(seller.id()).await),
        (1_000, 0),
        "every cent of hers came home"
    );
    let t = s.totals().await;
    assert_eq!((t.outstanding["USD"], t.funded["USD"]), (0, 1_000), "{t:?}");
    assert_eq!(t.open_token_value.get("USD").copied().unwrap_or(0), 0);
}
