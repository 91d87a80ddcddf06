//! The bank's HTTP API as both apps use it (see bank-server/openapi.json):
//! its public keys, registering an account, the inbox, and [`BankApi::call`]
//! for the requests only one app makes.

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

/// The bank at one address.
#[derive(Clone, Debug)]
pub struct BankApi {
    base: String,
}

/// A sealed letter waiting at the bank (sealed: only its owner can read it).
pub use halfpenny_bank_api::InboxLetter;

/// What the page says when the bank's answer is not what it expected.
pub const UNREADABLE: &str = "The bank's answer could not be read.";

impl BankApi {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The bank's name and public keys, checked as strictly as the shop
    /// checks them (`BankInfo::to_public`).
    pub async fn bank(&self) -> Result<BankPublic, String> {
        let info: BankInfo = self.call("GET", "/v1/bank", None::<&()>).await?;
        info.to_public().map_err(|_| UNREADABLE.to_owned())
    }

    /// Registers `who` as a buyer or as a seller with no address (a till is
    /// off-line: it reads its letters from its inbox); harmless if the bank
    /// knows `who` already. The account id.
    pub async fn register(&self, role: Role, who: &PublicIdentity) -> Result<String, String> {
        let body = RegisterBody::new(role, who, None);
        let reply: RegisterReply = self.call("POST", "/v1/accounts", Some(&body)).await?;
        Ok(reply.account)
    }

    /// The letters the bank keeps for the sender of `letter`, a signed
    /// `InboxRequest` sealed for the bank: it shows an inbox only to its owner.
    pub async fn inbox(&self, letter: &SealedBox) -> Result<Vec<InboxLetter>, String> {
        let reply: InboxReply = self
            .call("POST", "/v1/inbox", Some(&letter_body(letter)))
            .await?;
        Ok(reply.letters)
    }

    /// Sends `body` (JSON, if any) to `path` with `method` and reads the
    /// JSON answer. A refusal is the bank's own sentence; a failure to reach
    /// it or to read its answer is said plainly.
    pub async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: &str,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, String> {
        self.request(method, path, body)
            .await
            .map_err(|e| e.to_string())
    }

    /// As [`call`](Self::call), telling apart a bank out of reach, a
    /// refusal (with its status and code) and an unreadable answer.
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
