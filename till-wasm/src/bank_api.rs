//! The bank's HTTP API as only the till uses it (see
//! bank-server/openapi.json): forwarding purse requests, redeeming and
//! handing purses back. The rest is `halfpenny_web::BankApi`.

use halfpenny::crypto::seal::SealedBox;
use halfpenny::messages::{ForwardedPurseRequest, MintResponse};
use halfpenny::wire::TextForm;
use halfpenny::{Amount, Currency};
use halfpenny_web::BankApi;
use halfpenny_web::bank_api::UNREADABLE;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct AmountView {
    currency: String,
    minor: u64,
}

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
        #[derive(Deserialize)]
        struct Reply {
            response: String,
        }
        let body = json!({ "request": request.to_text() });
        let reply: Reply = self.call("POST", "/v1/purses", Some(body)).await?;
        MintResponse::from_text(&reply.response).map_err(|_| UNREADABLE.to_owned())
    }

    async fn redeem(&self, letter: &SealedBox) -> Result<Vec<Amount>, String> {
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

    async fn take_return(&self, letter: &SealedBox) -> Result<(), String> {
        let body = json!({ "letter": letter.to_text() });
        let _: Value = self.call("POST", "/v1/returns", Some(body)).await?;
        Ok(())
    }
}
