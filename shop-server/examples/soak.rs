//! The soak client (run by `scripts/soak.sh`, not in CI): mixed traffic
//! against a running bank and shop for a set time — buyers buy purses
//! through the shop (minting), pay for articles one at a time, take back
//! what they did not spend (refunds, answered by the shop's till), and the
//! seller redeems every second — then prints throughput, p50/p99 latency per
//! kind of request, and the bank's ledger check.
//!
//! `soak BANK_URL SHOP_URL SECONDS` with HALFPENNY_OPERATOR_TOKEN and
//! SHOP_OPERATOR_TOKEN set to the two servers' operator tokens.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::float_arithmetic,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use halfpenny::crypto::seal::SealedBox;
use halfpenny::messages::{Denomination, PaymentRequest, PurseRequest, Receipt};
use halfpenny::wire::TextForm;
use halfpenny::{Currency, KeyId, Timestamp, testing};
use halfpenny_store::MemoryStore;
use halfpenny_wallet::Keeper;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};

fn now() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
}

type Latencies = Arc<Mutex<BTreeMap<&'static str, Vec<Duration>>>>;

struct Soak {
    http: reqwest::Client,
    bank: String,
    shop: String,
    bank_token: String,
    shop_token: String,
    latencies: Latencies,
    errors: Mutex<BTreeMap<String, u64>>,
}

impl Soak {
    /// Sends a request, times it, and returns the JSON body of a 200.
    async fn call(&self, kind: &'static str, request: reqwest::RequestBuilder) -> Option<Value> {
        let t = Instant::now();
        let reply = request.timeout(Duration::from_secs(30)).send().await;
        let took = t.elapsed();
        match reply {
            Ok(r) if r.status().is_success() => {
                self.latencies
                    .lock()
                    .unwrap()
                    .entry(kind)
                    .or_default()
                    .push(took);
                r.json().await.ok().or(Some(Value::Null))
            }
            Ok(r) => {
                let status = r.status().as_u16();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                let code = body["error"]["code"].as_str().unwrap_or("?").to_owned();
                *self
                    .errors
                    .lock()
                    .unwrap()
                    .entry(format!("{kind} {status} {code}"))
                    .or_default() += 1;
                None
            }
            Err(_) => {
                *self
                    .errors
                    .lock()
                    .unwrap()
                    .entry(format!("{kind} no answer"))
                    .or_default() += 1;
                None
            }
        }
    }

    async fn register(&self, keeper: &Keeper<MemoryStore>) -> KeyId {
        let p = keeper.public();
        let r = self
            .http
            .post(format!("{}/v1/accounts", self.bank))
            .json(&json!({ "role": "buyer", "signing_key": p.signing.to_base64url(), "sealing_key": p.sealing.to_base64url() }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "register: {}", r.status());
        let id = p.id();
        let r = self
            .http
            .post(format!("{}/v1/operator/fund", self.bank))
            .bearer_auth(&self.bank_token)
            .json(&json!({ "account": id.to_hex(), "amount_minor": 100_000_000u64, "currency": "USD", "idempotency_key": format!("soak-{}-{}", id.to_hex(), now().0) }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "fund: {}", r.status());
        id
    }

    /// One buyer's round: a purse through the shop, ten payments, a refund.
    async fn round(&self, keeper: &Keeper<MemoryStore>, seller: KeyId, rng: &mut ChaCha20Rng) {
        let order = PurseRequest {
            seller,
            currency: Currency::USD,
            money: Denomination::list(&[(1, 20), (5, 4)]),
            authorizations: vec![],
            suite: None,
        };
        let fwd = keeper.request_purse(&order, now(), rng).unwrap();
        let Some(reply) = self
            .call(
                "mint",
                self.http
                    .post(format!("{}/shop/v1/purses", self.shop))
                    .json(&json!({ "request": fwd.to_text() })),
            )
            .await
        else {
            return;
        };
        let sealed = SealedBox::from_text(reply["purse"].as_str().unwrap()).unwrap();
        let purse = keeper.receive_purse(&sealed, now()).await.unwrap().id;
        for i in 0..10 {
            let item = ["article-1", "article-2", "article-3"][i % 3];
            let Some(offer) = self
                .call(
                    "offer",
                    self.http
                        .post(format!("{}/shop/v1/offers", self.shop))
                        .json(&json!({ "item": item })),
                )
                .await
            else {
                continue;
            };
            let request = PaymentRequest::from_text(offer["request"].as_str().unwrap()).unwrap();
            let Ok(prepared) = keeper.pay(&request, now()).await else {
                break;
            };
            let paid = self
                .call(
                    "pay",
                    self.http
                        .post(format!("{}/shop/v1/payments", self.shop))
                        .json(&json!({ "payment": prepared.payment.to_text() })),
                )
                .await;
            match paid {
                Some(p) => {
                    let receipt = Receipt::from_text(p["receipt"].as_str().unwrap()).unwrap();
                    keeper.settle(&receipt, now()).await.unwrap();
                }
                None => keeper
                    .release(purse, prepared.payment.payment, now())
                    .await
                    .unwrap(),
            }
        }
        let letter = keeper.request_refund(purse, now(), rng).await.unwrap();
        self.call(
            "refund",
            self.http
                .post(format!("{}/v1/refunds", self.bank))
                .json(&json!({ "letter": letter.to_text() })),
        )
        .await;
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    assert!(args.len() == 4, "usage: soak BANK_URL SHOP_URL SECONDS");
    let seconds: u64 = args[3].parse().expect("seconds");
    let soak = Arc::new(Soak {
        http: reqwest::Client::new(),
        bank: args[1].clone(),
        shop: args[2].clone(),
        bank_token: std::env::var("HALFPENNY_OPERATOR_TOKEN").expect("HALFPENNY_OPERATOR_TOKEN"),
        shop_token: std::env::var("SHOP_OPERATOR_TOKEN").expect("SHOP_OPERATOR_TOKEN"),
        latencies: Arc::default(),
        errors: Mutex::default(),
    });
    let bank_public = shop_server::bank_client::BankClient::new(&soak.bank)
        .bank()
        .await
        .expect("the bank's keys");
    let offer: Value = soak
        .http
        .post(format!("{}/shop/v1/offers", soak.shop))
        .json(&json!({ "item": "article-1" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seller = PaymentRequest::from_text(offer["request"].as_str().unwrap())
        .unwrap()
        .seller;

    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (i, (sign, seal)) in [
        (testing::BUYER_SIGNING, testing::BUYER_SEALING),
        (testing::OTHER_SIGNING, testing::OTHER_SEALING),
    ]
    .into_iter()
    .enumerate()
    {
        let keeper = Keeper::create_with(
            MemoryStore::new(),
            &testing::key(sign),
            &testing::key(seal),
            soak.bank.clone(),
            bank_public.clone(),
            now(),
        )
        .await
        .unwrap();
        soak.register(&keeper).await;
        let soak = soak.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
            let mut rounds = 0u64;
            while Instant::now() < deadline {
                soak.round(&keeper, seller, &mut rng).await;
                rounds += 1;
            }
            rounds
        }));
    }
    let redeemer = {
        let soak = soak.clone();
        tokio::spawn(async move {
            while Instant::now() < deadline {
                tokio::time::sleep(Duration::from_secs(1)).await;
                soak.call(
                    "redeem",
                    soak.http
                        .post(format!("{}/shop/v1/operator/redeem", soak.shop))
                        .bearer_auth(&soak.shop_token),
                )
                .await;
            }
        })
    };
    let mut rounds = 0;
    for t in tasks {
        rounds += t.await.unwrap();
    }
    redeemer.await.unwrap();
    let elapsed = started.elapsed().as_secs_f64();

    // The last refunds settle as the till answers; then the books.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let totals: Value = soak
        .http
        .get(format!("{}/v1/operator/totals", soak.bank))
        .bearer_auth(&soak.bank_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let balanced = totals["sum_of_balances"]
        .as_object()
        .is_some_and(|m| m.values().all(|v| v == 0))
        && totals["outstanding"]["USD"].as_i64().unwrap_or(0)
            == totals["open_token_value"]["USD"].as_i64().unwrap_or(0);

    let latencies = soak.latencies.lock().unwrap().clone();
    let total: usize = latencies.values().map(Vec::len).sum();
    println!(
        "soak: {elapsed:.0} s, {rounds} buyer rounds, {total} requests answered, {:.1} requests/s",
        total as f64 / elapsed
    );
    for (kind, mut l) in latencies {
        l.sort();
        println!(
            "  {kind:<7} {:>6} requests  {:>7.1}/s  p50 {:>7.1} ms  p99 {:>7.1} ms",
            l.len(),
            l.len() as f64 / elapsed,
            percentile(&l, 0.5),
            percentile(&l, 0.99)
        );
    }
    let errors = soak.errors.lock().unwrap().clone();
    if !errors.is_empty() {
        println!("  not answered 200: {errors:?}");
    }
    println!(
        "  ledger: {} (sum of balances {}, outstanding {}, open token value {}, postings {})",
        if balanced {
            "balanced"
        } else {
            "OUT OF BALANCE"
        },
        totals["sum_of_balances"],
        totals["outstanding"],
        totals["open_token_value"],
        totals["postings"]
    );
    if !balanced {
        std::process::exit(1);
    }
}
