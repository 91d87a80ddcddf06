//! The bank's HTTP API as the till uses it (see bank-server/openapi.json):
//! only to set up, to forward purse requests, and to redeem and hand back.

use halfpenny::bank::BankPublic;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::crypto::{PublicIdentity, PublicKey};
use halfpenny::messages::{ForwardedPurseRequest, MintResponse};
use halfpenny::wire::TextForm;
use halfpenny::{Amount, BankId, Currency, Suite, TokenKeys};
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

#[derive(Deserialize)]
struct AmountView {
    currency: String,
    minor: u64,
}

/// A sealed letter waiting for the seller at the bank.
#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct InboxLetter {
    pub kind: String,
    pub letter: String,
}

const UNREADABLE: &str = "The bank's answer could not be read.";

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

    /// Registers him as a seller with no address (a till is off-line: it
    /// reads its letters from its inbox); harmless if he already is.
    pub async fn register_seller(&self, who: &PublicIdentity) -> Result<String, String> {
        #[derive(Deserialize)]
        struct Reply {
            account: String,
        }
        let body = json!({
            "role": "seller",
            "signing_key": who.signing.to_base64url(),
            "sealing_key": who.sealing.to_base64url(),
        });
        let reply: Reply = self.call("POST", "/v1/accounts", Some(body)).await?;
        Ok(reply.account)
    }

    /// Forwards her sealed purse request; both sealed purses.
    pub async fn mint(&self, request: &ForwardedPurseRequest) -> Result<MintResponse, String> {
        #[derive(Deserialize)]
        struct Reply {
            response: String,
        }
        let body = json!({ "request": request.to_text() });
        let reply: Reply = self.call("POST", "/v1/purses", Some(body)).await?;
        MintResponse::from_text(&reply.response).map_err(|_| UNREADABLE.to_owned())
    }

    /// Hands his signed, sealed redemption letter in; what was credited.
    pub async fn redeem(&self, letter: &SealedBox) -> Result<Vec<Amount>, String> {
        #[derive(Deserialize)]
        struct Reply {
            credited: Vec<AmountView>,
        }
        let body = json!({ "letter": letter.to_text() });
        let reply: Reply = self.call("POST", "/v1/redemptions", Some(body)).await?;
        reply
            .credited
            .iter()
            .map(|a| {
                Currency::new(&a.currency)
                    .map(|c| Amount::new(a.minor, c))
                    .map_err(|_| UNREADABLE.to_owned())
            })
            .collect()
    }

    /// Hands a purse back in answer to a return request.
    pub async fn take_return(&self, letter: &SealedBox) -> Result<(), String> {
        let body = json!({ "letter": letter.to_text() });
        let _: Value = self.call("POST", "/v1/returns", Some(body)).await?;
        Ok(())
    }

    /// The letters the bank keeps for him (sealed: only he can read them).
    pub async fn inbox(&self, account: &str) -> Result<Vec<InboxLetter>, String> {
        #[derive(Deserialize)]
        struct Reply {
            letters: Vec<InboxLetter>,
        }
        let reply: Reply = self
            .call("GET", &format!("/v1/inbox/{account}"), None)
            .await?;
        Ok(reply.letters)
    }

    async fn call<T: for<'de> Deserialize<'de>>(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, String> {
        let unreachable = |_: JsValue| "The bank cannot be reached right now.".to_owned();
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
        let window = web_sys::window().ok_or("The page has no window.")?;
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
            // Every bank error is {"error": {"code", "message"}}: show the sentence.
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("error")?.get("message")?.as_str().map(str::to_owned));
            return Err(message.unwrap_or_else(|| "The bank refused the request.".to_owned()));
        }
        serde_json::from_str(&text).map_err(|_| UNREADABLE.to_owned())
    }
}
