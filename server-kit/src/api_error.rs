//! The one error type of both servers' HTTP APIs: a status, a stable code,
//! a sentence and any fields shown beside them, answered as the
//! `{"error":{"code","message"}}` JSON of [`error_view`](crate::error_view).
//!
//! The kit picks no status: `ApiError<S>` is generic over a server's marker
//! `S`, and that server's `error.rs` says how each error becomes an answer
//! (`impl Answer<ItsError> for S`). The blanket `From` below then lets `?`
//! turn any [`Refusal`] into its server's `ApiError`.

use std::borrow::Cow;
use std::marker::PhantomData;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::error_view;

/// A request's failure as its server `S` answers it.
pub struct ApiError<S> {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub message: String,
    /// Fields shown beside `error` (the price of an item not yet paid for).
    pub extra: Map<String, Value>,
    server: PhantomData<fn() -> S>,
}

impl<S> ApiError<S> {
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
            server: PhantomData,
        }
    }

    /// The same error with `extra`'s fields shown beside it.
    pub fn with_extra(mut self, extra: Map<String, Value>) -> Self {
        self.extra = extra;
        self
    }

    /// The JSON body, as sent.
    pub fn body(&self) -> String {
        error_view::body(&self.code, &self.message, &self.extra)
    }
}

impl<S> IntoResponse for ApiError<S> {
    fn into_response(self) -> Response {
        let body = self.body();
        error_view::response(self.status, body)
    }
}

// By hand: derives would ask `S`, a bare marker, for the same traits.
impl<S> std::fmt::Debug for ApiError<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("extra", &self.extra)
            .finish()
    }
}

impl<S> Clone for ApiError<S> {
    fn clone(&self) -> Self {
        Self {
            status: self.status,
            code: self.code.clone(),
            message: self.message.clone(),
            extra: self.extra.clone(),
            server: PhantomData,
        }
    }
}

impl<S> PartialEq for ApiError<S> {
    fn eq(&self, other: &Self) -> bool {
        (self.status, &self.code, &self.message, &self.extra)
            == (other.status, &other.code, &other.message, &other.extra)
    }
}

impl<S> Eq for ApiError<S> {}

/// How the server marked `Self` answers the error `E`: its status (picked
/// in that server's `error.rs`), code and sentence.
pub trait Answer<E>: Sized {
    fn answer(e: E) -> ApiError<Self>;
}

/// A request malformed in itself, found by a server's handler (a field
/// that is not a date, a key of the wrong length): a stable code and a
/// sentence. Its status is its server's choice, like every other.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BadInput {
    pub code: &'static str,
    pub message: String,
}

impl BadInput {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// An error a server answers through [`Answer`]. A server marks its own
/// domain errors (its store's, its clients'); the kit's and the core's are
/// marked here.
pub trait Refusal {}

impl Refusal for BadInput {}
impl Refusal for crate::body::BodyError {}
impl Refusal for crate::operator::OperatorRefusal {}
impl Refusal for crate::blocking::Unfinished {}
impl Refusal for halfpenny::wire::WireError {}
impl Refusal for halfpenny::letter::LetterError {}
impl Refusal for halfpenny::bank::BankError {}
impl Refusal for halfpenny::till::TillError {}

impl<S: Answer<E>, E: Refusal> From<E> for ApiError<S> {
    fn from(e: E) -> Self {
        S::answer(e)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::body::BodyError;

    /// A server that answers every body error with 418.
    enum Teapot {}

    impl Answer<BodyError> for Teapot {
        fn answer(e: BodyError) -> ApiError<Self> {
            ApiError::new(StatusCode::IM_A_TEAPOT, e.code(), e.to_string())
        }
    }

    #[test]
    fn a_refusal_becomes_its_servers_answer() {
        let e: ApiError<Teapot> = BodyError::Unreadable.into();
        assert_eq!(e.status, StatusCode::IM_A_TEAPOT);
        assert_eq!(
            e.body(),
            r#"{"error":{"code":"bad_body","message":"The request body could not be read."}}"#
        );
    }

    #[test]
    fn extra_fields_are_shown_beside_the_error() {
        let mut extra = Map::new();
        extra.insert("price_minor".into(), 5.into());
        let e = ApiError::<Teapot>::new(StatusCode::PAYMENT_REQUIRED, "payment_required", "Pay.")
            .with_extra(extra);
        assert_eq!(
            e.body(),
            r#"{"error":{"code":"payment_required","message":"Pay."},"price_minor":5}"#
        );
        assert_eq!(e.clone(), e);
    }
}
