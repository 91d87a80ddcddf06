//! The bank's HTTP API as the shop calls it (see bank-server/openapi.json).
//! Every answer is read strictly; a bank that cannot be reached, refuses,
//! or answers nonsense is a typed error that names no secret.

use std::time::Duration;

use halfpenny::KeyId;
use halfpenny::bank::{BankPublic, Role};
use halfpenny::crypto::PublicIdentity;
use halfpenny_bank_api::{
    AddressReply, BankInfo, ErrorView, InboxLetter, InboxReply, LetterBody, PurseBody, PurseReply,
    RedemptionReply, RefundResultView, RegisterBody, RegisterReply,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

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

/// The bank at one address.
#[derive(Clone, Debug)]
pub struct BankClient {
    base: String,
    http: reqwest::Client,
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
        body: &impl Serialize,
    ) -> Result<T, BankCallError> {
        self.call(self.http.post(format!("{}{path}", self.base)).json(body))
            .await
    }

    /// Posts a signed letter sealed for the bank (`hps1.…`) to `path`.
    async fn letter<T: DeserializeOwned>(
        &self,
        path: &str,
        letter: &str,
    ) -> Result<T, BankCallError> {
        let body = LetterBody {
            letter: letter.to_owned(),
        };
        self.post(path, &body).await
    }

    /// The bank's name and public keys, read as strictly as the core reads
    /// anything from outside.
    pub async fn bank(&self) -> Result<BankPublic, BankCallError> {
        let info: BankInfo = self
            .call(self.http.get(format!("{}/v1/bank", self.base)))
            .await?;
        info.to_public()
            .map_err(|e| BankCallError::BadAnswer(e.what()))
    }

    /// Registers the seller (harmless if he already is); his account.
    pub async fn register(
        &self,
        who: &PublicIdentity,
        address: &str,
    ) -> Result<KeyId, BankCallError> {
        let body = RegisterBody::new(Role::Seller, who, Some(address.to_owned()));
        let reply: RegisterReply = self.post("/v1/accounts", &body).await?;
        KeyId::from_hex(&reply.account).map_err(|_| BankCallError::BadAnswer("the account"))
    }

    /// Forwards a buyer's sealed purse request; the bank's `hpm1.` answer.
    pub async fn mint(&self, request: &str) -> Result<String, BankCallError> {
        let body = PurseBody {
            request: request.to_owned(),
        };
        let reply: PurseReply = self.post("/v1/purses", &body).await?;
        Ok(reply.response)
    }

    pub async fn redeem(&self, letter: &str) -> Result<RedemptionReply, BankCallError> {
        self.letter("/v1/redemptions", letter).await
    }

    pub async fn take_return(&self, letter: &str) -> Result<RefundResultView, BankCallError> {
        self.letter("/v1/returns", letter).await
    }

    /// Tells the bank the seller's new address: `letter` is his signed
    /// `AddressChange` (`hps1.…`).
    pub async fn change_address(&self, letter: &str) -> Result<(), BankCallError> {
        let _: AddressReply = self.letter("/v1/accounts/address", letter).await?;
        Ok(())
    }

    /// Letters waiting in the sender's inbox: `letter` is his signed
    /// `InboxRequest` (`hps1.…`), which names the id to read after.
    pub async fn inbox(&self, letter: &str) -> Result<Vec<InboxLetter>, BankCallError> {
        let reply: InboxReply = self.letter("/v1/inbox", letter).await?;
        Ok(reply.letters)
    }
}
