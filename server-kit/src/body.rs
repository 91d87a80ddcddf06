//! JSON request bodies under a size limit. The limit itself is the router's
//! `DefaultBodyLimit`; a server maps [`BodyError`] to its statuses.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

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
}
