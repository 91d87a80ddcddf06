//! A real bank server on 127.0.0.1 with a real database, and a client that
//! plays buyer and seller with the core's own wallet and till.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use bank_server::keys::BankKeys;
use bank_server::views::*;
use bank_server::{App, Settings};
use halfpenny::bank::BankPublic;
use halfpenny::crypto::PrivateIdentity;
use halfpenny::crypto::ed25519::Ed25519Key;
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::letter::{self, LetterKind};
use halfpenny::messages::{
    AuthorizationOrder, CaseRequest, Denomination, ForwardedPurseRequest, InboxRequest,
    MintResponse, PaymentRequest, PurseRequest,
};
use halfpenny::till::{SellerPurse, Till, VerifyPolicy};
use halfpenny::wallet::{BuyerPurse, Wallet};
use halfpenny::wire::{Decode, Encode, TextForm};
use halfpenny::{Amount, BankId, Currency, KeyId, Nonce, Suite, Timestamp, testing};
use halfpenny_aws_lc::{AwsLcKey, OnEveryCore};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::Value;

mod database;
pub use database::database_url;

pub const OPERATOR: &str = "test-operator-token-0123456789";
pub const USD: Currency = Currency::USD;

fn aws(der: &[u8]) -> AwsLcKey {
    AwsLcKey::from_pkcs8_der(der).unwrap()
}

pub struct Server {
    pub url: String,
    pub app: Arc<App>,
    pub http: reqwest::Client,
    pub bank: BankPublic,
    /// The database this server keeps its books in.
    pub database: String,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// A bank minting `suite` tokens, with a 72-hour return window.
    pub async fn start(suite: Suite) -> Server {
        Self::start_with(72 * 3600, suite).await
    }

    pub async fn start_with(return_window_secs: u64, suite: Suite) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let url = database_url(&dir).await;
        Self::start_on(url, return_window_secs, suite, Some(dir), true).await
    }

    /// A bank as it runs by default: sellers' addresses inside its own
    /// network (127.0.0.1 among them) are refused and never called. The
    /// others allow them, since their sellers listen on 127.0.0.1.
    pub async fn start_strict() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let url = database_url(&dir).await;
        Self::start_on(url, 72 * 3600, Suite::Rsa2048Sha256, Some(dir), false).await
    }

    /// A second bank process sharing this one's database (and keys).
    pub async fn start_beside(&self) -> Server {
        let config = &self.app.bank.config;
        Self::start_on(
            self.database.clone(),
            config.return_window_secs,
            config.default_suite,
            None,
            self.app.allow_private_addresses,
        )
        .await
    }

    async fn start_on(
        url: String,
        return_window_secs: u64,
        suite: Suite,
        dir: Option<tempfile::TempDir>,
        allow_private_addresses: bool,
    ) -> Server {
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
        let settings = Settings {
            bank_id: BankId::new("demo-bank").unwrap(),
            database_url: url.clone(),
            operator_token: Some(zeroize::Zeroizing::new(OPERATOR.to_owned())),
            return_window_secs,
            default_suite: suite,
            allow_private_addresses,
            retention: bank_server::retention::Retention::default(),
        };
        let app = bank_server::build(settings, keys).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = bank_server::api::router(app.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let bank = app.bank.public();
        Server {
            url: format!("http://{addr}"),
            app,
            http: reqwest::Client::new(),
            bank,
            database: url,
            _dir: dir,
        }
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        answer(self.http.post(format!("{}{path}", self.url)).json(body)).await
    }

    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> (u16, Value) {
        answer(
            self.http
                .post(format!("{}{path}", self.url))
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    pub async fn operator(&self, path: &str, body: &Value) -> (u16, Value) {
        answer(
            self.http
                .post(format!("{}{path}", self.url))
                .bearer_auth(OPERATOR)
                .json(body),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        answer(
            self.http
                .get(format!("{}{path}", self.url))
                .bearer_auth(OPERATOR),
        )
        .await
    }

    pub async fn register(&self, who: &PrivateIdentity, role: &str) -> String {
        self.register_at(
            who,
            role,
            (role == "seller").then_some("http://127.0.0.1:9/halfpenny"),
        )
        .await
    }

    pub async fn register_at(
        &self,
        who: &PrivateIdentity,
        role: &str,
        address: Option<&str>,
    ) -> String {
        let p = who.public();
        let mut body = serde_json::json!({ "role": role, "signing_key": key_text(&p.signing), "sealing_key": key_text(&p.sealing) });
        if let Some(a) = address {
            body["address"] = a.into();
        }
        let (status, reply) = self.post("/v1/accounts", &body).await;
        assert!(status == 201 || status == 200, "{status} {reply}");
        reply["account"].as_str().unwrap().to_owned()
    }

    pub async fn fund(&self, account: &str, minor: u64, key: &str) -> i64 {
        let (status, reply) = self
            .operator("/v1/operator/fund", &serde_json::json!({ "account": account, "amount_minor": minor, "currency": "USD", "idempotency_key": key }))
            .await;
        assert_eq!(status, 200, "{reply}");
        reply["balance_minor"].as_i64().unwrap()
    }

    /// Balance of a customer, straight from the books.
    pub async fn balance(&self, who: KeyId) -> i64 {
        self.app
            .store
            .balance(halfpenny::ledger::LedgerAccount::Customer(who), USD)
            .await
            .unwrap()
    }

    /// The totals check: balanced, and the figures.
    pub async fn totals(&self) -> bank_server::store::Totals {
        let t = self.app.store.totals().await.unwrap();
        assert!(t.balanced(), "books out of balance: {t:?}");
        t
    }

    pub fn now(&self) -> Timestamp {
        self.app.now()
    }
}

/// A buyer or seller with the core's wallet or till, talking to a real bank.
pub struct Party {
    pub identity: PrivateIdentity,
    pub account: String,
    pub rng: ChaCha20Rng,
}

impl Party {
    pub async fn new(server: &Server, identity: PrivateIdentity, role: &str, seed: u64) -> Party {
        let account = server.register(&identity, role).await;
        Party {
            identity,
            account,
            rng: ChaCha20Rng::seed_from_u64(seed),
        }
    }

    pub fn id(&self) -> KeyId {
        self.identity.id()
    }

    pub fn wallet(&self, server: &Server) -> Wallet {
        Wallet::new(server.bank.clone(), &RustCrypto).unwrap()
    }

    pub fn till(&self, server: &Server) -> Till {
        Till::new(
            self.id(),
            server.bank.clone(),
            &RustCrypto,
            VerifyPolicy::All,
        )
        .unwrap()
    }

    /// A sealed letter to the bank, as text.
    pub fn letter(&mut self, server: &Server, kind: LetterKind, body: &impl Encode) -> String {
        let (sealed, _) = letter::send(
            kind,
            body,
            self.identity.signing.as_ref(),
            &server.bank.identity,
            server.now(),
            &mut self.rng,
        )
        .unwrap();
        sealed.to_text()
    }
}

impl Party {
    /// Reads her own inbox after the letter with id `after`, by a signed request.
    pub async fn inbox(&mut self, server: &Server, after: u64) -> (u16, Value) {
        let letter = self.letter(server, LetterKind::InboxRequest, &InboxRequest { after });
        server
            .post("/v1/inbox", &serde_json::json!({ "letter": letter }))
            .await
    }

    /// The letters in her inbox (all of them), which must be readable.
    pub async fn letters(&mut self, server: &Server) -> Vec<Value> {
        let (status, reply) = self.inbox(server, 0).await;
        assert_eq!(status, 200, "{reply}");
        reply["letters"].as_array().unwrap().clone()
    }

    /// The seller opens the bank's return request (`letter`, a line of his
    /// inbox), checks it is for `case`, and hands in his purse and the tokens
    /// he has not redeemed: the bank's answer.
    pub async fn hand_in(
        &mut self,
        server: &Server,
        letter: &Value,
        case: &str,
        purse: &SellerPurse,
        unredeemed: Vec<halfpenny::messages::SpentToken>,
    ) -> (u16, Value) {
        let sealed =
            halfpenny::crypto::seal::SealedBox::from_text(letter["letter"].as_str().unwrap())
                .unwrap();
        let till = self.till(server);
        let ask: halfpenny::messages::ReturnRequest = till
            .open_from_bank(
                &self.identity,
                &sealed,
                LetterKind::ReturnRequest,
                server.now(),
            )
            .unwrap();
        assert_eq!(ask.case.to_hex(), case);
        let answer = till
            .answer_return(
                &self.identity,
                &ask,
                purse,
                unredeemed,
                server.now(),
                &mut self.rng,
            )
            .unwrap();
        server
            .post(
                "/v1/returns",
                &serde_json::json!({ "letter": answer.to_text() }),
            )
            .await
    }

    /// Asks where a refund case stands, by a signed request.
    pub async fn case(&mut self, server: &Server, case: &str) -> (u16, Value) {
        let case = halfpenny::CaseId::from_hex(case).unwrap();
        let letter = self.letter(server, LetterKind::CaseRequest, &CaseRequest { case });
        server
            .post("/v1/cases", &serde_json::json!({ "letter": letter }))
            .await
    }
}

/// The buyer asks for a purse through the seller; returns both sides.
pub async fn buy_purse(
    server: &Server,
    buyer: &mut Party,
    seller: &Party,
    money: &[(u64, u32)],
    auth: Vec<AuthorizationOrder>,
) -> Result<(SellerPurse, BuyerPurse), (u16, Value)> {
    let fwd = purse_request(server, buyer, seller, money, auth);
    let (status, reply) = server
        .post(
            "/v1/purses",
            &serde_json::json!({ "request": fwd.to_text() }),
        )
        .await;
    if status != 200 {
        return Err((status, reply));
    }
    Ok(open_purses(server, buyer, seller, &reply))
}

pub fn purse_request(
    server: &Server,
    buyer: &mut Party,
    seller: &Party,
    money: &[(u64, u32)],
    auth: Vec<AuthorizationOrder>,
) -> ForwardedPurseRequest {
    purse_request_in(server, buyer, seller, money, auth, None)
}

/// A purse request that asks for a token suite (none: the bank's default).
pub fn purse_request_in(
    server: &Server,
    buyer: &mut Party,
    seller: &Party,
    money: &[(u64, u32)],
    auth: Vec<AuthorizationOrder>,
    suite: Option<Suite>,
) -> ForwardedPurseRequest {
    let wallet = buyer.wallet(server);
    let body = PurseRequest {
        seller: seller.id(),
        currency: USD,
        money: Denomination::list(money),
        authorizations: auth,
        suite,
    };
    wallet
        .request_purse(&buyer.identity, &body, server.now(), &mut buyer.rng)
        .unwrap()
        .0
}

/// The suites of a purse's tokens, found by joining every pair of halves.
pub fn token_suites(sp: &SellerPurse, bp: &BuyerPurse) -> std::collections::BTreeSet<Suite> {
    sp.halves
        .iter()
        .map(|(session, mine)| {
            let joined = halfpenny::split::join(&[&mine.share, &bp.halves[session].share]).unwrap();
            halfpenny::SignedToken::from_bytes(&joined)
                .unwrap()
                .token
                .suite
        })
        .collect()
}

pub fn open_purses(
    server: &Server,
    buyer: &Party,
    seller: &Party,
    reply: &Value,
) -> (SellerPurse, BuyerPurse) {
    let response = MintResponse::from_text(reply["response"].as_str().unwrap()).unwrap();
    let sp = seller
        .till(server)
        .receive_purse(&seller.identity, &response.seller_purse, server.now())
        .unwrap();
    let bp = buyer
        .wallet(server)
        .receive_purse(&buyer.identity, &response.buyer_purse, server.now())
        .unwrap();
    (sp, bp)
}

/// The buyer pays `price` at the seller's till (off-line); returns the tokens the seller keeps.
pub fn pay(
    server: &Server,
    buyer: &mut Party,
    seller: &mut Party,
    sp: &mut SellerPurse,
    bp: &mut BuyerPurse,
    price: u64,
) -> Vec<halfpenny::messages::SpentToken> {
    let request = PaymentRequest {
        seller: seller.id(),
        payment: Nonce::random(&mut seller.rng),
        item: "article".into(),
        price: Amount::new(price, USD),
        requires: None,
        expires_at: server.now().plus(600),
    };
    let prepared = buyer
        .wallet(server)
        .prepare_payment(bp, &request, server.now())
        .unwrap();
    assert!(bp.mark_pending(&prepared.payment));
    let accepted = seller
        .till(server)
        .accept(
            &request,
            &prepared.payment,
            sp,
            server.now(),
            &mut seller.rng,
        )
        .unwrap();
    assert!(sp.apply(&accepted));
    bp.settle(&accepted.receipt).unwrap();
    accepted.tokens
}

/// A seller's address on 127.0.0.1 that records what the bank posts to it.
pub async fn seller_address() -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<bank_server::service::Notice>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let router = axum::Router::new().route(
        "/halfpenny",
        axum::routing::post(
            move |axum::Json(n): axum::Json<bank_server::service::Notice>| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(n);
                    axum::http::StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/halfpenny"), rx)
}

/// Sends a request and reads the status and the JSON body.
pub async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}
