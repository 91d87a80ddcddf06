//! The double-spend storm: 64 clients at once try to get paid for the same
//! tokens — the seller redeeming the tokens he joined, in new letters each
//! time, and the buyer asking for the same purse back — then 64 more while
//! the seller hands his purse in. Each token is paid exactly once (to the
//! seller if he was paid with it, to her if not), and the books are exact.
//! Over real HTTP on 127.0.0.1, against a SQLite file, or PostgreSQL when
//! HALFPENNY_TEST_POSTGRES names a server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use common::*;
use halfpenny::bank::TokenStatus;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::letter::LetterKind;
use halfpenny::messages::{RedemptionRequest, RefundRequest, ReturnRequest, SpentToken};
use halfpenny::wire::TextForm;
use halfpenny::{Suite, testing};
use serde_json::{Value, json};

const N: usize = 64;

/// A request (path and body) and its final answer.
type Answered = ((&'static str, Value), (u16, Value));

/// Fires every request at once, released together by a barrier.
async fn storm(s: &Server, shots: Vec<(&'static str, Value)>) -> Vec<(u16, Value)> {
    let barrier = Arc::new(tokio::sync::Barrier::new(shots.len()));
    let tasks: Vec<_> = shots
        .into_iter()
        .map(|(path, body)| {
            let request = s.http.post(format!("{}{path}", s.url)).json(&body);
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                answer(request).await
            })
        })
        .collect();
    let mut replies = Vec::new();
    for t in tasks {
        replies.push(t.await.unwrap());
    }
    replies
}

fn key_of(t: &SpentToken) -> (String, u64) {
    (t.purse.to_hex(), u64::from(t.session.0))
}

/// The tokens a reply's lines credited, with their value.
fn credited(reply: &Value) -> Vec<((String, u64), u64)> {
    reply["lines"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
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

fn code(v: &Value) -> String {
    v["error"]["code"].as_str().unwrap_or("?").to_owned()
}

/// A buyer's purse of 16 x 1c and 8 x 5c, eleven payments made from it at
/// the seller's till, and which tokens were spent.
struct Storm {
    s: Server,
    buyer: Party,
    seller: Party,
    sp: halfpenny::till::SellerPurse,
    bp: halfpenny::wallet::BuyerPurse,
    spent: Vec<SpentToken>,
    spent_value: u64,
    unspent_value: u64,
    all_tokens: BTreeSet<(String, u64)>,
    spent_keys: BTreeSet<(String, u64)>,
}

/// Every answer, and every token's payer.
struct Payers {
    credits: BTreeMap<(String, u64), u32>,
    to_seller: u64,
    to_buyer: u64,
    moved_money: usize,
    refusals: BTreeMap<String, usize>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_clients_racing_for_the_same_tokens_are_paid_once() {
    let started = Instant::now();
    let mut st = Storm::set_up().await;
    let shots = st.round_one();
    let first = storm(&st.s, shots.clone()).await;
    let (cases, shots2) = st.round_two(&first).await;
    let second = storm(&st.s, shots2.clone()).await;
    let all = st.losers_are_sent_again(shots, first, shots2, second).await;
    let attempts = all.len();
    let payers = st.every_answer_and_every_tokens_payer(&all, &cases);
    st.exactly_one_credit_per_token(&payers).await;
    st.totals_are_exact(&payers).await;

    let Storm {
        all_tokens,
        spent_keys,
        ..
    } = &st;
    let Payers {
        moved_money,
        refusals,
        ..
    } = &payers;
    let refused = attempts - moved_money;
    eprintln!(
        "double-spend storm: {attempts} attempts, {moved_money} credited, {refused} refused, totals exact"
    );
    eprintln!(
        "  {} tokens, each paid once ({} to the seller, {} refunded to the buyer); refusals: {refusals:?}; {:.1} s",
        all_tokens.len(),
        spent_keys.len(),
        all_tokens.len() - spent_keys.len(),
        started.elapsed().as_secs_f64()
    );
}

impl Storm {
    async fn set_up() -> Storm {
        let s = Server::start_with(600, Suite::Rsa2048Sha256).await;
        let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 31).await;
        let mut seller = Party::new(&s, testing::seller_identity(), "seller", 32).await;
        s.fund(&buyer.account, 1_000, "storm").await;
        let (mut sp, mut bp) = buy_purse(&s, &mut buyer, &seller, &[(1, 16), (5, 8)], vec![])
            .await
            .unwrap();
        let mut spent = Vec::new();
        for price in [1, 1, 1, 5, 1, 5, 1, 1, 5, 1, 5] {
            spent.extend(pay(&s, &mut buyer, &mut seller, &mut sp, &mut bp, price));
        }
        let spent_value: u64 = spent
            .iter()
            .map(|t| t.token.token.kind.value().unwrap().minor())
            .sum();
        assert_eq!(spent_value + bp.available().minor(), 56);
        let unspent_value = 56 - spent_value;
        let all_tokens: BTreeSet<(String, u64)> = bp
            .halves
            .keys()
            .map(|s| (bp.id.to_hex(), u64::from(s.0)))
            .collect();
        let spent_keys: BTreeSet<(String, u64)> = spent.iter().map(key_of).collect();
        Storm {
            s,
            buyer,
            seller,
            sp,
            bp,
            spent,
            spent_value,
            unspent_value,
            all_tokens,
            spent_keys,
        }
    }

    /// Round one: 56 redemption letters of the spent tokens (each its own
    /// nonce, in three orders) and 8 refund letters naming every half of her
    /// purse, spent ones included.
    fn round_one(&mut self) -> Vec<(&'static str, Value)> {
        let Storm {
            s,
            buyer,
            seller,
            bp,
            spent,
            ..
        } = self;
        let s = &*s;
        let mut shots = Vec::new();
        for i in 0..N {
            if i % 8 == 0 {
                let items = bp.shares(|_| true);
                let letter = buyer.letter(
                    s,
                    LetterKind::Refund,
                    &RefundRequest {
                        purse: bp.id,
                        halves: items,
                    },
                );
                shots.push(("/v1/refunds", json!({ "letter": letter })));
            } else {
                let mut tokens = spent.clone();
                match i % 3 {
                    0 => tokens.reverse(),
                    1 => tokens.rotate_left(i % spent.len()),
                    _ => {}
                }
                let letter =
                    seller.letter(s, LetterKind::Redemption, &RedemptionRequest { tokens });
                shots.push(("/v1/redemptions", json!({ "letter": letter })));
            }
        }
        shots
    }

    /// Round two: the seller hands in his purse (the return the bank asked
    /// for) while 63 more redemption letters race it. Returns the refund
    /// cases round one opened, and round two's shots.
    async fn round_two(
        &mut self,
        first: &[(u16, Value)],
    ) -> (Vec<String>, Vec<(&'static str, Value)>) {
        let Storm {
            s,
            seller,
            sp,
            spent,
            ..
        } = self;
        let s = &*s;
        let letters = seller.letters(s).await;
        let mut cases = Vec::new();
        for (status, v) in first.iter().filter(|(_, v)| v.get("case").is_some()) {
            assert_eq!(*status, 200);
            cases.push(v["case"].as_str().unwrap().to_owned());
        }
        assert_eq!(cases.len(), 1, "exactly one refund case opens: {first:?}");
        assert_eq!(letters.len(), 1, "one return request: {letters:?}");
        let till = seller.till(s);
        let sealed = SealedBox::from_text(letters[0]["letter"].as_str().unwrap()).unwrap();
        let ask: ReturnRequest = till
            .open_from_bank(
                &seller.identity,
                &sealed,
                LetterKind::ReturnRequest,
                s.now(),
            )
            .unwrap();
        assert_eq!(ask.case.to_hex(), cases[0]);
        let handed_in = till
            .answer_return(
                &seller.identity,
                &ask,
                sp,
                spent.clone(),
                s.now(),
                &mut seller.rng,
            )
            .unwrap();
        let mut shots2 = vec![("/v1/returns", json!({ "letter": handed_in.to_text() }))];
        for i in 1..N {
            let mut tokens = spent.clone();
            tokens.rotate_left(i % spent.len());
            let letter = seller.letter(s, LetterKind::Redemption, &RedemptionRequest { tokens });
            shots2.push(("/v1/redemptions", json!({ "letter": letter })));
        }
        (cases, shots2)
    }

    /// Whatever lost a race (409 busy) is sent again, the same bytes, one at a time.
    async fn losers_are_sent_again(
        &self,
        shots: Vec<(&'static str, Value)>,
        first: Vec<(u16, Value)>,
        shots2: Vec<(&'static str, Value)>,
        second: Vec<(u16, Value)>,
    ) -> Vec<Answered> {
        let s = &self.s;
        let mut all: Vec<Answered> = Vec::new();
        for (shot, reply) in shots
            .into_iter()
            .zip(first)
            .chain(shots2.into_iter().zip(second))
        {
            let mut reply = reply;
            let mut tries = 0;
            while reply.0 == 409 && code(&reply.1) == "busy" {
                tries += 1;
                assert!(tries < 20, "still busy");
                reply = s.post(shot.0, &shot.1).await;
            }
            all.push((shot, reply));
        }
        all
    }

    /// Every answer, and every token's payer.
    fn every_answer_and_every_tokens_payer(&self, all: &[Answered], cases: &[String]) -> Payers {
        let spent_keys = &self.spent_keys;
        let mut credits: BTreeMap<(String, u64), u32> = BTreeMap::new();
        let mut to_seller = 0;
        let mut to_buyer = 0;
        let mut moved_money = 0;
        let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
        for ((path, _), (status, v)) in all {
            match (*path, *status) {
                ("/v1/redemptions", 200) => {
                    let c = credited(v);
                    for l in v["lines"].as_array().unwrap() {
                        if l["outcome"] != "credited" {
                            assert_eq!(l["code"], "already_redeemed", "{v}");
                        }
                    }
                    if c.is_empty() {
                        *refusals.entry("already_redeemed".into()).or_default() += 1;
                    } else {
                        moved_money += 1;
                    }
                    for (k, value) in c {
                        assert!(spent_keys.contains(&k), "only spent tokens are redeemed");
                        *credits.entry(k).or_default() += 1;
                        to_seller += value;
                    }
                }
                ("/v1/refunds", 200) => moved_money += 1,
                ("/v1/returns", 200) => {
                    moved_money += 1;
                    assert_eq!(v["case"].as_str(), Some(cases[0].as_str()));
                    for l in v["lines"].as_array().unwrap() {
                        if l["outcome"] == "credited" {
                            let k = (
                                l["purse"].as_str().unwrap().to_owned(),
                                l["session"].as_u64().unwrap(),
                            );
                            *credits.entry(k).or_default() += 1;
                        }
                    }
                    to_seller += v["seller_credited"]["minor"].as_u64().unwrap();
                    to_buyer += v["buyer_refunded"]["minor"].as_u64().unwrap();
                }
                (_, 409 | 400 | 422) => *refusals.entry(code(v)).or_default() += 1,
                (p, st) => panic!("{p}: unexpected answer {st} {v}"),
            }
        }
        Payers {
            credits,
            to_seller,
            to_buyer,
            moved_money,
            refusals,
        }
    }

    /// Exactly one credit per token: every token of the purse, once.
    async fn exactly_one_credit_per_token(&self, payers: &Payers) {
        let Storm {
            s,
            bp,
            all_tokens,
            spent_keys,
            ..
        } = self;
        let credits = &payers.credits;
        let twice: Vec<_> = credits.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "credited twice: {twice:?}");
        assert_eq!(
            credits.keys().cloned().collect::<BTreeSet<_>>(),
            *all_tokens,
            "every token paid to someone"
        );
        let purse = s.app.store.purse(&bp.id).await.unwrap().unwrap();
        for (session, record) in &purse.tokens {
            let k = (bp.id.to_hex(), u64::from(session.0));
            let expected = if spent_keys.contains(&k) {
                TokenStatus::Redeemed
            } else {
                TokenStatus::Refunded
            };
            assert_eq!(record.status, expected, "token {session:?}");
        }
    }

    /// Totals exact.
    async fn totals_are_exact(&self, payers: &Payers) {
        let Storm {
            s,
            buyer,
            seller,
            spent_value,
            unspent_value,
            ..
        } = self;
        let (spent_value, unspent_value) = (*spent_value, *unspent_value);
        let (to_seller, to_buyer) = (payers.to_seller, payers.to_buyer);
        assert_eq!((to_seller, to_buyer), (spent_value, unspent_value));
        assert_eq!(s.balance(seller.id()).await, spent_value as i64);
        assert_eq!(
            s.balance(buyer.id()).await,
            1_000 - 56 + unspent_value as i64
        );
        let t = s.totals().await;
        assert_eq!((t.outstanding["USD"], t.funded["USD"]), (0, 1_000), "{t:?}");
    }
}
