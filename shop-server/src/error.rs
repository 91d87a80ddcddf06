//! The one place that knows HTTP status codes: every error the shop can give
//! becomes a status, a stable code and a plain sentence. Codes of the core
//! (`TillError::code`, `WireError::code`) are passed through unchanged.

use axum::http::StatusCode;
use halfpenny::SessionSerial;
use halfpenny::crypto::CryptoError;
use halfpenny::letter::LetterError;
use halfpenny::till::TillError;
use halfpenny::wire::WireError;
use halfpenny_server_kit::api_error::{Answer, BadInput, Refusal};
use halfpenny_server_kit::blocking::Unfinished;
use halfpenny_server_kit::body::BodyError;
use halfpenny_server_kit::operator::OperatorRefusal;
use serde_json::Value;

pub use halfpenny_server_kit::error_view::sentence;

use crate::bank_client::BankCallError;
use crate::store::StoreError;
use crate::views::SpentHalves;

/// The marker of the shop's errors: `Answer<E> for Statuses` is how the
/// shop answers `E`.
#[derive(Debug)]
pub enum Statuses {}

/// The kit's one `ApiError`, answered the shop's way.
pub type ApiError = halfpenny_server_kit::api_error::ApiError<Statuses>;

/// The shop's own answers.
pub trait ShopAnswers: Sized {
    fn internal() -> Self;
    fn not_found() -> Self;
    fn method_not_allowed() -> Self;
    fn unknown_item() -> Self;
    /// An item not paid for (or a wrong access token): what it is and its
    /// price, for the page to show a pay button.
    fn payment_required(item: &crate::catalog::Item) -> Self;
    /// A payment holding halves already spent: 409 `double_spend`, naming
    /// every one of them in `spent` ([`SpentHalves`]).
    fn double_spend(e: &TillError, spent: &[SessionSerial]) -> Self;
    fn payment_unknown() -> Self;
    /// A payment the till is judging right now: neither taken nor unknown yet.
    fn payment_in_progress() -> Self;
    fn unknown_offer() -> Self;
    fn purse_returned() -> Self;
    fn wrong_bank(ours: &str) -> Self;
    fn unknown_notice() -> Self;
    fn bank_not_ready() -> Self;
}

impl ShopAnswers for ApiError {
    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The shop could not finish this request. Nothing was changed; try again.",
        )
    }

    fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is no such endpoint.",
        )
    }

    fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "This endpoint does not take this method.",
        )
    }

    fn unknown_item() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_item",
            "The shop sells no such item.",
        )
    }

    fn payment_required(item: &crate::catalog::Item) -> Self {
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

    fn double_spend(e: &TillError, spent: &[SessionSerial]) -> Self {
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

    fn payment_unknown() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "payment_unknown",
            "The till never took this payment.",
        )
    }

    fn payment_in_progress() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "payment_in_progress",
            "The till is still judging this payment; ask again in a moment.",
        )
    }

    fn unknown_offer() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_offer",
            "This shop made no such offer, or it expired long ago; ask for a new one.",
        )
    }

    fn purse_returned() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "purse_returned",
            "This purse was handed back to the bank for a refund; it takes no more payments.",
        )
    }

    fn wrong_bank(ours: &str) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "wrong_bank",
            format!("This shop takes purses of the bank {ours} only."),
        )
    }

    fn unknown_notice() -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_notice",
            "A notice is a `return_request` or a `refund_result`.",
        )
    }

    fn bank_not_ready() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "bank_unreachable",
            "The bank cannot be reached; try again later.",
        )
    }
}

impl Refusal for StoreError {}
impl Refusal for BankCallError {}

impl Answer<Unfinished> for Statuses {
    fn answer(e: Unfinished) -> ApiError {
        tracing::error!(error = %e, "request unfinished");
        ApiError::internal()
    }
}

impl Answer<BodyError> for Statuses {
    fn answer(e: BodyError) -> ApiError {
        let status = match e {
            BodyError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Unreadable | BodyError::BadJson(_) => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl Answer<OperatorRefusal> for Statuses {
    fn answer(e: OperatorRefusal) -> ApiError {
        let status = match e {
            OperatorRefusal::Disabled => StatusCode::FORBIDDEN,
            OperatorRefusal::Unauthorized => StatusCode::UNAUTHORIZED,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl Answer<BadInput> for Statuses {
    fn answer(e: BadInput) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, e.code, e.message)
    }
}

impl Answer<WireError> for Statuses {
    fn answer(e: WireError) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, e.code(), sentence(e.to_string()))
    }
}

impl Answer<LetterError> for Statuses {
    fn answer(e: LetterError) -> ApiError {
        let status = match &e {
            LetterError::Crypto(CryptoError::BadSignature) | LetterError::WrongSender => {
                StatusCode::UNAUTHORIZED
            }
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.code(), sentence(e.to_string()))
    }
}

impl Answer<TillError> for Statuses {
    fn answer(e: TillError) -> ApiError {
        use TillError::*;
        let status = match &e {
            Letter(l) => return <Self as Answer<LetterError>>::answer(l.clone()),
            NotEnough { .. } | MissingAuthorization(_) => StatusCode::PAYMENT_REQUIRED,
            AlreadySpent(spent) => return ApiError::double_spend(&e, spent),
            RequestExpired => StatusCode::GONE,
            Crypto(CryptoError::BadSignature | CryptoError::CannotUnseal) => {
                StatusCode::BAD_REQUEST
            }
            Crypto(_) => return ApiError::internal(),
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.code(), sentence(e.to_string()))
    }
}

impl Answer<StoreError> for Statuses {
    fn answer(e: StoreError) -> ApiError {
        match e {
            StoreError::Conflict => ApiError::new(
                StatusCode::CONFLICT,
                "busy",
                "Others changed the same records at the same moment; try again.",
            ),
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::internal()
            }
        }
    }
}

impl Answer<BankCallError> for Statuses {
    fn answer(e: BankCallError) -> ApiError {
        match e {
            BankCallError::Unreachable => ApiError::bank_not_ready(),
            // The bank's own refusal of the buyer's request (her balance,
            // her signature…) is hers to read: passed on as it came.
            BankCallError::Refused {
                status,
                code,
                message,
            } if (400..500).contains(&status) => ApiError::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                code,
                message,
            ),
            BankCallError::Refused { .. } => ApiError::new(
                StatusCode::BAD_GATEWAY,
                "bank_error",
                "The bank could not handle the request; try again later.",
            ),
            BankCallError::BadAnswer(_) => ApiError::new(
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
