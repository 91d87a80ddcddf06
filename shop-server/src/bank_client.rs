//! The bank's HTTP API as the shop calls it (see bank-server/openapi.json).
//! Every answer is read strictly; a bank that cannot be reached, refuses,
//! or answers nonsense is a typed error that names no secret.

use std::time::Duration;

use halfpenny::bank::BankPublic;
use halfpenny::crypto::{PublicIdentity, PublicKey};
use halfpenny::{BankId, KeyId, Suite, TokenKeys};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// How long one call to the bank may take.
const TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankCallError {
    #[error("the bank cannot be reached")]
    Unreachable,
    #[error("the bank refused ({status} {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the bank's answer could not be read ({0})")]
    BadAnswer(&'static str),
}

impl BankCallError {
    /// The bank's own code, when it refused.
    pub fn bank_code(&self) -> Option<&str> {
        match self {
            BankCallError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Did the bank decide, rather than fail? A refused call (4xx) changed
    /// nothing there and will be refused again; a 5xx or no answer may be
    /// retried.
    pub fn is_final(&self) -> bool {
        matches!(self, BankCallError::Refused { status, code, .. }
            if (400..500).contains(status) && code != "busy" && code != "replay")
    }
}

#[derive(Deserialize)]
struct BankInfo {
    id: String,
    signing_key: String,
    sealing_key: String,
    token_keys: Vec<TokenKeyView>,
    default_suite: String,
}

#[derive(Deserialize)]
struct TokenKeyView {
    suite: String,
    key: String,
}

#[derive(Deserialize)]
struct ErrorView {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AmountReply {
    pub currency: String,
    pub minor: u64,
}

/// One line of the bank's answer about a token or half.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct LineReply {
    pub purse: String,
    pub session: u32,
    pub outcome: String,
    #[serde(default)]
    pub amount_minor: Option<u64>,
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct RedemptionReply {
    pub credited: Vec<AmountReply>,
    pub lines: Vec<LineReply>,
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct RefundResultReply {
    pub case: String,
    pub purse: String,
    pub settled_by: String,
    pub seller_credited: AmountReply,
    pub buyer_refunded: AmountReply,
    pub lines: Vec<LineReply>,
}

/// A letter waiting for the seller in his inbox at the bank.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Eq)]
pub struct InboxLetter {
    pub id: i64,
    pub kind: String,
    pub letter: String,
}

#[derive(Deserialize)]
struct InboxReply {
    letters: Vec<InboxLetter>,
}

/// The bank at one address.
#[derive(Clone, Debug)]
pub struct BankClient {
    base: String,
    http: reqwest::Client,
}

fn key(text: &str) -> Result<PublicKey, BankCallError> {
    PublicKey::from_base64url(text).map_err(|_| BankCallError::BadAnswer("a public key"))
}

impl BankClient {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    async fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, BankCallError> {
        let answer = request
            .send()
            .await
            .map_err(|_| BankCallError::Unreachable)?;
        let status = answer.status();
        let bytes = answer
            .bytes()
            .await
            .map_err(|_| BankCallError::Unreachable)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|_| BankCallError::BadAnswer("unexpected JSON"));
        }
        let (code, message) = match serde_json::from_slice::<ErrorView>(&bytes) {
            Ok(e) => (e.error.code, e.error.message),
            Err(_) => (
                "bank_error".to_owned(),
                format!("The bank answered {status}."),
            ),
        };
        Err(BankCallError::Refused {
            status: status.as_u16(),
            code,
            message,
        })
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> Result<T, BankCallError> {
        self.call(self.http.post(format!("{}{path}", self.base)).json(&body))
            .await
    }

    /// The bank's name and public keys, read as strictly as the core reads
    /// anything from outside.
    pub async fn bank(&self) -> Result<BankPublic, BankCallError> {
        let info: BankInfo = self
            .call(self.http.get(format!("{}/v1/bank", self.base)))
            .await?;
        let mut token_keys = Vec::with_capacity(info.token_keys.len());
        for k in &info.token_keys {
            let public = key(&k.key)?;
            let suite: Suite = k
                .suite
                .parse()
                .map_err(|_| BankCallError::BadAnswer("a token suite"))?;
            if Suite::of_key(&public) != suite {
                return Err(BankCallError::BadAnswer("a token key of another suite"));
            }
            token_keys.push(public);
        }
        let default_suite: Suite = info
            .default_suite
            .parse()
            .map_err(|_| BankCallError::BadAnswer("the default suite"))?;
        let token_keys = TokenKeys::new(token_keys)
            .map_err(|_| BankCallError::BadAnswer("two keys for one suite"))?;
        if token_keys.get(default_suite).is_none() {
            return Err(BankCallError::BadAnswer("no key for the default suite"));
        }
        Ok(BankPublic {
            id: BankId::new(&info.id).map_err(|_| BankCallError::BadAnswer("the bank id"))?,
            identity: PublicIdentity {
                signing: key(&info.signing_key)?,
                sealing: key(&info.sealing_key)?,
            },
            token_keys,
            default_suite,
        })
    }

    /// Registers the seller (harmless if he already is); his account.
    pub async fn register(
        &self,
        who: &PublicIdentity,
        address: &str,
    ) -> Result<KeyId, BankCallError> {
        #[derive(Deserialize)]
        struct Reply {
            account: String,
        }
        let reply: Reply = self
            .post(
                "/v1/accounts",
                json!({
                    "role": "seller",
                    "signing_key": who.signing.to_base64url(),
                    "sealing_key": who.sealing.to_base64url(),
                    "address": address,
                }),
            )
            .await?;
        KeyId::from_hex(&reply.account).map_err(|_| BankCallError::BadAnswer("the account"))
    }

    /// Forwards a buyer's sealed purse request; the bank's `hpm1.` answer.
    pub async fn mint(&self, request: &str) -> Result<String, BankCallError> {
        #[derive(Deserialize)]
        struct Reply {
            response: String,
        }
        let reply: Reply = self
            .post("/v1/purses", json!({ "request": request }))
            .await?;
        Ok(reply.response)
    }

    pub async fn redeem(&self, letter: &str) -> Result<RedemptionReply, BankCallError> {
        self.post("/v1/redemptions", json!({ "letter": letter }))
            .await
    }

    pub async fn take_return(&self, letter: &str) -> Result<RefundResultReply, BankCallError> {
        self.post("/v1/returns", json!({ "letter": letter })).await
    }

    /// Tells the bank the seller's new address: `letter` is his signed
    /// `AddressChange` (`hps1.…`).
    pub async fn change_address(&self, letter: &str) -> Result<(), BankCallError> {
        let _: serde_json::Value = self
            .post("/v1/accounts/address", json!({ "letter": letter }))
            .await?;
        Ok(())
    }

    /// Letters waiting in the sender's inbox: `letter` is his signed
    /// `InboxRequest` (`hps1.…`), which names the id to read after.
    pub async fn inbox(&self, letter: &str) -> Result<Vec<InboxLetter>, BankCallError> {
        let reply: InboxReply = self.post("/v1/inbox", json!({ "letter": letter })).await?;
        Ok(reply.letters)
    }
}
