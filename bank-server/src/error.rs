//! Where the bank's errors get their HTTP status: every error it can give
//! becomes a status, a stable code and a plain sentence (`api.rs` picks
//! only the success statuses and the 404 of an unknown route).

use axum::http::StatusCode;
use halfpenny::bank::{BankError, Role};
use halfpenny::letter::LetterError;
use halfpenny::wire::WireError;
use halfpenny_server_kit::api_error::{Answer, BadInput, Refusal};
use halfpenny_server_kit::blocking::Unfinished;
use halfpenny_server_kit::body::BodyError;
use halfpenny_server_kit::error_view::sentence;
use halfpenny_server_kit::operator::OperatorRefusal;

use crate::store::StoreError;

/// The marker of the bank's errors: `Answer<E> for Statuses` is how the
/// bank answers `E`.
#[derive(Debug)]
pub enum Statuses {}

/// The kit's one `ApiError`, answered the bank's way.
pub type ApiError = halfpenny_server_kit::api_error::ApiError<Statuses>;

/// The bank's own answers.
pub trait BankAnswers {
    /// A case that does not exist, or is not the asker's: the same answer,
    /// so a lookup reveals nothing about other people's cases.
    fn unknown_case() -> Self;
    /// A purse to recover that does not exist, is not the asker's, or was
    /// asked for by a letter that does not prove who asks: the same answer,
    /// so it reveals nothing to anyone but the purse's buyer.
    fn purse_unknown() -> Self;
    /// A registration whose signing key names an account registered with
    /// another sealing key or role.
    fn account_exists() -> Self;
    /// A seller's address the bank will not call.
    fn bad_address(message: impl Into<String>) -> Self;
    fn internal() -> Self;
}

impl BankAnswers for ApiError {
    fn unknown_case() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_case",
            "There is no such refund case.",
        )
    }

    fn purse_unknown() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "purse_unknown",
            "The bank has no purse to give for this request.",
        )
    }

    fn account_exists() -> Self {
        ApiError::new(
            StatusCode::CONFLICT,
            "account_exists",
            "An account with this signing key exists with other details.",
        )
    }

    fn bad_address(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_address", message)
    }

    fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The bank could not finish this request. Nothing was changed; try again.",
        )
    }
}

impl Refusal for StoreError {}

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
            LetterError::Crypto(halfpenny::crypto::CryptoError::BadSignature)
            | LetterError::WrongSender => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.code(), sentence(e.to_string()))
    }
}

impl Answer<BankError> for Statuses {
    fn answer(e: BankError) -> ApiError {
        use BankError::*;
        let status = match &e {
            Letter(l) => return <Self as Answer<LetterError>>::answer(l.clone()),
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
            Ledger(_) | Crypto(_) => return ApiError::internal(),
        };
        ApiError::new(status, e.code(), sentence(e.to_string()))
    }
}

impl Answer<StoreError> for Statuses {
    fn answer(e: StoreError) -> ApiError {
        match e {
            StoreError::InsufficientFunds => ApiError::new(
                StatusCode::PAYMENT_REQUIRED,
                "insufficient_funds",
                "The balance is too low.",
            ),
            StoreError::Conflict => ApiError::new(
                StatusCode::CONFLICT,
                "busy",
                "Others changed the same records at the same moment; try again.",
            ),
            StoreError::Replay => ApiError::new(
                StatusCode::CONFLICT,
                "replay",
                "This request was already handled.",
            ),
            StoreError::NonceReused => ApiError::new(
                StatusCode::CONFLICT,
                "nonce_reused",
                "This request's number was already used by another request; make a new one.",
            ),
            StoreError::IdempotencyKeyReused => ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                "This idempotency key was used for a different request.",
            ),
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::internal()
            }
        }
    }
}
