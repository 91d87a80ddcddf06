//! The JSON of every error of the bank (and of the shop, which shows the
//! same shape): `{"error":{"code","message"}}`, a stable code for programs
//! and a sentence for people. A server may add fields beside `error`.

use serde::{Deserialize, Serialize};

/// Every error: a stable code for programs and a sentence for people.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorView {
    pub error: ErrorDetail,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_a_code_and_a_message_under_error() {
        let view = ErrorView {
            error: ErrorDetail {
                code: "bad_json".into(),
                message: "Not JSON.".into(),
            },
        };
        let text = r#"{"error":{"code":"bad_json","message":"Not JSON."}}"#;
        assert_eq!(serde_json::to_string(&view).unwrap(), text);
        assert_eq!(serde_json::from_str::<ErrorView>(text).unwrap(), view);
        // Fields beside `error` (a price, the spent halves) are read past.
        let priced = r#"{"price_minor":5,"error":{"code":"bad_json","message":"Not JSON."}}"#;
        assert_eq!(serde_json::from_str::<ErrorView>(priced).unwrap(), view);
    }
}
