//! JSON request bodies under a size limit. The limit itself is the router's
//! `DefaultBodyLimit`; a server maps [`BodyError`] to its statuses.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::api_error::{Answer, ApiError};

/// Why a request body was refused: a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// Longer than the router's limit, `max` bytes.
    #[error("The request body is larger than {max} bytes.")]
    TooLarge { max: usize },
    #[error("The request body could not be read.")]
    Unreadable,
    #[error("The request body is not the expected JSON: {0}.")]
    BadJson(String),
}

impl BodyError {
    pub fn code(&self) -> &'static str {
        match self {
            BodyError::TooLarge { .. } => "body_too_large",
            BodyError::Unreadable => "bad_body",
            BodyError::BadJson(_) => "bad_json",
        }
    }
}

/// Reads the whole body, at most `max` bytes (the limit the router set),
/// and parses it as JSON.
pub async fn json<T: DeserializeOwned, S: Send + Sync>(
    req: Request,
    state: &S,
    max: usize,
) -> Result<T, BodyError> {
    let bytes = Bytes::from_request(req, state).await.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
            BodyError::TooLarge { max }
        }
        _ => BodyError::Unreadable,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| BodyError::BadJson(e.to_string()))
}

/// What the [`Body`] extractor needs from a server's state: the marker of
/// its errors, and the limit its router sets with `DefaultBodyLimit`.
pub trait JsonBodies {
    type Statuses: Answer<BodyError>;
    const MAX_BODY_BYTES: usize;
}

impl<A: JsonBodies> JsonBodies for Arc<A> {
    type Statuses = A::Statuses;
    const MAX_BODY_BYTES: usize = A::MAX_BODY_BYTES;
}

/// A JSON body whose every failure is its server's [`ApiError`], with a
/// stable code.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: JsonBodies + Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError<S::Statuses>;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Body(json(req, state, S::MAX_BODY_BYTES).await?))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use axum::body::Body;
    use axum::extract::DefaultBodyLimit;
    use axum::http::StatusCode;

    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Item {
        item: String,
    }

    /// What the body reader answers, through a router with a 16-byte limit.
    async fn read(body: &'static str) -> Result<Item, BodyError> {
        use axum::routing::post;
        use tower::ServiceExt as _;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let app = axum::Router::new()
            .route(
                "/",
                post(move |req: Request| async move {
                    let _ = tx.send(json::<Item, ()>(req, &(), 16).await);
                    StatusCode::OK
                }),
            )
            .layer(DefaultBodyLimit::max(16));
        let req = Request::post("/").body(Body::from(body)).unwrap();
        app.oneshot(req).await.unwrap();
        rx.recv().await.unwrap()
    }

    #[tokio::test]
    async fn bodies_are_read_parsed_or_refused_with_their_codes() {
        assert_eq!(read(r#"{"item":"a"}"#).await.unwrap().item, "a");
        let too_large = read(r#"{"item":"a longer one"}"#).await.unwrap_err();
        assert_eq!(too_large, BodyError::TooLarge { max: 16 });
        assert_eq!(too_large.code(), "body_too_large");
        assert_eq!(
            too_large.to_string(),
            "The request body is larger than 16 bytes."
        );
        let bad = read(r#"{"it":1}"#).await.unwrap_err();
        assert_eq!(bad.code(), "bad_json");
        assert_eq!(
            bad.to_string(),
            "The request body is not the expected JSON: missing field `item` at line 1 column 8."
        );
    }

    /// A server whose bodies are at most 16 bytes, every refusal a 400.
    #[derive(Clone)]
    struct Small;
    enum SmallStatuses {}

    impl Answer<BodyError> for SmallStatuses {
        fn answer(e: BodyError) -> ApiError<Self> {
            ApiError::new(StatusCode::BAD_REQUEST, e.code(), e.to_string())
        }
    }

    impl JsonBodies for Small {
        type Statuses = SmallStatuses;
        const MAX_BODY_BYTES: usize = 16;
    }

    #[tokio::test]
    async fn the_extractor_answers_with_the_servers_error() {
        use axum::routing::post;
        use tower::ServiceExt as _;
        let app = axum::Router::new()
            .route(
                "/",
                post(|super::Body(i): super::Body<Item>| async move { i.item }),
            )
            .layer(DefaultBodyLimit::max(Small::MAX_BODY_BYTES))
            .with_state(Arc::new(Small));
        let send = |body: &'static str| {
            let req = Request::post("/").body(Body::from(body)).unwrap();
            app.clone().oneshot(req)
        };
        let ok = send(r#"{"item":"a"}"#).await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        let bad = send(r#"{"it":1}"#).await.unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let bytes = axum::body::to_bytes(bad.into_body(), 1024).await.unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"error":{"code":"bad_json","message":"The request body is not the expected JSON: missing field `item` at line 1 column 8."}}"#
        );
    }
}
