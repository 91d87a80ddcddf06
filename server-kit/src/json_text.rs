//! A JSON answer kept as text.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A JSON answer, kept as text so a repeated request gets the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonText(pub String);

impl IntoResponse for JsonText {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, "application/json")], self.0).into_response()
    }
}
