//! The one place that knows HTTP status codes: every error the bank can
//! give becomes a status, a stable code and a plain sentence.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use halfpenny::bank::{BankError, Role};
use halfpenny::letter::LetterError;
use halfpenny::wire::WireError;

use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The bank could not finish this request. Nothing was changed; try again.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let view = crate::views::ErrorView {
            error: crate::views::ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let body = serde_json::to_string(&view).unwrap_or_default();
        (
            self.status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}

fn sentence(s: String) -> String {
    let mut c = s.chars();
    let mut out = match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

impl From<WireError> for ApiError {
    fn from(e: WireError) -> Self {
        Self::bad_request(e.code(), sentence(e.to_string()))
    }
}

impl From<LetterError> for ApiError {
    fn from(e: LetterError) -> Self {
        let status = match &e {
            LetterError::Crypto(halfpenny::crypto::CryptoError::BadSignature)
            | LetterError::WrongSender => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
        Self::new(status, e.code(), sentence(e.to_string()))
    }
}

impl From<BankError> for ApiError {
    fn from(e: BankError) -> Self {
        use BankError::*;
        let status = match &e {
            Letter(l) => return l.clone().into(),
            UnknownAccount | UnknownPurse => StatusCode::NOT_FOUND,
            WrongRole(Role::Buyer | Role::Seller)
            | NotYourPurse
            | AssertionNotProven(_)
            | SellerMismatch => StatusCode::FORBIDDEN,
            InsufficientFunds { .. } => StatusCode::PAYMENT_REQUIRED,
            RefundInProgress | PurseClosed | CaseSettled | DeadlineNotReached(_) | CaseMismatch => {
                StatusCode::CONFLICT
            }
            EmptyRequest
            | TooManyTokens { .. }
            | BadDenomination
            | UnsupportedSuite(_)
            | Amount(_) => StatusCode::BAD_REQUEST,
            Crypto(halfpenny::crypto::CryptoError::BadPublicKey) => StatusCode::BAD_REQUEST,
            Ledger(_) | Crypto(_) => return Self::internal(),
        };
        Self::new(status, e.code(), sentence(e.to_string()))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InsufficientFunds => Self::new(
                StatusCode::PAYMENT_REQUIRED,
                "insufficient_funds",
                "The balance is too low.",
            ),
            StoreError::Conflict => Self::new(
                StatusCode::CONFLICT,
                "busy",
                "Others changed the same records at the same moment; try again.",
            ),
            StoreError::Replay => Self::new(
                StatusCode::CONFLICT,
                "replay",
                "This request was already handled.",
            ),
            other => {
                tracing::error!(error = %other, "store failure");
                Self::internal()
            }
        }
    }
}
