//! The JSON of every error: `{"error":{"code","message"}}`, a stable code for
//! programs and a sentence for people. The status is the server's choice,
//! made in its own `error.rs`; this module only renders it.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// The view itself is the bank API's, which clients read.
pub use halfpenny_bank_api::{ErrorDetail, ErrorView};

/// The body of an error: `extra`'s fields (e.g. the price of an item not
/// yet paid for) beside `error`.
pub fn body(code: &str, message: &str, extra: &Map<String, Value>) -> String {
    let mut top = extra.clone();
    top.insert(
        "error".into(),
        serde_json::json!({ "code": code, "message": message }),
    );
    serde_json::to_string(&Value::Object(top)).unwrap_or_default()
}

/// An error's HTTP answer: the status its server chose, and its JSON body.
///
/// A body refused as too large was not read to its end, so the connection
/// cannot carry another request: the answer says `Connection: close`, or a
/// client would send its next request into a connection about to close.
pub fn response(status: StatusCode, body: String) -> Response {
    let mut answer = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        answer.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
    }
    answer
}

/// A sentence for people: a capital first letter and a full stop.
pub fn sentence(s: String) -> String {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_a_code_and_a_sentence_beside_any_extra_fields() {
        let plain = body("bad_json", "Not JSON.", &Map::new());
        assert_eq!(
            plain,
            r#"{"error":{"code":"bad_json","message":"Not JSON."}}"#
        );
        let view: ErrorView = serde_json::from_str(&plain).unwrap();
        assert_eq!(
            view,
            ErrorView {
                error: ErrorDetail {
                    code: "bad_json".into(),
                    message: "Not JSON.".into()
                }
            }
        );
        assert_eq!(serde_json::to_string(&view).unwrap(), plain);
        let mut extra = Map::new();
        extra.insert("price_minor".into(), 5.into());
        let priced: Value =
            serde_json::from_str(&body("payment_required", "Pay.", &extra)).unwrap();
        assert_eq!(priced["price_minor"], 5);
        assert_eq!(priced["error"]["code"], "payment_required");
    }

    #[test]
    fn a_body_too_large_closes_the_connection_and_nothing_else_does() {
        let connection = |status| {
            response(status, String::new())
                .headers()
                .get(header::CONNECTION)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(
            connection(StatusCode::PAYLOAD_TOO_LARGE).as_deref(),
            Some("close")
        );
        assert_eq!(connection(StatusCode::BAD_REQUEST), None);
        assert_eq!(connection(StatusCode::PAYMENT_REQUIRED), None);
    }

    #[test]
    fn sentences_start_with_a_capital_and_end_with_a_full_stop() {
        assert_eq!(
            sentence("the purse is closed".into()),
            "The purse is closed."
        );
        assert_eq!(sentence("Done.".into()), "Done.");
        assert_eq!(sentence(String::new()), ".");
    }
}
