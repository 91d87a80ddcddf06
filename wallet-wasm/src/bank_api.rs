//! The bank's HTTP API as only the wallet uses it (see
//! bank-server/openapi.json): her statement, her refunds, her inbox and her
//! purses recovered. The rest is `halfpenny_web::BankApi`.

use halfpenny::CaseId;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::wire::TextForm;
use halfpenny_bank_api::{PurseRecoveryReply, RefundReply};
use halfpenny_wallet::flows::{BankLink, InboxLetter, LinkError};
use halfpenny_web::bank_api::letter_body;
use halfpenny_web::{BankApi, CallError};
use serde::de::DeserializeOwned;

/// Her balance at the bank, and one line per movement on her account.
pub use halfpenny_bank_api::{StatementLine, StatementReply as Statement};

/// Her bank, as the wallet's flows reach it.
#[derive(Clone, Debug)]
pub struct Bank(pub BankApi);

impl Bank {
    pub fn at(url: &str) -> Self {
        Self(BankApi::new(url))
    }

    /// Her balance, from a signed statement request.
    pub async fn statement(&self, letter: &SealedBox) -> Result<Statement, CallError> {
        self.0
            .request("POST", "/v1/statements", Some(&letter_body(letter)))
            .await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        letter: &SealedBox,
    ) -> Result<T, CallError> {
        self.0
            .request("POST", path, Some(&letter_body(letter)))
            .await
    }
}

/// A refusal the bank may answer differently later (it is busy, or broke)
/// is no answer; any other 4xx is its answer.
fn link_error(e: CallError) -> LinkError {
    match e {
        CallError::Unreachable => LinkError::NoAnswer(e.to_string()),
        CallError::Refused { status, .. } if status >= 500 || status == 429 => {
            LinkError::NoAnswer(e.to_string())
        }
        CallError::Refused { code, message, .. } => LinkError::Refused { code, message },
        CallError::Unreadable => LinkError::BadAnswer(e.to_string()),
    }
}

impl BankLink for Bank {
    async fn refund(&mut self, letter: &SealedBox) -> Result<CaseId, LinkError> {
        let reply: RefundReply = self.post("/v1/refunds", letter).await.map_err(link_error)?;
        CaseId::from_hex(&reply.case).map_err(|_| LinkError::BadAnswer("a case id".into()))
    }

    async fn inbox(&mut self, request: &SealedBox) -> Result<Vec<InboxLetter>, LinkError> {
        let letters = self
            .0
            .inbox(request)
            .await
            .map_err(|e| LinkError::NoAnswer(e.to_string()))?;
        // A letter that cannot be read is not hers to act on.
        Ok(letters
            .into_iter()
            .filter_map(|l| {
                Some(InboxLetter {
                    letter: SealedBox::from_text(&l.letter).ok()?,
                    kind: l.kind,
                })
            })
            .collect())
    }

    async fn recover_purse(&mut self, request: &SealedBox) -> Result<Option<SealedBox>, LinkError> {
        match self
            .post::<PurseRecoveryReply>("/v1/purses/recover", request)
            .await
        {
            Ok(r) => SealedBox::from_text(&r.purse)
                .map(Some)
                .map_err(|_| LinkError::BadAnswer("a purse".into())),
            // The bank minted nothing for her with that order.
            Err(CallError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(link_error(e)),
        }
    }
}
