//! The real `shop-server` binary (its till on a SQLite file) killed with
//! SIGKILL at seeded random moments while a buyer pays it one cent at a
//! time. A buyer who got no answer either sends the same payment again or
//! asks the till about it (`status`) and settles or releases, as the wallet
//! page does. After the last restart: every payment has a receipt and its
//! halves are spent once, or none of its halves was consumed; a payment sent
//! again gets its first receipt; the till's spent count is the receipts'
//! count; and redemption, which runs every second under the kills (its
//! letters saved and resent after each restart), credits exactly the
//! receipts' total, once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::*;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::messages::{Denomination, PaymentRequest, PurseRequest, Receipt};
use halfpenny::wire::TextForm;
use halfpenny::{Nonce, PurseId, Suite};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng as _, SeedableRng};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_shop-server");
const SEED: u64 = 0x7368_6f70_6b69_6c6c;
/// Kill/restart cycles: 8 in `./test`, `HALFPENNY_CRASH_CYCLES` in the long
/// run (`scripts/reliability.sh`: 100).
fn cycles() -> usize {
    std::env::var("HALFPENNY_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}

fn pick(rng: &mut ChaCha20Rng, lo: u64, hi: u64) -> u64 {
    lo + rng.next_u64() % (hi - lo + 1)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The shop binary, killed and started again on one port and one data folder.
struct Process {
    port: u16,
    bank_url: String,
    data: std::path::PathBuf,
    child: Option<Child>,
}

impl Process {
    fn spawn(&mut self) {
        self.child = Some(
            Command::new(BIN)
                .args(["serve", "--bank-url", &self.bank_url])
                .args(["--listen", &format!("127.0.0.1:{}", self.port)])
                .arg("--data-dir")
                .arg(&self.data)
                .args(["--redeem-every-secs", "1", "--bank-wait-secs", "30"])
                .env("SHOP_OPERATOR_TOKEN", SHOP_OPERATOR)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap(),
        );
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_ready(&self, http: &reqwest::Client) {
        let started = Instant::now();
        loop {
            let r = http
                .post(format!("{}/shop/v1/offers", self.url()))
                .json(&json!({ "item": "article-1" }))
                .send()
                .await;
            if matches!(r, Ok(ref r) if r.status().is_success()) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the shop did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

struct Counters {
    requests: AtomicU64,
    lost: AtomicU64,
}

/// One try: the status and body, or `None` when no answer came.
async fn try_once(
    http: &reqwest::Client,
    c: &Counters,
    request: reqwest::RequestBuilder,
) -> Option<(u16, String)> {
    let _ = http;
    c.requests.fetch_add(1, Ordering::Relaxed);
    let reply = match request.timeout(Duration::from_secs(20)).send().await {
        Ok(r) => r,
        Err(_) => {
            c.lost.fetch_add(1, Ordering::Relaxed);
            return None;
        }
    };
    let status = reply.status().as_u16();
    match reply.text().await {
        Ok(t) if status < 500 => Some((status, t)),
        _ => {
            c.lost.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

/// Sends until the shop answers (the same bytes each time).
async fn until_answered(
    http: &reqwest::Client,
    c: &Counters,
    url: &str,
    body: &Value,
) -> (u16, String) {
    for _ in 0..2_000 {
        if let Some(a) = try_once(http, c, http.post(url).json(body)).await {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url}: never answered");
}

/// How one payment ended for the buyer.
enum Ended {
    /// The till's receipt (the body of its first answer) and the payment sent.
    Receipt { answer: String, payment: String },
    /// The till never took it: its halves were released.
    Released,
}

/// A payment that ended with a receipt: its nonce, the till's first
/// answer and the payment's text.
type Taken<'a> = (&'a Nonce, &'a String, &'a String);

/// The shop's process (shared with the killer), the bank, and the buyer.
struct Scene {
    buyer: Buyer,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    http: reqwest::Client,
    shop: String,
    seller: halfpenny::KeyId,
    process: Arc<tokio::sync::Mutex<Process>>,
    _dir: tempfile::TempDir,
    bank: Bank,
}

/// How the buyer's payments under the kills ended.
struct Load {
    ended: Vec<(Nonce, PurseId, Ended)>,
    purses: Vec<PurseId>,
    resent: usize,
    asked: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_till_killed_mid_payment_loses_and_duplicates_nothing() {
    let started = Instant::now();
    let mut s = Scene::start().await;
    let killer = s.the_killer();
    let load = s.she_pays_a_cent_at_a_time_until_the_killer_stops().await;
    killer.await.unwrap();
    let load_time = started.elapsed();
    let process = s.process.lock().await;
    let (receipts, released) = s.every_payment_gets_its_first_answer(&load.ended).await;
    let available = s.her_side_loses_nothing(&receipts, &load.purses).await;
    let redeemed_under_kills = s
        .the_till_spent_one_half_per_receipt(&receipts, available)
        .await;
    let (credited, t) = s
        .the_bank_credits_the_receipts_once(&receipts, &load.purses)
        .await;
    s.money_is_conserved(&receipts, &load.purses, credited, &t)
        .await;
    drop(process);

    let Load {
        ended,
        purses,
        resent,
        asked,
    } = &load;
    let by_state: BTreeMap<&str, usize> = [("receipts", receipts.len()), ("released", released)]
        .into_iter()
        .collect();
    eprintln!(
        "shop crash: {} kill/restart cycles, {} payments ({} receipts, {released} released), 0 halves lost, 0 accepted twice, redeemed {} cents once ({redeemed_under_kills} by its own errands, every second under the kills)",
        cycles(),
        ended.len(),
        receipts.len(),
        credited
    );
    eprintln!(
        "  {} requests, {} without an answer ({resent} payments sent again, {asked} asked about); {} purses; {by_state:?}; load {:.1} s, whole test {:.1} s",
        s.counters.requests.load(Ordering::Relaxed),
        s.counters.lost.load(Ordering::Relaxed),
        purses.len(),
        load_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

impl Scene {
    async fn start() -> Scene {
        let bank = Bank::start(Suite::Ed25519).await;
        let dir = tempfile::tempdir().unwrap();
        let mut process = Process {
            port: free_port(),
            bank_url: bank.url.clone(),
            data: dir.path().join("shop"),
            child: None,
        };
        process.spawn();
        let http = reqwest::Client::new();
        process.wait_ready(&http).await;
        let shop = process.url();

        let buyer = Buyer::new(&bank, 41).await;
        bank.fund(buyer.id(), 100_000).await;
        let counters = Arc::new(Counters {
            requests: AtomicU64::new(0),
            lost: AtomicU64::new(0),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let (_, info) = answer(
            http.post(format!("{shop}/shop/v1/offers"))
                .json(&json!({ "item": "article-1" })),
        )
        .await;
        let seller = PaymentRequest::from_text(info["request"].as_str().unwrap())
            .unwrap()
            .seller;

        Scene {
            buyer,
            counters,
            stop,
            http,
            shop,
            seller,
            process: Arc::new(tokio::sync::Mutex::new(process)),
            _dir: dir,
            bank,
        }
    }

    /// The killer, on its own task: seeded moments, SIGKILL, start again.
    fn the_killer(&self) -> tokio::task::JoinHandle<()> {
        let (process, stop, http) = (self.process.clone(), self.stop.clone(), self.http.clone());
        tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(SEED);
            for _ in 0..cycles() {
                tokio::time::sleep(Duration::from_millis(pick(&mut rng, 300, 2_000))).await;
                let mut p = process.lock().await;
                p.kill();
                tokio::time::sleep(Duration::from_millis(pick(&mut rng, 0, 300))).await;
                p.spawn();
                p.wait_ready(&http).await;
            }
            stop.store(true, Ordering::Relaxed);
        })
    }

    /// The buyer: one cent at a time, purses of 64 one-cent halves bought
    /// through the shop as she needs them.
    async fn she_pays_a_cent_at_a_time_until_the_killer_stops(&mut self) -> Load {
        let Scene {
            buyer,
            counters,
            stop,
            http,
            shop,
            seller,
            ..
        } = self;
        let (http, counters, seller) = (&*http, &**counters, *seller);
        let mut rng = ChaCha20Rng::seed_from_u64(SEED + 1);
        let mut ended: Vec<(Nonce, PurseId, Ended)> = Vec::new();
        let mut purses: Vec<PurseId> = Vec::new();
        let (mut resent, mut asked) = (0, 0);
        while !stop.load(Ordering::Relaxed) {
            let (status, offer) = until_answered(
                http,
                counters,
                &format!("{shop}/shop/v1/offers"),
                &json!({ "item": "article-1" }),
            )
            .await;
            assert_eq!(status, 200, "{offer}");
            let offer: Value = serde_json::from_str(&offer).unwrap();
            let request = PaymentRequest::from_text(offer["request"].as_str().unwrap()).unwrap();
            let prepared = match buyer.keeper.pay(&request, now()).await {
                Ok(p) => p,
                Err(_) => {
                    let body = PurseRequest {
                        seller,
                        currency: USD,
                        money: Denomination::list(&[(1, 64)]),
                        authorizations: vec![],
                        suite: None,
                    };
                    let fwd = buyer
                        .keeper
                        .request_purse(&body, now(), &mut buyer.rng)
                        .unwrap();
                    let (status, reply) = until_answered(
                        http,
                        counters,
                        &format!("{shop}/shop/v1/purses"),
                        &json!({ "request": fwd.to_text() }),
                    )
                    .await;
                    assert_eq!(status, 200, "{reply}");
                    let reply: Value = serde_json::from_str(&reply).unwrap();
                    let sealed = SealedBox::from_text(reply["purse"].as_str().unwrap()).unwrap();
                    purses.push(buyer.keeper.receive_purse(&sealed, now()).await.unwrap().id);
                    buyer.keeper.pay(&request, now()).await.unwrap()
                }
            };
            let nonce = prepared.payment.payment;
            let purse = prepared.payment.purse;
            let body = json!({ "payment": prepared.payment.to_text() });
            let url = format!("{shop}/shop/v1/payments");
            let mut answer = try_once(http, counters, http.post(&url).json(&body)).await;
            if answer.is_none() {
                // No answer: send it again, or (as the wallet does on reopening)
                // ask the till whether it took it.
                if rng.next_u32() % 2 == 0 {
                    resent += 1;
                    answer = Some(until_answered(http, counters, &url, &body).await);
                } else {
                    asked += 1;
                    let status_url = format!("{shop}/shop/v1/payments/{}", nonce.to_hex());
                    let mut found = None;
                    for _ in 0..2_000 {
                        if let Some(a) = try_once(http, counters, http.get(&status_url)).await {
                            found = Some(a);
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    match found.unwrap() {
                        (200, text) => answer = Some((200, text)),
                        (404, text) => {
                            assert!(text.contains("payment_unknown"), "{text}");
                            buyer.keeper.release(purse, nonce, now()).await.unwrap();
                            ended.push((nonce, purse, Ended::Released));
                            continue;
                        }
                        (status, text) => panic!("status: {status} {text}"),
                    }
                }
            }
            let (status, text) = answer.unwrap();
            assert_eq!(status, 200, "a payment: {text}");
            let reply: Value = serde_json::from_str(&text).unwrap();
            let receipt = Receipt::from_text(reply["receipt"].as_str().unwrap()).unwrap();
            assert_eq!((receipt.payment, receipt.paid.minor()), (nonce, 1));
            buyer.keeper.settle(&receipt, now()).await.unwrap();
            ended.push((
                nonce,
                purse,
                Ended::Receipt {
                    answer: text,
                    payment: prepared.payment.to_text(),
                },
            ));
        }
        Load {
            ended,
            purses,
            resent,
            asked,
        }
    }

    /// Every payment sent again, or asked about, gets its first answer.
    /// Returns the receipts and how many payments were released.
    async fn every_payment_gets_its_first_answer<'a>(
        &self,
        ended: &'a [(Nonce, PurseId, Ended)],
    ) -> (Vec<Taken<'a>>, usize) {
        let Scene { http, shop, .. } = self;
        let receipts: Vec<Taken<'a>> = ended
            .iter()
            .filter_map(|(n, _, e)| match e {
                Ended::Receipt { answer, payment } => Some((n, answer, payment)),
                Ended::Released => None,
            })
            .collect();
        for (nonce, first, payment) in &receipts {
            let (status, again) = answer_text(
                http.post(format!("{shop}/shop/v1/payments"))
                    .json(&json!({ "payment": payment })),
            )
            .await;
            assert_eq!((status, &again), (200, *first), "a payment sent again");
            let (status, asked_again) =
                answer_text(http.get(format!("{shop}/shop/v1/payments/{}", nonce.to_hex()))).await;
            assert_eq!((status, &asked_again), (200, *first), "a payment's status");
        }
        let released = ended.len() - receipts.len();
        for (nonce, _, e) in ended {
            if matches!(e, Ended::Released) {
                let (status, _) =
                    answer_text(http.get(format!("{shop}/shop/v1/payments/{}", nonce.to_hex())))
                        .await;
                assert_eq!(status, 404, "a released payment was never taken");
            }
        }
        (receipts, released)
    }

    /// Her side: nothing pending, and every cent is either still hers or
    /// paid for exactly one receipt. Returns what she still holds.
    async fn her_side_loses_nothing(&self, receipts: &[Taken<'_>], purses: &[PurseId]) -> u64 {
        let (available, pending) = self.buyer.holds().await;
        assert_eq!(pending, 0);
        assert_eq!(
            available + receipts.len() as u64,
            64 * purses.len() as u64,
            "no half lost"
        );
        available
    }

    async fn summary(&self) -> Value {
        let (status, s) = answer(
            self.http
                .get(format!("{}/shop/v1/operator/summary", self.shop))
                .bearer_auth(SHOP_OPERATOR),
        )
        .await;
        assert_eq!(status, 200, "{s}");
        s
    }

    /// The till's side: it spent exactly one half per receipt. Returns what
    /// the shop redeemed by itself while it was being killed.
    async fn the_till_spent_one_half_per_receipt(
        &self,
        receipts: &[Taken<'_>],
        available: u64,
    ) -> u64 {
        let s = self.summary().await;
        let spent: u64 = s["purses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["spent"].as_u64().unwrap())
            .sum();
        assert_eq!(spent, receipts.len() as u64, "no half accepted twice");
        let halves_left: u64 = s["purses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["halves_left"].as_u64().unwrap())
            .sum();
        assert_eq!(halves_left, available, "the till holds her unspent halves");
        let double_spends = s["refused"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["code"] == "double_spend")
            .count();
        assert_eq!(double_spends, 0, "{s}");

        // The shop redeemed every second while it was being killed (its saved
        // redemption letters resent after each restart); the rest now.
        let redeemed_under_kills: u64 = s["redeemed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["minor"].as_u64().unwrap())
            .sum();
        assert!(
            redeemed_under_kills > 0,
            "redemption ran under the kills: {s}"
        );

        redeemed_under_kills
    }

    /// Redemption: the bank credits the receipts' total, once. Returns the
    /// seller's credit and the bank's books.
    async fn the_bank_credits_the_receipts_once(
        &self,
        receipts: &[Taken<'_>],
        purses: &[PurseId],
    ) -> (i64, bank_server::store::Totals) {
        let Scene {
            http,
            shop,
            seller,
            bank,
            ..
        } = self;
        let seller = *seller;
        let redeem = || {
            http.post(format!("{shop}/shop/v1/operator/redeem"))
                .bearer_auth(SHOP_OPERATOR)
        };
        let (status, r) = answer(redeem()).await;
        assert_eq!(status, 200, "{r}");
        let (status, r) = answer(redeem()).await;
        assert_eq!(status, 200, "{r}");
        let credited = bank.balance(seller).await;
        assert_eq!(credited, receipts.len() as i64, "the receipts' total, once");
        let s = self.summary().await;
        let redeemed: u64 = s["redeemed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["minor"].as_u64().unwrap())
            .sum();
        let takings: u64 = s["takings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["minor"].as_u64().unwrap())
            .sum();
        assert_eq!((redeemed, takings), (receipts.len() as u64, 0), "{s}");
        let t = bank.check_books().await;
        assert_eq!(
            t.outstanding["USD"],
            64 * purses.len() as i64 - credited,
            "her unspent halves are all the bank still owes"
        );
        (credited, t)
    }

    /// Money conserved across the three parties: her wallet counts as spent
    /// exactly what the seller has receipts for, and the rest of every purse
    /// as hers; her balance, the seller's credit and what the bank still owes
    /// on her halves add up to exactly what she was funded.
    async fn money_is_conserved(
        &self,
        receipts: &[Taken<'_>],
        purses: &[PurseId],
        credited: i64,
        t: &bank_server::store::Totals,
    ) {
        let Scene { buyer, bank, .. } = self;
        let money = buyer.keeper.money(now()).await.unwrap();
        let m = money.first().copied().unwrap();
        assert_eq!(
            (m.spent, m.pending, m.refunding, m.refunded),
            (receipts.len() as u64, 0, 0, 0),
            "{m:?}"
        );
        assert_eq!(m.total(), 64 * purses.len() as u64, "{m:?}");
        let hers = bank.balance(buyer.id()).await;
        assert_eq!(hers, 100_000 - 64 * purses.len() as i64);
        assert_eq!(hers + credited + t.outstanding["USD"], 100_000);
    }
}

/// A proxy in front of the bank that passes everything on; while `hold` is
/// set, a purse request reaches the bank (which mints) but its answer is
/// held for ever, and the request's bytes are reported on `minted`.
struct Holder {
    url: String,
    hold: Arc<AtomicBool>,
    /// The bodies of every `POST /v1/purses` passed on, in order.
    purse_requests: Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Holder {
    async fn start(bank: &str, minted: tokio::sync::mpsc::UnboundedSender<u16>) -> Holder {
        let hold = Arc::new(AtomicBool::new(false));
        let purse_requests = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (target, h, seen) = (bank.to_owned(), hold.clone(), purse_requests.clone());
        let http = reqwest::Client::new();
        let router = axum::Router::new().fallback(
            move |method: axum::http::Method, uri: axum::http::Uri, body: axum::body::Bytes| {
                let (target, hold, seen, http, minted) = (
                    target.clone(),
                    h.clone(),
                    seen.clone(),
                    http.clone(),
                    minted.clone(),
                );
                async move {
                    let purse = method == axum::http::Method::POST && uri.path() == "/v1/purses";
                    if purse {
                        seen.lock().unwrap().push(body.to_vec());
                    }
                    let answer = http
                        .request(method, format!("{target}{uri}"))
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    let status = answer.status().as_u16();
                    let bytes = answer.bytes().await.unwrap();
                    if purse && hold.load(Ordering::SeqCst) {
                        // The bank has answered; the shop never hears it.
                        let _ = minted.send(status);
                        std::future::pending::<()>().await;
                    }
                    axum::http::Response::builder()
                        .status(status)
                        .header("content-type", "application/json")
                        .body(axum::body::Body::from(bytes))
                        .unwrap()
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Holder {
            url,
            hold,
            purse_requests,
            task,
        }
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shop_killed_after_the_bank_minted_gets_its_halves_on_restart() {
    let mut m = Minting::start().await;
    m.the_bank_mints_and_the_shop_is_killed_before_it_hears()
        .await;
    m.the_shop_saved_her_request_and_holds_no_purse().await;
    m.started_again_it_sends_the_same_request_and_keeps_the_purse()
        .await;
    m.she_asks_the_bank_for_her_purse_twice_and_gets_it_once()
        .await;
    m.she_pays_5_cents_at_the_restarted_shop_redeemed_exactly()
        .await;
}

/// A shop whose calls to the bank go through a `Holder`, and a funded buyer
/// with a purse request for it, not yet sent.
struct Minting {
    buyer: Buyer,
    fwd: halfpenny::messages::ForwardedPurseRequest,
    /// Only she and the bank can read the nonce; the test reads it at the bank.
    nonce: Nonce,
    http: reqwest::Client,
    shop: String,
    seller: halfpenny::KeyId,
    process: Process,
    _dir: tempfile::TempDir,
    holder: Holder,
    minted: tokio::sync::mpsc::UnboundedReceiver<u16>,
    bank: Bank,
}

/// The shop's operator summary.
async fn operator_summary(http: &reqwest::Client, shop: &str) -> Value {
    let (status, s) = answer(
        http.get(format!("{shop}/shop/v1/operator/summary"))
            .bearer_auth(SHOP_OPERATOR),
    )
    .await;
    assert_eq!(status, 200, "{s}");
    s
}

impl Minting {
    async fn start() -> Minting {
        let bank = Bank::start(Suite::Ed25519).await;
        let (minted_tx, minted) = tokio::sync::mpsc::unbounded_channel();
        let holder = Holder::start(&bank.url, minted_tx).await;
        let dir = tempfile::tempdir().unwrap();
        let mut process = Process {
            port: free_port(),
            bank_url: holder.url.clone(),
            data: dir.path().join("shop"),
            child: None,
        };
        process.spawn();
        let http = reqwest::Client::new();
        process.wait_ready(&http).await;
        let shop = process.url();
        let (_, info) = answer(
            http.post(format!("{shop}/shop/v1/offers"))
                .json(&json!({ "item": "article-4" })),
        )
        .await;
        let seller = PaymentRequest::from_text(info["request"].as_str().unwrap())
            .unwrap()
            .seller;

        let mut buyer = Buyer::new(&bank, 51).await;
        bank.fund(buyer.id(), 1_000).await;
        let fwd = buyer
            .keeper
            .request_purse(
                &PurseRequest {
                    seller,
                    currency: USD,
                    money: Denomination::list(&[(5, 2), (1, 3)]),
                    authorizations: vec![],
                    suite: None,
                },
                now(),
                &mut buyer.rng,
            )
            .unwrap();
        // Only she and the bank can read the nonce; the test reads it at the bank.
        let nonce = bank.app.bank.unseal(&fwd.sealed).unwrap().letter.nonce;
        Minting {
            buyer,
            fwd,
            nonce,
            http,
            shop,
            seller,
            process,
            _dir: dir,
            holder,
            minted,
            bank,
        }
    }

    /// The bank mints; the shop is killed before it hears the answer.
    async fn the_bank_mints_and_the_shop_is_killed_before_it_hears(&mut self) {
        let Minting {
            buyer,
            fwd,
            http,
            shop,
            seller,
            process,
            holder,
            minted,
            bank,
            ..
        } = self;
        let seller = *seller;
        holder.hold.store(true, Ordering::SeqCst);
        let asked = tokio::spawn({
            let (http, url, body) = (
                http.clone(),
                format!("{shop}/shop/v1/purses"),
                json!({ "request": fwd.to_text() }),
            );
            async move { http.post(url).json(&body).send().await.map(|r| r.status()) }
        });
        let status = tokio::time::timeout(Duration::from_secs(30), minted.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status, 200, "the bank minted");
        process.kill();
        assert!(asked.await.unwrap().is_err(), "she got no answer");
        assert_eq!(
            (bank.balance(buyer.id()).await, bank.balance(seller).await),
            (1_000 - 13, 0),
            "she is debited"
        );
    }

    /// The shop saved her request before sending it, and holds no purse.
    async fn the_shop_saved_her_request_and_holds_no_purse(&self) {
        let Minting { fwd, process, .. } = self;
        let store = shop_server::store::Store::open(&process.data.join("shop.db"))
            .await
            .unwrap();
        let saved = store.unanswered_purse_orders(10).await.unwrap();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].request, fwd.to_text());
        let counts = store.row_counts().await.unwrap();
        assert!(counts.contains(&("purses".to_owned(), 0)), "{counts:?}");
    }

    /// Started again (the bank's answer no longer held): on start it sends
    /// the saved request again, the same bytes, and keeps the seller's purse.
    async fn started_again_it_sends_the_same_request_and_keeps_the_purse(&mut self) {
        self.holder.hold.store(false, Ordering::SeqCst);
        self.process.spawn();
        self.process.wait_ready(&self.http).await;
        let Minting {
            buyer,
            fwd,
            holder,
            bank,
            ..
        } = &*self;
        let summary = || operator_summary(&self.http, &self.shop);
        eventually("the seller's purse", || async {
            summary().await["purses"].as_array().unwrap().len() == 1
        })
        .await;
        let s = summary().await;
        assert_eq!(
            (
                s["purses"][0]["unspent_minor"].as_u64(),
                s["purses"][0]["halves_left"].as_u64()
            ),
            (Some(13), Some(5)),
            "{s}"
        );
        let sent = holder.purse_requests.lock().unwrap().clone();
        assert_eq!(sent.len(), 2, "sent once, and once again");
        let text_of = |b: &[u8]| {
            serde_json::from_slice::<Value>(b).unwrap()["request"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(text_of(&sent[0]), text_of(&sent[1]), "byte for byte");
        assert_eq!(text_of(&sent[1]), fwd.to_text());
        assert_eq!(bank.balance(buyer.id()).await, 1_000 - 13, "minted once");
    }

    /// She never got her purse through the shop: she asks the bank for it.
    async fn she_asks_the_bank_for_her_purse_twice_and_gets_it_once(&mut self) {
        let Minting {
            buyer, nonce, bank, ..
        } = self;
        let nonce = *nonce;
        let ask = |rng: &mut ChaCha20Rng| {
            let (sealed, _) = halfpenny::letter::send(
                halfpenny::letter::LetterKind::PurseRecovery,
                &halfpenny::messages::PurseRecoveryRequest { request: nonce },
                halfpenny::testing::buyer_identity().signing.as_ref(),
                &bank.app.bank.public().identity,
                now(),
                rng,
            )
            .unwrap();
            sealed.to_text()
        };
        for _ in 0..2 {
            let letter = ask(&mut buyer.rng);
            let (status, reply) = bank
                .post("/v1/purses/recover", &json!({ "letter": letter }))
                .await;
            assert_eq!(status, 200, "{reply}");
            let sealed = SealedBox::from_text(reply["purse"].as_str().unwrap()).unwrap();
            buyer.keeper.receive_purse(&sealed, now()).await.unwrap();
        }
        assert_eq!(buyer.holds().await, (13, 0), "received twice, added once");
    }

    /// She pays 5 cents at the restarted shop: taken, and redeemed exactly.
    async fn she_pays_5_cents_at_the_restarted_shop_redeemed_exactly(&mut self) {
        let Minting {
            buyer,
            http,
            shop,
            seller,
            bank,
            ..
        } = self;
        let seller = *seller;
        let summary = || operator_summary(http, shop);
        let (status, offer) = answer(
            http.post(format!("{shop}/shop/v1/offers"))
                .json(&json!({ "item": "article-4" })),
        )
        .await;
        assert_eq!(status, 200, "{offer}");
        let request = PaymentRequest::from_text(offer["request"].as_str().unwrap()).unwrap();
        let prepared = buyer.keeper.pay(&request, now()).await.unwrap();
        let (status, paid) = answer(
            http.post(format!("{shop}/shop/v1/payments"))
                .json(&json!({ "payment": prepared.payment.to_text() })),
        )
        .await;
        assert_eq!(status, 200, "{paid}");
        let receipt = Receipt::from_text(paid["receipt"].as_str().unwrap()).unwrap();
        assert_eq!(receipt.paid.minor(), 5);
        buyer.keeper.settle(&receipt, now()).await.unwrap();
        assert_eq!(buyer.holds().await, (8, 0));
        let s = summary().await;
        assert_eq!(
            s["takings"],
            json!([{ "currency": "USD", "minor": 5, "tokens": 1 }]),
            "{s}"
        );
        let (status, redeemed) = answer(
            http.post(format!("{shop}/shop/v1/operator/redeem"))
                .bearer_auth(SHOP_OPERATOR),
        )
        .await;
        assert_eq!(status, 200, "{redeemed}");
        assert_eq!(
            (bank.balance(buyer.id()).await, bank.balance(seller).await),
            (1_000 - 13, 5)
        );
        let t = bank.check_books().await;
        assert_eq!(t.outstanding["USD"], 8, "{t:?}");
    }
}
