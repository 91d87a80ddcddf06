//! The JSON bodies of the HTTP API are `halfpenny-bank-api`'s, shared with
//! every client and re-exported here; this module keeps only what reads
//! them into the bank's own values, with the bank's refusals.

use halfpenny::KeyId;
use halfpenny::crypto::PublicKey;
use halfpenny::wire::WireError;
use halfpenny_server_kit::api_error::BadInput;

pub use halfpenny_bank_api::*;

use crate::error::ApiError;

pub fn key_text(k: &PublicKey) -> String {
    k.to_base64url()
}

pub fn key_from_text(field: &'static str, s: &str) -> Result<PublicKey, ApiError> {
    PublicKey::from_base64url(s).map_err(|e| {
        let what = match e {
            WireError::BadBase64 => "base64url",
            _ => "a public key",
        };
        BadInput::new("bad_public_key", format!("The {field} is not {what}.")).into()
    })
}

/// An attribute the operator records: exactly one of a date of birth
/// (`YYYY-MM-DD`) and a flag (a name an assertion can ask for).
pub fn attribute_from(
    date_of_birth: Option<String>,
    flag: Option<String>,
) -> Result<halfpenny::Attribute, ApiError> {
    use halfpenny::{Assertion, Attribute, Date};
    match (date_of_birth, flag) {
        (Some(d), None) => Date::parse(&d)
            .map(Attribute::DateOfBirth)
            .ok_or_else(|| BadInput::new("bad_date", "A date is YYYY-MM-DD.").into()),
        (None, Some(f)) => match Assertion::parse(&f) {
            Ok(Assertion::Flag(f)) => Ok(Attribute::Flag(f)),
            _ => Err(BadInput::new(
                "bad_flag",
                "A flag is 1 to 32 characters a-z, 0-9, '-' and '_'.",
            )
            .into()),
        },
        _ => Err(BadInput::new(
            "bad_attribute",
            "Give exactly one of a date of birth and a flag.",
        )
        .into()),
    }
}

pub fn account_from_text(s: &str) -> Result<KeyId, ApiError> {
    let hex = s.strip_prefix("key_").unwrap_or(s);
    KeyId::from_hex(hex)
        .map_err(|_| BadInput::new("bad_account", "An account is 64 lower-case hex digits.").into())
}
