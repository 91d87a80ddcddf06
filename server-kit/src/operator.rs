//! The operator's bearer token: where it comes from, and its check in
//! constant time. A server maps [`OperatorRefusal`] to its statuses.

use std::path::PathBuf;

use anyhow::{Context, Result};
use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The operator's token: the trimmed contents of `file` if given, else of
/// the environment variable `env_var`; none if empty. Without one the
/// operator endpoints are off, and a warning says so.
pub fn operator_token(file: Option<PathBuf>, env_var: &str) -> Result<Option<Zeroizing<String>>> {
    let token = match file {
        Some(path) => {
            let t = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(Zeroizing::new(t.trim().to_owned())).filter(|t| !t.is_empty())
        }
        None => std::env::var(env_var)
            .ok()
            .map(|t| Zeroizing::new(t.trim().to_owned()))
            .filter(|t| !t.is_empty()),
    };
    if token.is_none() {
        tracing::warn!("no operator token configured: operator endpoints are off");
    }
    Ok(token)
}

/// Why an operator request was refused: a stable code and a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OperatorRefusal {
    #[error("Operator endpoints are off: no operator token is configured.")]
    Disabled,
    #[error("The operator token is missing or wrong.")]
    Unauthorized,
}

impl OperatorRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            OperatorRefusal::Disabled => "operator_disabled",
            OperatorRefusal::Unauthorized => "operator_unauthorized",
        }
    }
}

/// Checks the `Authorization: Bearer …` header against the configured token
/// (`None`: the operator endpoints are off) in constant time.
pub fn check(expected: Option<&str>, headers: &HeaderMap) -> Result<(), OperatorRefusal> {
    let Some(expected) = expected else {
        return Err(OperatorRefusal::Disabled);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compare digests, so neither the length nor the content leaks through timing.
    let (a, b): ([u8; 32], [u8; 32]) = (
        Sha256::digest(given.as_bytes()).into(),
        Sha256::digest(expected.as_bytes()).into(),
    );
    if bool::from(a.ct_eq(&b)) {
        Ok(())
    } else {
        Err(OperatorRefusal::Unauthorized)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn bearer(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, token.parse().unwrap());
        h
    }

    #[test]
    fn only_the_configured_token_passes() {
        assert_eq!(check(Some("s3cret"), &bearer("Bearer s3cret")), Ok(()));
        for wrong in ["Bearer s3cre", "Bearer s3cret ", "s3cret", "Basic s3cret"] {
            assert_eq!(
                check(Some("s3cret"), &bearer(wrong)),
                Err(OperatorRefusal::Unauthorized),
                "{wrong}"
            );
        }
        assert_eq!(
            check(Some("s3cret"), &HeaderMap::new()),
            Err(OperatorRefusal::Unauthorized)
        );
        assert_eq!(
            check(None, &bearer("Bearer s3cret")),
            Err(OperatorRefusal::Disabled)
        );
        assert_eq!(OperatorRefusal::Disabled.code(), "operator_disabled");
    }

    #[test]
    fn the_token_file_is_trimmed_and_an_empty_one_is_none() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("token");
        std::fs::write(&file, " s3cret\n").unwrap();
        let var = "HALFPENNY_SERVER_KIT_TEST_UNSET_TOKEN";
        let t = operator_token(Some(file.clone()), var).unwrap().unwrap();
        assert_eq!(t.as_str(), "s3cret");
        std::fs::write(&file, "\n").unwrap();
        assert!(operator_token(Some(file), var).unwrap().is_none());
        assert!(operator_token(None, var).unwrap().is_none());
        let missing = operator_token(Some(tmp.path().join("missing")), var).unwrap_err();
        assert!(missing.to_string().starts_with("reading "), "{missing}");
    }
}
