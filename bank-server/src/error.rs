//! Where the bank's errors get their HTTP status: every error it can give
//! becomes a status, a stable code and a plain sentence (`api.rs` picks
//! only the success statuses and the 404 of an unknown route).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use halfpenny::bank::{BankError, Role};
use halfpenny::letter::LetterError;
use halfpenny::wire::WireError;
use halfpenny_server_kit::body::BodyError;
use halfpenny_server_kit::error_view::{self, sentence};
use halfpenny_server_kit::operator::OperatorRefusal;

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

    /// A case that does not exist, or is not the asker's: the same answer,
    /// so a lookup reveals nothing about other people's cases.
    pub fn unknown_case() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_case",
            "There is no such refund case.",
        )
    }

    /// A purse to recover that does not exist, is not the asker's, or was
    /// asked for by a letter that does not prove who asks: the same answer,
    /// so it reveals nothing to anyone but the purse's buyer.
    pub fn purse_unknown() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "purse_unknown",
            "The bank has no purse to give for this request.",
        )
    }

    /// A registration whose signing key names an account registered with
    /// another sealing key or role.
    pub fn account_exists() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "account_exists",
            "An account with this signing key exists with other details.",
        )
    }

    /// A seller's address the bank will not call.
    pub fn bad_address(message: impl Into<String>) -> Self {
        Self::bad_request("bad_address", message)
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
        let body = error_view::body(self.code, &self.message, &serde_json::Map::new());
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
            StoreError::NonceReused => Self::new(
                StatusCode::CONFLICT,
                "nonce_reused",
                "This request's number was already used by another request; make a new one.",
            ),
            StoreError::IdempotencyKeyReused => Self::new(
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                "This idempotency key was used for a different request.",
            ),
            other => {
                tracing::error!(error = %other, "store failure");
                Self::internal()
            }
        }
    }
}
