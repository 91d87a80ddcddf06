//! The bank's HTTP API as both apps use it (see bank-server/openapi.json):
//! its public keys, registering an account, the inbox, and [`BankApi::call`]
//! for the requests only one app makes.

use halfpenny::bank::{BankPublic, Role};
use halfpenny::crypto::seal::SealedBox;
use halfpenny::crypto::{PublicIdentity, PublicKey};
use halfpenny::wire::TextForm;
use halfpenny::{BankId, Suite, TokenKeys};
use serde::Deserialize;
use serde_json::{Value, json};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The bank at one address.
#[derive(Clone, Debug)]
pub struct BankApi {
    base: String,
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
    key: String,
}

/// A sealed letter waiting at the bank (sealed: only its owner can read it).
#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct InboxLetter {
    pub kind: String,
    pub letter: String,
}

/// What the page says when the bank's answer is not what it expected.
pub const UNREADABLE: &str = "The bank's answer could not be read.";

fn key(text: &str) -> Result<PublicKey, String> {
    PublicKey::from_base64url(text).map_err(|_| UNREADABLE.to_owned())
}

impl BankApi {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The bank's name and public keys.
    pub async fn bank(&self) -> Result<BankPublic, String> {
        let info: BankInfo = self.call("GET", "/v1/bank", None).await?;
        let token_keys = info
            .token_keys
            .iter()
            .map(|k| key(&k.key))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(BankPublic {
            id: BankId::new(&info.id).map_err(|_| UNREADABLE.to_owned())?,
            identity: PublicIdentity {
                signing: key(&info.signing_key)?,
                sealing: key(&info.sealing_key)?,
            },
            token_keys: TokenKeys::new(token_keys).map_err(|_| UNREADABLE.to_owned())?,
            default_suite: info
                .default_suite
                .parse::<Suite>()
                .map_err(|_| UNREADABLE.to_owned())?,
        })
    }

    /// Registers `who` as a buyer or as a seller with no address (a till is
    /// off-line: it reads its letters from its inbox); harmless if the bank
    /// knows `who` already. The account id.
    pub async fn register(&self, role: Role, who: &PublicIdentity) -> Result<String, String> {
        #[derive(Deserialize)]
        struct Reply {
            account: String,
        }
        let role = match role {
            Role::Buyer => "buyer",
            Role::Seller => "seller",
        };
        let body = json!({
            "role": role,
            "signing_key": who.signing.to_base64url(),
            "sealing_key": who.sealing.to_base64url(),
        });
        let reply: Reply = self.call("POST", "/v1/accounts", Some(body)).await?;
        Ok(reply.account)
    }

    /// The letters the bank keeps for the sender of `letter`, a signed
    /// `InboxRequest` sealed for the bank: it shows an inbox only to its owner.
    pub async fn inbox(&self, letter: &SealedBox) -> Result<Vec<InboxLetter>, String> {
        #[derive(Deserialize)]
        struct Reply {
            letters: Vec<InboxLetter>,
        }
        let body = json!({ "letter": letter.to_text() });
        let reply: Reply = self.call("POST", "/v1/inbox", Some(body)).await?;
        Ok(reply.letters)
    }

    /// Sends `body` (JSON, if any) to `path` with `method` and reads the
    /// JSON answer. A refusal is the bank's own sentence; a failure to reach
    /// it or to read its answer is said plainly.
    pub async fn call<T: for<'de> Deserialize<'de>>(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, String> {
        self.request(method, path, body)
            .await
            .map_err(|e| e.to_string())
    }

    /// As [`call`](Self::call), telling apart a bank out of reach, a
    /// refusal (with its status and code) and an unreadable answer.
    pub async fn request<T: for<'de> Deserialize<'de>>(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, CallError> {
        let unreachable = |_: JsValue| CallError::Unreachable;
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        if let Some(b) = &body {
            init.set_body(&JsValue::from_str(&b.to_string()));
            let headers = web_sys::Headers::new().map_err(unreachable)?;
            headers
                .set("content-type", "application/json")
                .map_err(unreachable)?;
            init.set_headers(&headers);
        }
        let request =
            web_sys::Request::new_with_str_and_init(&format!("{}{path}", self.base), &init)
                .map_err(unreachable)?;
        let window = web_sys::window().ok_or(CallError::Unreachable)?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(unreachable)?
            .dyn_into()
            .map_err(unreachable)?;
        let text = JsFuture::from(response.text().map_err(unreachable)?)
            .await
            .map_err(unreachable)?
            .as_string()
            .unwrap_or_default();
        if !response.ok() {
            // Every bank error is {"error": {"code", "message"}}.
            let error = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("error").cloned());
            let field = |name: &str| {
                error
                    .as_ref()
                    .and_then(|e| e.get(name)?.as_str().map(|s| s.chars().take(300).collect()))
            };
            return Err(CallError::Refused {
                status: response.status(),
                code: field("code").unwrap_or_default(),
                message: field("message")
                    .unwrap_or_else(|| "The bank refused the request.".to_owned()),
            });
        }
        serde_json::from_str(&text).map_err(|_| CallError::Unreadable)
    }
}

/// Why a request to the bank got no answer to use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("The bank cannot be reached right now.")]
    Unreachable,
    /// The bank's own sentence.
    #[error("{message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("{UNREADABLE}")]
    Unreadable,
}
