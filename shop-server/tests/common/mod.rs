//! Real parts on 127.0.0.1: a real bank server (its own library, a SQLite
//! file in a temporary folder) that can be stopped and started again on the
//! same address, a real shop server (its SQLite file, its keys), and a buyer
//! driven by the real wallet keeper.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bank_server::keys::BankKeys;
use halfpenny::crypto::PrivateIdentity;
use halfpenny::crypto::ed25519::Ed25519Key;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::ledger::LedgerAccount;
use halfpenny::messages::{AuthorizationOrder, Denomination, PaymentRequest, PurseRequest};
use halfpenny::till::VerifyPolicy;
use halfpenny::wire::TextForm;
use halfpenny::{BankId, Currency, KeyId, PurseId, Suite, Timestamp, testing};
use halfpenny_aws_lc::{AwsLcKey, OnEveryCore};
use halfpenny_store::MemoryStore;
use halfpenny_wallet::Keeper;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};
use shop_server::api::Pages;
use shop_server::catalog::Catalog;
use tokio::sync::oneshot;

// The bank's test database, SQLite or PostgreSQL (as the bank's tests choose).
#[path = "../../../bank-server/tests/common/database.rs"]
mod database;
use database::database_url;

pub const BANK_OPERATOR: &str = "bank-operator-token-0123456789";
pub const SHOP_OPERATOR: &str = "shop-operator-token-9876543210";
pub const USD: Currency = Currency::USD;

pub fn now() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
}

/// Sends a request and reads the status and the JSON body.
pub async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Sends a request and reads the status and the body's exact text.
pub async fn answer_text(request: reqwest::RequestBuilder) -> (u16, String) {
    let r = request.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn aws(der: &[u8]) -> AwsLcKey {
    AwsLcKey::from_pkcs8_der(der).unwrap()
}

/// A real bank server that can be stopped and started again on its address.
pub struct Bank {
    pub url: String,
    pub addr: SocketAddr,
    pub app: Arc<bank_server::App>,
    pub http: reqwest::Client,
    database: String,
    suite: Suite,
    stop: Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
    _dir: tempfile::TempDir,
}

async fn bank_app(database: &str, suite: Suite) -> Arc<bank_server::App> {
    let keys = BankKeys {
        tokens: vec![
            Box::new(aws(testing::BANK_TOKEN)),
            Box::new(OnEveryCore(
                Ed25519Key::from_pkcs8_der(testing::BANK_TOKEN_ED25519).unwrap(),
            )),
        ],
        identity: PrivateIdentity {
            signing: Box::new(aws(testing::BANK_SIGNING)),
            sealing: Box::new(aws(testing::BANK_SEALING)),
        },
    };
    let settings = bank_server::Settings {
        bank_id: BankId::new("demo-bank").unwrap(),
        database_url: database.to_owned(),
        operator_token: Some(zeroize::Zeroizing::new(BANK_OPERATOR.to_owned())),
        return_window_secs: 72 * 3600,
        default_suite: suite,
        // The shops under test listen on 127.0.0.1.
        allow_private_addresses: true,
        retention: bank_server::retention::Retention::default(),
    };
    bank_server::build(settings, keys).await.unwrap()
}

async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    (tx, task)
}

impl Bank {
    /// A bank minting `suite` tokens by default, on a SQLite file or, when
    /// `HALFPENNY_TEST_POSTGRES` names a server, on PostgreSQL.
    pub async fn start(suite: Suite) -> Bank {
        let dir = tempfile::tempdir().unwrap();
        let database = database_url(&dir).await;
        let app = bank_app(&database, suite).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = serve(listener, bank_server::api::router(app.clone())).await;
        Bank {
            url: format!("http://{addr}"),
            addr,
            app,
            http: reqwest::Client::new(),
            database,
            suite,
            stop: Some(stop),
            _dir: dir,
        }
    }

    /// Stops serving: every connection is closed and the port refuses.
    pub async fn stop(&mut self) {
        if let Some((tx, task)) = self.stop.take() {
            let _ = tx.send(());
            task.await.unwrap();
        }
        assert!(
            tokio::net::TcpStream::connect(self.addr).await.is_err(),
            "the bank is down"
        );
    }

    /// Starts again on the same address with the same books.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.app = bank_app(&self.database, self.suite).await;
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.stop = Some(serve(listener, bank_server::api::router(self.app.clone())).await);
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        answer(self.http.post(format!("{}{path}", self.url)).json(body)).await
    }

    pub async fn operator(&self, path: &str, body: &Value) -> (u16, Value) {
        answer(
            self.http
                .post(format!("{}{path}", self.url))
                .bearer_auth(BANK_OPERATOR)
                .json(body),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        answer(self.http.get(format!("{}{path}", self.url))).await
    }

    pub async fn fund(&self, account: KeyId, minor: u64) {
        let (status, reply) = self
            .operator("/v1/operator/fund", &json!({ "account": account.to_hex(), "amount_minor": minor, "currency": "USD", "idempotency_key": format!("fund-{}", account.to_hex()) }))
            .await;
        assert_eq!(status, 200, "{reply}");
    }

    /// A customer's balance, straight from the books.
    pub async fn balance(&self, who: KeyId) -> i64 {
        self.app
            .store
            .balance(LedgerAccount::Customer(who), USD)
            .await
            .unwrap()
    }

    /// The books balance; what is outstanding.
    pub async fn check_books(&self) -> bank_server::store::Totals {
        let t = self.app.store.totals().await.unwrap();
        assert!(t.balanced(), "books out of balance: {t:?}");
        t
    }
}

/// A real shop server over a data folder that outlives it.
pub struct Shop {
    pub url: String,
    pub app: Arc<shop_server::App>,
    pub http: reqwest::Client,
    pub data: PathBuf,
    stop: Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
}

pub struct ShopOptions {
    pub data: PathBuf,
    /// `None`: the shop's own address (notices reach it).
    pub notice_address: Option<String>,
    pub operator_token: Option<&'static str>,
    pub pages: Pages,
    /// `None`: the bank's own address (a recording proxy may stand between).
    pub bank_url: Option<String>,
    /// `None`: the demo newspaper.
    pub catalog: Option<Catalog>,
}

impl ShopOptions {
    pub fn new(data: PathBuf) -> Self {
        Self {
            data,
            notice_address: None,
            operator_token: Some(SHOP_OPERATOR),
            pages: Pages::default(),
            bank_url: None,
            catalog: None,
        }
    }
}

impl Shop {
    pub async fn start(bank: &Bank, data: &tempfile::TempDir) -> Shop {
        Self::start_with(bank, ShopOptions::new(data.path().join("shop"))).await
    }

    pub async fn start_with(bank: &Bank, o: ShopOptions) -> Shop {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let settings = shop_server::Settings {
            bank_url: o.bank_url.unwrap_or_else(|| bank.url.clone()),
            data_dir: o.data.clone(),
            wallet_url: format!("{}/wallet/", bank.url),
            notice_address: o
                .notice_address
                .unwrap_or_else(|| format!("http://{addr}/shop/v1/bank-notices")),
            catalog: o.catalog.unwrap_or_else(Catalog::demo),
            verify: VerifyPolicy::All,
            operator_token: o
                .operator_token
                .map(|t| zeroize::Zeroizing::new(t.to_owned())),
            bank_wait: Duration::from_secs(5),
        };
        let app = shop_server::build(settings).await.unwrap();
        let stop = serve(listener, shop_server::api::router(app.clone(), o.pages)).await;
        Shop {
            url: format!("http://{addr}"),
            app,
            http: reqwest::Client::new(),
            data: o.data,
            stop: Some(stop),
        }
    }

    pub async fn stop(&mut self) {
        if let Some((tx, task)) = self.stop.take() {
            let _ = tx.send(());
            task.await.unwrap();
        }
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        answer(self.http.post(format!("{}{path}", self.url)).json(body)).await
    }

    pub async fn post_text(&self, path: &str, body: &Value) -> (u16, String) {
        answer_text(self.http.post(format!("{}{path}", self.url)).json(body)).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        answer(self.http.get(format!("{}{path}", self.url))).await
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        answer_text(self.http.get(format!("{}{path}", self.url))).await
    }

    /// An item, with an access token or without.
    pub async fn article(&self, item: &str, access: Option<&str>) -> (u16, Value) {
        let mut r = self.http.get(format!("{}/articles/{item}", self.url));
        if let Some(a) = access {
            r = r.header("authorization", format!("Halfpenny {a}"));
        }
        answer(r).await
    }

    pub async fn operator_post(&self, path: &str) -> (u16, Value) {
        answer(
            self.http
                .post(format!("{}{path}", self.url))
                .bearer_auth(SHOP_OPERATOR),
        )
        .await
    }

    pub async fn redeem(&self) -> Value {
        let (status, reply) = self.operator_post("/shop/v1/operator/redeem").await;
        assert_eq!(status, 200, "{reply}");
        reply
    }

    pub async fn summary(&self) -> Value {
        let (status, reply) = answer(
            self.http
                .get(format!("{}/shop/v1/operator/summary", self.url))
                .bearer_auth(SHOP_OPERATOR),
        )
        .await;
        assert_eq!(status, 200, "{reply}");
        reply
    }

    /// The seller's takings not yet redeemed and his redeemed total, in US cents.
    pub async fn totals(&self) -> (u64, u64) {
        let s = self.summary().await;
        let sum = |key: &str, field: &str| {
            s[key]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["currency"] == "USD")
                .map(|a| a[field].as_u64().unwrap())
                .sum::<u64>()
        };
        (sum("takings", "minor"), sum("redeemed", "minor"))
    }

    /// An offer for an item: the payment request in it, and the whole answer.
    pub async fn offer(&self, item: &str) -> (PaymentRequest, Value) {
        let (status, reply) = self.post("/shop/v1/offers", &json!({ "item": item })).await;
        assert_eq!(status, 200, "{reply}");
        let request = PaymentRequest::from_text(reply["request"].as_str().unwrap()).unwrap();
        (request, reply)
    }

    pub fn seller(&self) -> KeyId {
        self.app.seller()
    }
}

/// A buyer: her keeper (wallet) on a memory store, registered at the bank.
pub struct Buyer {
    pub keeper: Keeper<MemoryStore>,
    pub rng: ChaCha20Rng,
}

impl Buyer {
    /// Where a refund case of hers stands, asked by a signed request.
    pub async fn case(&mut self, bank: &Bank, case: &str) -> Value {
        let case = halfpenny::CaseId::from_hex(case).unwrap();
        let letter = self
            .keeper
            .case_request(case, bank.app.now(), &mut self.rng)
            .unwrap();
        let (status, reply) = bank
            .post("/v1/cases", &json!({ "letter": letter.to_text() }))
            .await;
        assert_eq!(status, 200, "{reply}");
        reply
    }

    /// The letters waiting in her inbox at the bank, asked by a signed request.
    pub async fn inbox(&mut self, bank: &Bank) -> Vec<Value> {
        let letter = self
            .keeper
            .inbox_request(0, bank.app.now(), &mut self.rng)
            .unwrap();
        let (status, reply) = bank
            .post("/v1/inbox", &json!({ "letter": letter.to_text() }))
            .await;
        assert_eq!(status, 200, "{reply}");
        reply["letters"].as_array().unwrap().clone()
    }

    pub async fn new(bank: &Bank, seed: u64) -> Buyer {
        let keys = (testing::BUYER_SIGNING, testing::BUYER_SEALING);
        let (buyer, (status, reply)) = Buyer::with_keys(bank, &bank.url, keys, seed).await;
        assert!(status == 201 || status == 200, "{reply}");
        buyer
    }

    /// A buyer with the keys `(signing, sealing)` (PKCS#8 DER), registered at
    /// the bank through `register_at` (its address, or a proxy in front of
    /// it): the buyer and the registration's answer.
    pub async fn with_keys(
        bank: &Bank,
        register_at: &str,
        keys: (&[u8], &[u8]),
        seed: u64,
    ) -> (Buyer, (u16, Value)) {
        let keeper = Keeper::create_with(
            MemoryStore::new(),
            &testing::key(keys.0),
            &testing::key(keys.1),
            bank.url.clone(),
            bank.app.bank.public(),
            now(),
        )
        .await
        .unwrap();
        let p = keeper.public();
        let registered = answer(
            bank.http
                .post(format!("{register_at}/v1/accounts"))
                .json(&json!({ "role": "buyer", "signing_key": p.signing.to_base64url(), "sealing_key": p.sealing.to_base64url() })),
        )
        .await;
        let buyer = Buyer {
            keeper,
            rng: ChaCha20Rng::seed_from_u64(seed),
        };
        (buyer, registered)
    }

    pub fn id(&self) -> KeyId {
        self.keeper.public().id()
    }

    /// Buys a purse through the shop: the shop forwards her sealed request
    /// and hands her purse back.
    pub async fn buy_purse(
        &mut self,
        shop: &Shop,
        money: &[(u64, u32)],
        auth: Vec<AuthorizationOrder>,
        suite: Suite,
    ) -> PurseId {
        let body = PurseRequest {
            seller: shop.seller(),
            currency: USD,
            money: Denomination::list(money),
            authorizations: auth,
            suite: Some(suite),
        };
        let fwd = self
            .keeper
            .request_purse(&body, now(), &mut self.rng)
            .unwrap();
        let (status, reply) = shop
            .post("/shop/v1/purses", &json!({ "request": fwd.to_text() }))
            .await;
        assert_eq!(status, 200, "{reply}");
        let sealed = SealedBox::from_text(reply["purse"].as_str().unwrap()).unwrap();
        self.keeper.receive_purse(&sealed, now()).await.unwrap().id
    }

    /// What her purses hold: (available, pending), in cents.
    pub async fn holds(&self) -> (u64, u64) {
        let s = self.keeper.summaries().await.unwrap();
        (
            s.iter().map(|p| p.available.minor()).sum(),
            s.iter().map(|p| p.pending.minor()).sum(),
        )
    }

    /// Pays for an item at the shop and settles; the shop's answer.
    pub async fn buy(&mut self, shop: &Shop, item: &str) -> Value {
        let (request, _) = shop.offer(item).await;
        let prepared = self.keeper.pay(&request, now()).await.unwrap();
        let (status, reply) = shop
            .post(
                "/shop/v1/payments",
                &json!({ "payment": prepared.payment.to_text() }),
            )
            .await;
        assert_eq!(status, 200, "{reply}");
        let receipt =
            halfpenny::messages::Receipt::from_text(reply["receipt"].as_str().unwrap()).unwrap();
        assert_eq!(receipt.item, item);
        self.keeper.settle(&receipt, now()).await.unwrap();
        reply
    }
}

/// Waits until `check` holds, for up to ten seconds.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}
