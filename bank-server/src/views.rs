//! The JSON bodies of the HTTP API. Binary protocol messages travel inside
//! them in their text form (`hpq1.…`, `hps1.…`), keys as base64url DER.

use halfpenny::KeyId;
use halfpenny::crypto::PublicKey;
use halfpenny::messages::{Line, Outcome, RedemptionResult, RefundResult, SettledBy};
use halfpenny::wire::WireError;
use serde::{Deserialize, Serialize};

pub use halfpenny_server_kit::error_view::{ErrorDetail, ErrorView};
pub use halfpenny_server_kit::views::AmountView;

use crate::error::ApiError;
use crate::store::{OutboxLetter, StatementLine};

pub fn key_text(k: &PublicKey) -> String {
    k.to_base64url()
}

pub fn key_from_text(field: &'static str, s: &str) -> Result<PublicKey, ApiError> {
    PublicKey::from_base64url(s).map_err(|e| {
        let what = match e {
            WireError::BadBase64 => "base64url",
            _ => "a public key",
        };
        ApiError::bad_request("bad_public_key", format!("The {field} is not {what}."))
    })
}

/// An attribute the operator records: exactly one of a date of birth
/// (`YYYY-MM-DD`) and a flag (a name an assertion can ask for).
pub fn attribute_from(
    date_of_birth: Option<String>,
    flag: Option<String>,
) -> Result<halfpenny::Attribute, ApiError> {
    use halfpenny::{Assertion, Attribute, Date};
    match (date_of_birth, flag) {
        (Some(d), None) => Date::parse(&d)
            .map(Attribute::DateOfBirth)
            .ok_or_else(|| ApiError::bad_request("bad_date", "A date is YYYY-MM-DD.")),
        (None, Some(f)) => match Assertion::parse(&f) {
            Ok(Assertion::Flag(f)) => Ok(Attribute::Flag(f)),
            _ => Err(ApiError::bad_request(
                "bad_flag",
                "A flag is 1 to 32 characters a-z, 0-9, '-' and '_'.",
            )),
        },
        _ => Err(ApiError::bad_request(
            "bad_attribute",
            "Give exactly one of a date of birth and a flag.",
        )),
    }
}

pub fn account_from_text(s: &str) -> Result<KeyId, ApiError> {
    let hex = s.strip_prefix("key_").unwrap_or(s);
    KeyId::from_hex(hex).map_err(|_| {
        ApiError::bad_request("bad_account", "An account is 64 lower-case hex digits.")
    })
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct BankInfo {
    pub id: String,
    pub signing_key: String,
    pub sealing_key: String,
    /// One key per token suite the bank signs.
    pub token_keys: Vec<TokenKeyView>,
    /// The suite of a purse whose request names none.
    pub default_suite: String,
}

/// A token-signing key: its suite (`rsa2048-sha256` or `ed25519`) and its
/// SPKI DER in base64url.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct TokenKeyView {
    pub suite: String,
    pub key: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, utoipa::ToSchema)]
pub struct RegisterBody {
    pub role: String,
    pub signing_key: String,
    pub sealing_key: String,
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct RegisterReply {
    pub account: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, utoipa::ToSchema)]
pub struct FundBody {
    pub account: String,
    pub amount_minor: u64,
    pub currency: String,
    /// `credit` (money in, the default) or `debit` (money out).
    #[serde(default)]
    pub direction: Option<String>,
    /// The same key twice moves money once: the same request again gets the
    /// first answer; the key with another account, amount, currency or
    /// direction is refused (409 `idempotency_key_reused`).
    pub idempotency_key: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct FundReply {
    pub account: String,
    pub currency: String,
    pub balance_minor: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, utoipa::ToSchema)]
pub struct AttributeBody {
    pub account: String,
    #[serde(default)]
    pub date_of_birth: Option<String>,
    #[serde(default)]
    pub flag: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, utoipa::ToSchema)]
pub struct PurseBody {
    /// The forwarded purse request (`hpq1.…`).
    pub request: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct PurseReply {
    /// Both sealed purses (`hpm1.…`), for the seller to open his and pass hers on.
    pub response: String,
}

/// The buyer's own purse of a purse request the bank answered before.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct PurseRecoveryReply {
    /// Her purse, sealed for her (`hps1.…`); never the seller's.
    pub purse: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, utoipa::ToSchema)]
pub struct LetterBody {
    /// A signed letter sealed for the bank (`hps1.…`).
    pub letter: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct LineView {
    pub purse: String,
    pub session: u32,
    /// `credited` or `refused`.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub amount_minor: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
}

impl From<&Line> for LineView {
    fn from(l: &Line) -> Self {
        let (outcome, amount_minor, code, message) = match &l.outcome {
            Outcome::Credited(a) => ("credited", Some(a.minor()), None, None),
            Outcome::Refused(r) => (
                "refused",
                None,
                Some(r.code().to_owned()),
                Some(r.sentence().to_owned()),
            ),
        };
        Self {
            purse: l.purse.to_hex(),
            session: l.session.0,
            outcome: outcome.to_owned(),
            amount_minor,
            code,
            message,
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct RedemptionReply {
    pub credited: Vec<AmountView>,
    pub lines: Vec<LineView>,
}

impl From<&RedemptionResult> for RedemptionReply {
    fn from(r: &RedemptionResult) -> Self {
        Self {
            credited: r.credited.iter().copied().map(Into::into).collect(),
            lines: r.lines.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct RefundReply {
    pub case: String,
    pub purse: String,
    /// Unix seconds: the seller must answer by then, or the bank settles without him.
    pub deadline: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct RefundResultView {
    pub case: String,
    pub purse: String,
    pub settled_by: String,
    pub seller_credited: AmountView,
    pub buyer_refunded: AmountView,
    pub lines: Vec<LineView>,
}

impl From<&RefundResult> for RefundResultView {
    fn from(r: &RefundResult) -> Self {
        Self {
            case: r.case.to_hex(),
            purse: r.purse.to_hex(),
            settled_by: match r.settled_by {
                SettledBy::SellerReturn => "seller_return",
                SettledBy::Deadline => "deadline",
            }
            .to_owned(),
            seller_credited: r.seller_credited.into(),
            buyer_refunded: r.buyer_refunded.into(),
            lines: r.lines.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct CaseView {
    pub case: String,
    pub purse: String,
    pub deadline: u64,
    pub settled: Option<String>,
}

/// A seller's address as the bank now keeps it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct AddressReply {
    pub account: String,
    /// `None` when he has no address: his letters wait in his inbox.
    pub address: Option<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct InboxReply {
    pub letters: Vec<OutboxLetter>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct StatementReply {
    pub account: String,
    pub currency: String,
    pub balance_minor: i64,
    pub lines: Vec<StatementLine>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct HealthView {
    pub status: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct SweepView {
    /// Refund cases settled by this sweep.
    pub settled: usize,
}

/// `PUT /v1/test/clock` (a bank built with `test-clock` only).
#[cfg(feature = "test-clock")]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TestClockBody {
    /// How far ahead of the system's clock the bank's runs, in seconds.
    pub ahead_secs: u64,
}

/// The bank's time after the move, in seconds since 1970.
#[cfg(feature = "test-clock")]
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TestClockView {
    pub now: u64,
}
