//! The bank's HTTP API as only the wallet uses it (see
//! bank-server/openapi.json): her statement and her refunds. The rest is
//! `halfpenny_web::BankApi`.

use halfpenny::crypto::seal::SealedBox;
use halfpenny::wire::TextForm;
use halfpenny_web::BankApi;
use serde::Deserialize;
use serde_json::json;

/// Her balance at the bank.
#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub account: String,
    pub currency: String,
    pub balance_minor: i64,
    #[serde(default)]
    pub lines: Vec<StatementLine>,
}

/// One movement on her account, as the bank's books hold it.
#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StatementLine {
    /// `funding`, `withdrawal`, `mint`, `redemption`, `refund`, `chargeback`.
    pub kind: String,
    /// Positive when money came in.
    pub amount_minor: i64,
    /// Unix seconds.
    pub at: i64,
}

/// A refund case the bank opened.
#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RefundCase {
    pub case: String,
    /// Unix seconds: the seller must answer by then.
    pub deadline: u64,
}

/// The wallet's own requests to the bank.
pub(crate) trait WalletCalls {
    /// Her balance, from a signed statement request.
    async fn statement(&self, letter: &SealedBox) -> Result<Statement, String>;
    /// Hands her signed, sealed refund request to the bank.
    async fn refund(&self, letter: &SealedBox) -> Result<RefundCase, String>;
}

impl WalletCalls for BankApi {
    async fn statement(&self, letter: &SealedBox) -> Result<Statement, String> {
        let body = json!({ "letter": letter.to_text() });
        self.call("POST", "/v1/statements", Some(body)).await
    }

    async fn refund(&self, letter: &SealedBox) -> Result<RefundCase, String> {
        let body = json!({ "letter": letter.to_text() });
        self.call("POST", "/v1/refunds", Some(body)).await
    }
}
