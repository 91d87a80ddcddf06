//! The real `bank-server` binary killed with SIGKILL at seeded random moments
//! while buyers mint purses (through a seller), the seller redeems what they
//! paid him and buyers take back what they did not spend. Every client that
//! gets no answer sends the same bytes again until it gets one. After the
//! last restart: the books balance, no token was credited twice, no purse was
//! half-written, and every request sent again got its first answer, byte for
//! byte. Runs on a SQLite file, or on PostgreSQL when HALFPENNY_TEST_POSTGRES
//! names a server (as the other tests choose).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bank_server::store::Store;
use halfpenny::bank::{Bank, BankConfig, BankPublic, PurseState, TokenStatus};
use halfpenny::crypto::PrivateIdentity;
use halfpenny::crypto::ed25519::Ed25519Key;
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::letter::{self, LetterKind};
use halfpenny::messages::{
    Denomination, MintResponse, PaymentRequest, PurseRequest, RedemptionRequest, RefundRequest,
    SpentToken,
};
use halfpenny::till::{SellerPurse, Till, VerifyPolicy};
use halfpenny::wallet::{BuyerPurse, HalfState, Wallet};
use halfpenny::wire::{Encode, TextForm};
use halfpenny::{Amount, BankId, Currency, KeyId, Nonce, Timestamp, testing};
use halfpenny_aws_lc::{AwsLcKey, OnEveryCore};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng as _, SeedableRng};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_bank-server");
const USD: Currency = Currency::USD;
const SEED: u64 = 0x6861_6c66_7065_6e79;
/// Kill/restart cycles: 8 in `./test`, `HALFPENNY_CRASH_CYCLES` in the long
/// run (`scripts/reliability.sh`: 100).
fn cycles() -> usize {
    std::env::var("HALFPENNY_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}

/// The purses sent for a refund, with the sessions of the halves asked back.
type Refunds = Arc<Mutex<Vec<(halfpenny::PurseId, BTreeSet<u32>)>>>;

fn now() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
}

fn pick(rng: &mut ChaCha20Rng, lo: u64, hi: u64) -> u64 {
    lo + rng.next_u64() % (hi - lo + 1)
}

/// The fixed test keys, written where the binary looks for its keys, and
/// the bank's public side as clients know it.
fn install_keys(dir: &Path) -> BankPublic {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    for (file, der) in [
        ("token.pk8", testing::BANK_TOKEN),
        ("token-ed25519.pk8", testing::BANK_TOKEN_ED25519),
        ("signing.pk8", testing::BANK_SIGNING),
        ("sealing.pk8", testing::BANK_SEALING),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, der).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let aws = |der: &[u8]| AwsLcKey::from_pkcs8_der(der).unwrap();
    let bank = Bank::new(
        BankConfig::new(BankId::new("demo-bank").unwrap()),
        PrivateIdentity {
            signing: Box::new(aws(testing::BANK_SIGNING)),
            sealing: Box::new(aws(testing::BANK_SEALING)),
        },
        vec![
            Box::new(aws(testing::BANK_TOKEN)),
            Box::new(OnEveryCore(
                Ed25519Key::from_pkcs8_der(testing::BANK_TOKEN_ED25519).unwrap(),
            )),
        ],
        Box::new(halfpenny_aws_lc::AwsLc),
    )
    .unwrap();
    bank.public()
}

/// The bank binary, started and killed on one port and one database.
struct Process {
    port: u16,
    keys: std::path::PathBuf,
    database: String,
    child: Option<Child>,
}

impl Process {
    fn spawn(&mut self) {
        let child = Command::new(BIN)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .arg("--keys")
            .arg(&self.keys)
            .args(["--database", &self.database])
            // A refund case the seller does not answer settles two seconds
            // later, by the bank's own sweep.
            .args(["--return-window-secs", "2", "--sweep-every-secs", "1"])
            .env("HALFPENNY_OPERATOR_TOKEN", common::OPERATOR)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        self.child = Some(child);
    }

    /// SIGKILL: no shutdown, no flush, nothing but what was committed.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    async fn wait_ready(&self, http: &reqwest::Client) {
        let started = Instant::now();
        loop {
            let r = http
                .get(format!("http://127.0.0.1:{}/v1/health", self.port))
                .send()
                .await;
            if matches!(r, Ok(ref r) if r.status().is_success()) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the bank did not start"
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

/// One request as a client sent it, and its first answer.
#[derive(Clone)]
struct Sent {
    path: &'static str,
    body: String,
    answer: String,
}

/// What every client shares: where the bank is, what was sent, the counters.
struct Clients {
    base: String,
    http: reqwest::Client,
    bank: BankPublic,
    sent: Mutex<Vec<Sent>>,
    requests: AtomicU64,
    resends: AtomicU64,
    stop: AtomicBool,
}

impl Clients {
    /// Sends `body` until the bank answers 200 (a lost answer, a 5xx or a
    /// `busy` are sent again, the same bytes); any other refusal is a bug.
    async fn send(&self, path: &'static str, body: String, operator: bool) -> String {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut tries = 0;
        loop {
            tries += 1;
            assert!(tries < 2_000, "{path}: no answer after {tries} tries");
            let mut r = self
                .http
                .post(format!("{}{path}", self.base))
                .header("content-type", "application/json")
                .timeout(Duration::from_secs(20))
                .body(body.clone());
            if operator {
                r = r.bearer_auth(common::OPERATOR);
            }
            let reply = match r.send().await {
                Ok(reply) => reply,
                Err(_) => {
                    self.resends.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let status = reply.status().as_u16();
            let Ok(text) = reply.text().await else {
                self.resends.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            if status == 200 {
                if !operator {
                    self.sent.lock().unwrap().push(Sent {
                        path,
                        body,
                        answer: text.clone(),
                    });
                }
                return text;
            }
            let code = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["error"]["code"].as_str().map(str::to_owned));
            if status >= 500 || code.as_deref() == Some("busy") {
                self.resends.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            panic!("{path}: unexpected answer {status} {text}");
        }
    }

    fn letter(
        &self,
        who: &PrivateIdentity,
        rng: &mut ChaCha20Rng,
        kind: LetterKind,
        body: &impl Encode,
    ) -> String {
        let (sealed, _) = letter::send(
            kind,
            body,
            who.signing.as_ref(),
            &self.bank.identity,
            now(),
            rng,
        )
        .unwrap();
        json!({ "letter": sealed.to_text() }).to_string()
    }
}

/// A buyer: buys purses through the seller, pays him off-line, hands him
/// the tokens to redeem, and asks for the rest back (every other purse).
async fn buyer(
    c: Arc<Clients>,
    me: PrivateIdentity,
    seller: PrivateIdentity,
    seed: u64,
    spent: tokio::sync::mpsc::UnboundedSender<Vec<SpentToken>>,
    refunds: Refunds,
) -> (usize, BTreeMap<halfpenny::PurseId, usize>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let wallet = Wallet::new(c.bank.clone(), &RustCrypto).unwrap();
    let till = Till::new(seller.id(), c.bank.clone(), &RustCrypto, VerifyPolicy::All).unwrap();
    let mut minted = BTreeMap::new();
    let mut n = 0;
    while !c.stop.load(Ordering::Relaxed) {
        n += 1;
        let body = PurseRequest {
            seller: seller.id(),
            currency: USD,
            money: Denomination::list(&[(1, 4), (5, 2)]),
            authorizations: vec![],
            suite: None,
        };
        let fwd = wallet.request_purse(&me, &body, now(), &mut rng).unwrap().0;
        let answer = c
            .send(
                "/v1/purses",
                json!({ "request": fwd.to_text() }).to_string(),
                false,
            )
            .await;
        let reply: Value = serde_json::from_str(&answer).unwrap();
        let response = MintResponse::from_text(reply["response"].as_str().unwrap()).unwrap();
        let mut sp: SellerPurse = till
            .receive_purse(&seller, &response.seller_purse, now())
            .unwrap();
        let mut bp: BuyerPurse = wallet
            .receive_purse(&me, &response.buyer_purse, now())
            .unwrap();
        minted.insert(bp.id, bp.halves.len());
        let mut tokens = Vec::new();
        for _ in 0..pick(&mut rng, 1, 3) {
            let price = if bp.available().minor() >= 5 && rng.next_u32() % 2 == 0 {
                5
            } else {
                1
            };
            let request = PaymentRequest {
                seller: seller.id(),
                payment: Nonce::random(&mut rng),
                item: "article".into(),
                price: Amount::new(price, USD),
                requires: None,
                expires_at: now().plus(600),
            };
            let prepared = wallet.prepare_payment(&bp, &request, now()).unwrap();
            assert!(bp.mark_pending(&prepared.payment));
            let accepted = till
                .accept(&request, &prepared.payment, &sp, now(), &mut rng)
                .unwrap();
            assert!(sp.apply(&accepted));
            bp.settle(&accepted.receipt).unwrap();
            tokens.extend(accepted.tokens);
        }
        spent.send(tokens).unwrap();
        if n % 2 == 0 {
            let items = bp.shares(|s| *s == HalfState::Available);
            let sessions = items.iter().map(|i| i.session.0).collect();
            let letter = c.letter(
                &me,
                &mut rng,
                LetterKind::Refund,
                &RefundRequest {
                    purse: bp.id,
                    halves: items,
                },
            );
            c.send("/v1/refunds", letter.clone(), false).await;
            refunds.lock().unwrap().push((bp.id, sessions));
            // Now and then the same request again at once.
            if rng.next_u32() % 3 == 0 {
                c.send("/v1/refunds", letter, false).await;
            }
        }
    }
    (n, minted)
}

/// The seller: redeems every batch of tokens he was paid; sometimes sends
/// the same letter twice, sometimes a new letter for tokens already redeemed.
async fn seller(
    c: Arc<Clients>,
    me: PrivateIdentity,
    seed: u64,
    mut spent: tokio::sync::mpsc::UnboundedReceiver<Vec<SpentToken>>,
) -> usize {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut letters = 0;
    while let Some(tokens) = spent.recv().await {
        let letter = c.letter(
            &me,
            &mut rng,
            LetterKind::Redemption,
            &RedemptionRequest {
                tokens: tokens.clone(),
            },
        );
        c.send("/v1/redemptions", letter.clone(), false).await;
        letters += 1;
        match rng.next_u32() % 4 {
            0 => {
                c.send("/v1/redemptions", letter, false).await;
            }
            1 => {
                let again = c.letter(
                    &me,
                    &mut rng,
                    LetterKind::Redemption,
                    &RedemptionRequest { tokens },
                );
                c.send("/v1/redemptions", again, false).await;
                letters += 1;
            }
            _ => {}
        }
    }
    letters
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A buyer's task: how many rounds she ran and the purses she was minted.
type BuyerTask = tokio::task::JoinHandle<(usize, BTreeMap<halfpenny::PurseId, usize>)>;

/// A token credited (purse, session), and how often.
type Credits = BTreeMap<(String, u64), u32>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bank_killed_at_random_moments_loses_and_duplicates_nothing() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let database = common::database_url(&dir).await;
    let (mut process, c) = start_the_bank(&dir, &database).await;
    let seller_id = testing::seller_identity();
    let buyers = [testing::buyer_identity(), testing::other_identity()];
    open_and_fund_the_accounts(&c, &seller_id, &buyers).await;
    let refunds = Arc::new(Mutex::new(Vec::new()));
    let (buyer_tasks, seller_task) = start_the_clients(&c, &buyers, &refunds);
    let down = kill_at_seeded_moments(&mut process, &c).await;
    let (rounds, minted, letters) = stop_the_clients(&c, buyer_tasks, seller_task).await;
    let load_time = started.elapsed();

    let store = Store::connect(&database).await.unwrap();
    let refunds = refunds.lock().unwrap().clone();
    every_open_refund_case_settles(&store, &refunds).await;
    let sent = c.sent.lock().unwrap().clone();
    every_request_sent_again_gets_its_first_answer(&c, &sent).await;
    let (credits, credited_value, double_credits) = no_token_is_credited_twice(&sent);
    let (refunded_value, open_value) =
        no_purse_is_half_written(&store, &minted, &refunds, &credits).await;
    every_cent_is_accounted_for(
        &c,
        &store,
        (&seller_id, &buyers),
        &minted,
        (credited_value, refunded_value, open_value),
    )
    .await;
    process.kill();

    let requests = c.requests.load(Ordering::Relaxed) + sent.len() as u64;
    eprintln!(
        "bank crash: {} kill/restart cycles, {requests} requests, ledger balanced, {double_credits} double credits",
        cycles()
    );
    eprintln!(
        "  {} purses minted in {rounds} rounds, {letters} redemption letters ({} tokens credited), {} refunds; {} resends after kills; down {:.1} s in all; load {:.1} s, whole test {:.1} s",
        minted.len(),
        credits.len(),
        refunds.len(),
        c.resends.load(Ordering::Relaxed),
        down.as_secs_f64(),
        load_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

/// The bank's process on a fresh database, and what the clients share.
async fn start_the_bank(dir: &tempfile::TempDir, database: &str) -> (Process, Arc<Clients>) {
    let bank = install_keys(&dir.path().join("keys"));
    let mut process = Process {
        port: free_port(),
        keys: dir.path().join("keys"),
        database: database.to_owned(),
        child: None,
    };
    process.spawn();
    let http = reqwest::Client::new();
    process.wait_ready(&http).await;
    let c = Arc::new(Clients {
        base: format!("http://127.0.0.1:{}", process.port),
        http,
        bank,
        sent: Mutex::new(Vec::new()),
        requests: AtomicU64::new(0),
        resends: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    });
    (process, c)
}

/// Accounts and money (both idempotent, so sent like the rest).
async fn open_and_fund_the_accounts(
    c: &Clients,
    seller_id: &PrivateIdentity,
    buyers: &[PrivateIdentity; 2],
) {
    for (who, role) in [
        (seller_id, "seller"),
        (&buyers[0], "buyer"),
        (&buyers[1], "buyer"),
    ] {
        let p = who.public();
        let (status, _) = common::answer(c.http.post(format!("{}/v1/accounts", c.base)).json(
            &json!({ "role": role, "signing_key": p.signing.to_base64url(), "sealing_key": p.sealing.to_base64url() }),
        ))
        .await;
        assert!(status == 200 || status == 201);
    }
    for (i, b) in buyers.iter().enumerate() {
        c.send(
            "/v1/operator/fund",
            json!({ "account": b.id().to_hex(), "amount_minor": 1_000_000, "currency": "USD", "idempotency_key": format!("crash-fund-{i}") }).to_string(),
            true,
        )
        .await;
    }
}

/// Two buyers and a seller, each on its own task.
fn start_the_clients(
    c: &Arc<Clients>,
    buyers: &[PrivateIdentity; 2],
    refunds: &Refunds,
) -> (Vec<BuyerTask>, tokio::task::JoinHandle<usize>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let buyer_tasks: Vec<_> = buyers
        .iter()
        .enumerate()
        .map(|(i, _)| {
            tokio::spawn(buyer(
                c.clone(),
                if i == 0 {
                    testing::buyer_identity()
                } else {
                    testing::other_identity()
                },
                testing::seller_identity(),
                SEED + i as u64,
                tx.clone(),
                refunds.clone(),
            ))
        })
        .collect();
    drop(tx);
    let seller_task = tokio::spawn(seller(
        c.clone(),
        testing::seller_identity(),
        SEED + 100,
        rx,
    ));

    (buyer_tasks, seller_task)
}

/// The killer: seeded moments, SIGKILL, start again on the same books.
/// Returns how long the bank was down.
async fn kill_at_seeded_moments(process: &mut Process, c: &Clients) -> Duration {
    let mut rng = ChaCha20Rng::seed_from_u64(SEED);
    let mut down = Duration::ZERO;
    for _ in 0..cycles() {
        tokio::time::sleep(Duration::from_millis(pick(&mut rng, 300, 2_500))).await;
        process.kill();
        let t = Instant::now();
        tokio::time::sleep(Duration::from_millis(pick(&mut rng, 0, 200))).await;
        process.spawn();
        process.wait_ready(&c.http).await;
        down += t.elapsed();
    }
    down
}

/// Stops the clients; returns the buyers' rounds, the purses minted and
/// the seller's redemption letters.
async fn stop_the_clients(
    c: &Clients,
    buyer_tasks: Vec<BuyerTask>,
    seller_task: tokio::task::JoinHandle<usize>,
) -> (usize, BTreeMap<halfpenny::PurseId, usize>, usize) {
    c.stop.store(true, Ordering::Relaxed);
    let mut minted = BTreeMap::new();
    let mut rounds = 0;
    for t in buyer_tasks {
        let (n, m) = t.await.unwrap();
        rounds += n;
        minted.extend(m);
    }
    let letters = seller_task.await.unwrap();
    (rounds, minted, letters)
}

/// Every open refund case settles (the window is two seconds).
async fn every_open_refund_case_settles(
    store: &Store,
    refunds: &[(halfpenny::PurseId, BTreeSet<u32>)],
) {
    let waited = Instant::now();
    loop {
        let mut open = 0;
        for (purse, _) in refunds {
            let p = store.purse(purse).await.unwrap().unwrap();
            // Settled: closed, or open again for the rest of her halves.
            if matches!(p.state, PurseState::Refunding(_)) {
                open += 1;
            }
        }
        if open == 0 {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "{open} refund cases never settled"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Every request sent again now gets its first answer, byte for byte.
async fn every_request_sent_again_gets_its_first_answer(c: &Clients, sent: &[Sent]) {
    let mut first: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for s in sent {
        let known = first.entry((s.path, &s.body)).or_insert(&s.answer);
        assert_eq!(*known, s.answer, "a request sent twice got two answers");
    }
    for s in sent {
        let r = c
            .http
            .post(format!("{}{}", c.base, s.path))
            .header("content-type", "application/json")
            .body(s.body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(
            r.text().await.unwrap(),
            s.answer,
            "{}: a request sent again got another answer",
            s.path
        );
    }
}

/// No token credited twice: over every redemption answer, each token is
/// credited at most once. Returns the credits, their value and how many
/// tokens were credited twice (none).
fn no_token_is_credited_twice(sent: &[Sent]) -> (Credits, i64, usize) {
    let mut credits: Credits = BTreeMap::new();
    let mut credited_value = 0;
    let mut answers: BTreeSet<(&str, &str)> = BTreeSet::new();
    for s in sent.iter().filter(|s| s.path == "/v1/redemptions") {
        if !answers.insert((&s.body, &s.answer)) {
            continue; // the same request's answer, counted once
        }
        let v: Value = serde_json::from_str(&s.answer).unwrap();
        for l in v["lines"].as_array().unwrap() {
            if l["outcome"] == "credited" {
                *credits
                    .entry((
                        l["purse"].as_str().unwrap().to_owned(),
                        l["session"].as_u64().unwrap(),
                    ))
                    .or_insert(0) += 1;
                credited_value += l["amount_minor"].as_i64().unwrap();
            } else {
                assert_eq!(l["code"], "already_redeemed", "{v}");
            }
        }
    }
    let double_credits = credits.values().filter(|n| **n > 1).count();
    assert_eq!(double_credits, 0, "tokens credited twice: {credits:?}");
    (credits, credited_value, double_credits)
}

/// No purse half-written: every purse in the books is one a client was
/// answered for, with all its token rows; and exactly the credited tokens
/// are redeemed. Returns the value refunded and the value still open.
async fn no_purse_is_half_written(
    store: &Store,
    minted: &BTreeMap<halfpenny::PurseId, usize>,
    refunds: &[(halfpenny::PurseId, BTreeSet<u32>)],
    credits: &Credits,
) -> (i64, i64) {
    let counts = store.row_counts().await.unwrap();
    let rows = |name: &str| counts.iter().find(|(t, _)| t == name).unwrap().1;
    assert_eq!(
        rows("purses") as usize,
        minted.len(),
        "a purse without an answer"
    );
    assert_eq!(
        rows("tokens") as usize,
        minted.values().sum::<usize>(),
        "a purse with missing tokens"
    );
    let mut redeemed = BTreeSet::new();
    let (mut refunded_value, mut open_value) = (0i64, 0i64);
    let refunded_sessions: BTreeMap<_, _> = refunds.iter().cloned().collect();
    for (id, n) in minted {
        let p = store.purse(id).await.unwrap().expect("every minted purse");
        assert_eq!(p.tokens.len(), *n, "purse {} half-written", id.to_hex());
        for (session, t) in &p.tokens {
            let value = t.kind.value().map_or(0, |v| v.minor() as i64);
            match t.status {
                TokenStatus::Redeemed => {
                    redeemed.insert((id.to_hex(), u64::from(session.0)));
                }
                TokenStatus::Refunded => {
                    assert!(refunded_sessions[id].contains(&session.0));
                    refunded_value += value;
                }
                TokenStatus::Outstanding => open_value += value,
                TokenStatus::ChargedBack => panic!("a chargeback: a token paid twice"),
            }
        }
    }
    assert_eq!(
        redeemed,
        credits.keys().cloned().collect(),
        "exactly the credited tokens are redeemed"
    );
    (refunded_value, open_value)
}

/// The ledger, as the operator sees it: balanced, and every cent accounted.
async fn every_cent_is_accounted_for(
    c: &Clients,
    store: &Store,
    (seller_id, buyers): (&PrivateIdentity, &[PrivateIdentity; 2]),
    minted: &BTreeMap<halfpenny::PurseId, usize>,
    (credited_value, refunded_value, open_value): (i64, i64, i64),
) {
    let totals: Value = c
        .http
        .get(format!("{}/v1/operator/totals", c.base))
        .bearer_auth(common::OPERATOR)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(totals["sum_of_balances"]["USD"], 0, "{totals}");
    assert_eq!(
        totals["outstanding"]["USD"], totals["open_token_value"]["USD"],
        "{totals}"
    );
    assert_eq!(totals["outstanding"]["USD"], open_value, "{totals}");
    let t = store.totals().await.unwrap();
    assert!(t.balanced(), "{t:?}");
    let balance = |who: KeyId| async move {
        store
            .balance(halfpenny::ledger::LedgerAccount::Customer(who), USD)
            .await
            .unwrap()
    };
    assert_eq!(balance(seller_id.id()).await, credited_value);
    let buyers_total = balance(buyers[0].id()).await + balance(buyers[1].id()).await;
    let minted_value = 14 * minted.len() as i64;
    assert_eq!(
        buyers_total,
        2_000_000 - minted_value + refunded_value,
        "the buyers paid for their purses and got back what was refunded"
    );
    assert_eq!(
        credited_value + refunded_value + open_value,
        minted_value,
        "every token minted is redeemed, refunded or still open"
    );
}
