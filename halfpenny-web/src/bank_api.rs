//! The bank's HTTP API as both apps use it (see bank-server/openapi.json):
//! its public keys, registering an account, the inbox, and
//! [`BankApi::request`] for the requests only one app makes. Every call
//! fails with a [`CallError`] that carries what the bank answered; each
//! page words it in its own view.

use halfpenny::bank::{BankPublic, Role};
use halfpenny::crypto::PublicIdentity;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::wire::TextForm;
use halfpenny_bank_api::{
    BankInfo, ErrorView, InboxReply, LetterBody, RegisterBody, RegisterReply,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub use crate::error::{CallError, UNREADABLE};

/// The bank at one address.
#[derive(Clone, Debug)]
pub struct BankApi {
    base: String,
}

/// A sealed letter waiting at the bank (sealed: only its owner can read it).
pub use halfpenny_bank_api::InboxLetter;

impl BankApi {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The bank's name and public keys, checked as strictly as the shop
    /// checks them (`BankInfo::to_public`).
    pub async fn bank(&self) -> Result<BankPublic, CallError> {
        let info: BankInfo = self.request("GET", "/v1/bank", None::<&()>).await?;
        info.to_public().map_err(|_| CallError::Unreadable)
    }

    /// Registers `who` as a buyer or as a seller with no address (a till is
    /// off-line: it reads its letters from its inbox); harmless if the bank
    /// knows `who` already. The account id.
    pub async fn register(&self, role: Role, who: &PublicIdentity) -> Result<String, CallError> {
        let body = RegisterBody::new(role, who, None);
        let reply: RegisterReply = self.request("POST", "/v1/accounts", Some(&body)).await?;
        Ok(reply.account)
    }

    /// The letters the bank keeps for the sender of `letter`, a signed
    /// `InboxRequest` sealed for the bank: it shows an inbox only to its owner.
    pub async fn inbox(&self, letter: &SealedBox) -> Result<Vec<InboxLetter>, CallError> {
        let reply: InboxReply = self
            .request("POST", "/v1/inbox", Some(&letter_body(letter)))
            .await?;
        Ok(reply.letters)
    }

    /// Sends `body` (JSON, if any) to `path` with `method` and reads the
    /// JSON answer, telling apart a bank out of reach, a refusal (with its
    /// status, and its code and message as the bank sent them) and an
    /// unreadable answer.
    pub async fn request<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: &str,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, CallError> {
        let unreachable = |_: JsValue| CallError::Unreachable;
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        if let Some(b) = body {
            // The bank API's bodies are plain structs: they always serialize.
            let text = serde_json::to_string(b).map_err(|_| CallError::Unreadable)?;
            init.set_body(&JsValue::from_str(&text));
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
            let short = |s: String| s.chars().take(300).collect::<String>();
            let (code, message) = match serde_json::from_str::<ErrorView>(&text) {
                Ok(v) => (short(v.error.code), short(v.error.message)),
                Err(_) => (String::new(), "The bank refused the request.".to_owned()),
            };
            return Err(CallError::Refused {
                status: response.status(),
                code,
                message,
            });
        }
        serde_json::from_str(&text).map_err(|_| CallError::Unreadable)
    }
}

/// The body of every request that carries one signed letter.
pub fn letter_body(letter: &SealedBox) -> LetterBody {
    LetterBody {
        letter: letter.to_text(),
    }
}
