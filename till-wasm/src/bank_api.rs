//! The bank's HTTP API as only the till uses it (see
//! bank-server/openapi.json): forwarding purse requests, redeeming and
//! handing purses back. The rest is `halfpenny_web::BankApi`.

use halfpenny::Amount;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::messages::{ForwardedPurseRequest, MintResponse};
use halfpenny::wire::TextForm;
use halfpenny_bank_api::{PurseBody, PurseReply, RedemptionReply, RefundResultView};
use halfpenny_web::BankApi;
use halfpenny_web::bank_api::{UNREADABLE, letter_body};

/// The till's own requests to the bank.
pub(crate) trait TillCalls {
    /// Forwards her sealed purse request; both sealed purses.
    async fn mint(&self, request: &ForwardedPurseRequest) -> Result<MintResponse, String>;
    /// Hands his signed, sealed redemption letter in; what was credited.
    async fn redeem(&self, letter: &SealedBox) -> Result<Vec<Amount>, String>;
    /// Hands a purse back in answer to a return request.
    async fn take_return(&self, letter: &SealedBox) -> Result<(), String>;
}

impl TillCalls for BankApi {
    async fn mint(&self, request: &ForwardedPurseRequest) -> Result<MintResponse, String> {
        let body = PurseBody {
            request: request.to_text(),
        };
        let reply: PurseReply = self.call("POST", "/v1/purses", Some(&body)).await?;
        MintResponse::from_text(&reply.response).map_err(|_| UNREADABLE.to_owned())
    }

    async fn redeem(&self, letter: &SealedBox) -> Result<Vec<Amount>, String> {
        let body = letter_body(letter);
        let reply: RedemptionReply = self.call("POST", "/v1/redemptions", Some(&body)).await?;
        reply
            .credited
            .iter()
            .map(|a| a.to_amount().map_err(|_| UNREADABLE.to_owned()))
            .collect()
    }

    async fn take_return(&self, letter: &SealedBox) -> Result<(), String> {
        let _: RefundResultView = self
            .call("POST", "/v1/returns", Some(&letter_body(letter)))
            .await?;
        Ok(())
    }
}
