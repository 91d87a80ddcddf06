//! The one place that knows HTTP status codes: every error the shop can give
//! becomes a status, a stable code and a plain sentence. Codes of the core
//! (`TillError::code`, `WireError::code`) are passed through unchanged.

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use halfpenny::SessionSerial;
use halfpenny::crypto::CryptoError;
use halfpenny::letter::LetterError;
use halfpenny::till::TillError;
use halfpenny::wire::WireError;
use halfpenny_server_kit::body::BodyError;
use halfpenny_server_kit::error_view;
use halfpenny_server_kit::operator::OperatorRefusal;
use serde_json::{Map, Value};

pub use halfpenny_server_kit::error_view::sentence;

use crate::bank_client::BankCallError;
use crate::store::StoreError;
use crate::views::SpentHalves;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub message: String,
    /// Fields shown beside `error` (the price of an item not yet paid for).
    pub extra: Map<String, Value>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            extra: Map::new(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The shop could not finish this request. Nothing was changed; try again.",
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is no such endpoint.",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "This endpoint does not take this method.",
        )
    }

    pub fn unknown_item() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_item",
            "The shop sells no such item.",
        )
    }

    /// An item not paid for (or a wrong access token): what it is and its
    /// price, for the page to show a pay button.
    pub fn payment_required(item: &crate::catalog::Item) -> Self {
        let price = item.price;
        let mut e = Self::new(
            StatusCode::PAYMENT_REQUIRED,
            "payment_required",
            format!("Pay {price} to read this."),
        );
        e.extra.insert("item".into(), item.id.clone().into());
        e.extra.insert("title".into(), item.title.clone().into());
        e.extra.insert("price_minor".into(), price.minor().into());
        e.extra
            .insert("currency".into(), price.currency().code().into());
        e.extra.insert(
            "requires".into(),
            item.requires.as_ref().map(ToString::to_string).into(),
        );
        e
    }

    /// A payment holding halves already spent: 409 `double_spend`, naming
    /// every one of them in `spent` ([`SpentHalves`]).
    pub fn double_spend(e: &TillError, spent: &[SessionSerial]) -> Self {
        let mut api = Self::new(StatusCode::CONFLICT, e.code(), sentence(e.to_string()));
        let halves = SpentHalves {
            spent: spent.iter().map(|s| s.0).collect(),
        };
        // A struct of one list always serializes to an object.
        if let Ok(Value::Object(fields)) = serde_json::to_value(halves) {
            api.extra = fields;
        }
        api
    }

    pub fn payment_unknown() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "payment_unknown",
            "The till never took this payment.",
        )
    }

    /// A payment the till is judging right now: neither taken nor unknown yet.
    pub fn payment_in_progress() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "payment_in_progress",
            "The till is still judging this payment; ask again in a moment.",
        )
    }

    pub fn unknown_offer() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_offer",
            "This shop made no such offer, or it expired long ago; ask for a new one.",
        )
    }

    pub fn purse_returned() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "purse_returned",
            "This purse was handed back to the bank for a refund; it takes no more payments.",
        )
    }

    pub fn wrong_bank(ours: &str) -> Self {
        Self::bad_request(
            "wrong_bank",
            format!("This shop takes purses of the bank {ours} only."),
        )
    }

    pub fn unknown_notice() -> Self {
        Self::bad_request(
            "unknown_notice",
            "A notice is a `return_request` or a `refund_result`.",
        )
    }

    pub fn bank_not_ready() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "bank_unreachable",
            "The bank cannot be reached; try again later.",
        )
    }

    /// The JSON body, as sent.
    pub fn body(&self) -> String {
        error_view::body(&self.code, &self.message, &self.extra)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        error_view::response(self.status, body)
    }
}

impl From<BodyError> for ApiError {
    fn from(e: BodyError) -> Self {
        let status = match e {
            BodyError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Unreadable | BodyError::BadJson(_) => StatusCode::BAD_REQUEST,
        };
        Self::new(status, e.code(), e.to_string())
    }
}

impl From<OperatorRefusal> for ApiError {
    fn from(e: OperatorRefusal) -> Self {
        let status = match e {
            OperatorRefusal::Disabled => StatusCode::FORBIDDEN,
            OperatorRefusal::Unauthorized => StatusCode::UNAUTHORIZED,
        };
        Self::new(status, e.code(), e.to_string())
    }
}

impl From<WireError> for ApiError {
    fn from(e: WireError) -> Self {
        Self::bad_request(e.code(), sentence(e.to_string()))
    }
}

impl From<LetterError> for ApiError {
    fn from(e: LetterError) -> Self {
        let status = match &e {
            LetterError::Crypto(CryptoError::BadSignature) | LetterError::WrongSender => {
                StatusCode::UNAUTHORIZED
            }
            _ => StatusCode::BAD_REQUEST,
        };
        Self::new(status, e.code(), sentence(e.to_string()))
    }
}

impl From<TillError> for ApiError {
    fn from(e: TillError) -> Self {
        use TillError::*;
        let status = match &e {
            Letter(l) => return l.clone().into(),
            NotEnough { .. } | MissingAuthorization(_) => StatusCode::PAYMENT_REQUIRED,
            AlreadySpent(spent) => return Self::double_spend(&e, spent),
            RequestExpired => StatusCode::GONE,
            Crypto(CryptoError::BadSignature | CryptoError::CannotUnseal) => {
                StatusCode::BAD_REQUEST
            }
            Crypto(_) => return Self::internal(),
            _ => StatusCode::BAD_REQUEST,
        };
        Self::new(status, e.code(), sentence(e.to_string()))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => Self::new(
                StatusCode::CONFLICT,
                "busy",
                "Others changed the same records at the same moment; try again.",
            ),
            other => {
                tracing::error!(error = %other, "store failure");
                Self::internal()
            }
        }
    }
}

impl From<BankCallError> for ApiError {
    fn from(e: BankCallError) -> Self {
        match e {
            BankCallError::Unreachable => Self::bank_not_ready(),
            // The bank's own refusal of the buyer's request (her balance,
            // her signature…) is hers to read: passed on as it came.
            BankCallError::Refused {
                status,
                code,
                message,
            } if (400..500).contains(&status) => Self::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                code,
                message,
            ),
            BankCallError::Refused { .. } => Self::new(
                StatusCode::BAD_GATEWAY,
                "bank_error",
                "The bank could not handle the request; try again later.",
            ),
            BankCallError::BadAnswer(_) => Self::new(
                StatusCode::BAD_GATEWAY,
                "bank_bad_answer",
                "The bank's answer could not be read.",
            ),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::views::{DoubleSpendView, ErrorDetail};

    #[test]
    fn a_double_spend_names_every_spent_half_beside_the_error() {
        let e: ApiError = TillError::AlreadySpent(vec![SessionSerial(3), SessionSerial(7)]).into();
        assert_eq!(e.status, StatusCode::CONFLICT);
        let body: DoubleSpendView = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(
            body,
            DoubleSpendView {
                error: ErrorDetail {
                    code: "double_spend".into(),
                    message: "Halves #3 and #7 were already spent.".into(),
                },
                halves: SpentHalves { spent: vec![3, 7] },
            }
        );
        // Other refusals carry no list.
        let other: ApiError = TillError::UnknownHalf(SessionSerial(3)).into();
        assert_eq!(
            (other.status, other.extra.len()),
            (StatusCode::BAD_REQUEST, 0)
        );
    }
}
