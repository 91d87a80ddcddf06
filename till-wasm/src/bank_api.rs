//! The bank's HTTP API as only the till uses it (see
//! bank-server/openapi.json): forwarding purse requests, redeeming and
//! handing purses back, as the till driver's `BankLink` (`TillBank`). The
//! rest is `halfpenny_web::BankApi`.

use halfpenny::Amount;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::messages::{ForwardedPurseRequest, MintResponse};
use halfpenny::wire::TextForm;
use halfpenny_bank_api::{PurseBody, PurseReply, RedemptionReply, RefundResultView};
use halfpenny_till::flows::{BankLink, InboxLetter, LinkError};
use halfpenny_web::BankApi;
use halfpenny_web::bank_api::{CallError, UNREADABLE, letter_body};

/// The till's bank at one address.
#[derive(Clone, Debug)]
pub(crate) struct TillBank(pub BankApi);

/// A failed call as the till's flows tell them apart.
fn link(e: CallError) -> LinkError {
    match e {
        CallError::Unreachable => LinkError::NoAnswer(e.to_string()),
        CallError::Refused { code, message, .. } => LinkError::Refused { code, message },
        CallError::Unreadable => LinkError::BadAnswer(e.to_string()),
    }
}

fn unreadable() -> LinkError {
    LinkError::BadAnswer(UNREADABLE.to_owned())
}

impl BankLink for TillBank {
    async fn mint(&mut self, request: &ForwardedPurseRequest) -> Result<MintResponse, LinkError> {
        let body = PurseBody {
            request: request.to_text(),
        };
        let reply: PurseReply = self
            .0
            .request("POST", "/v1/purses", Some(&body))
            .await
            .map_err(link)?;
        MintResponse::from_text(&reply.response).map_err(|_| unreadable())
    }

    async fn redeem(&mut self, letter: &SealedBox) -> Result<Vec<Amount>, LinkError> {
        let reply: RedemptionReply = self
            .0
            .request("POST", "/v1/redemptions", Some(&letter_body(letter)))
            .await
            .map_err(link)?;
        reply
            .credited
            .iter()
            .map(|a| a.to_amount().map_err(|_| unreadable()))
            .collect()
    }

    async fn take_return(&mut self, letter: &SealedBox) -> Result<(), LinkError> {
        let _: RefundResultView = self
            .0
            .request("POST", "/v1/returns", Some(&letter_body(letter)))
            .await
            .map_err(link)?;
        Ok(())
    }

    /// His letters; one this till cannot read is left out.
    async fn inbox(&mut self, request: &SealedBox) -> Result<Vec<InboxLetter>, LinkError> {
        let letters = self
            .0
            .inbox(request)
            .await
            .map_err(|e| LinkError::NoAnswer(e.to_string()))?;
        Ok(letters
            .into_iter()
            .filter_map(|l| {
                let letter = SealedBox::from_text(&l.letter).ok()?;
                Some(InboxLetter {
                    kind: l.kind,
                    letter,
                })
            })
            .collect())
    }
}
