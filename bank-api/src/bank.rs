//! `GET /v1/bank`: the bank's name and public keys, and the one conversion
//! between that view and the core's [`BankPublic`].

use halfpenny::bank::BankPublic;
use halfpenny::crypto::{PublicIdentity, PublicKey};
use halfpenny::{BankId, Suite, TokenKeys};
use serde::{Deserialize, Serialize};

/// Why a bank's keys as it shows them are not a [`BankPublic`]: which part
/// could not be read (no secret is involved, so the text says it plainly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BankInfoError {
    #[error("the bank id")]
    BadId,
    #[error("a public key")]
    BadKey,
    #[error("a token suite")]
    BadSuite,
    #[error("a token key of another suite")]
    KeyOfAnotherSuite,
    #[error("the default suite")]
    BadDefaultSuite,
    #[error("two keys for one suite")]
    TwoKeysForOneSuite,
    #[error("no key for the default suite")]
    NoKeyForDefaultSuite,
}

impl BankInfoError {
    /// What could not be read, as a fixed phrase (the `Display` text).
    pub fn what(self) -> &'static str {
        match self {
            Self::BadId => "the bank id",
            Self::BadKey => "a public key",
            Self::BadSuite => "a token suite",
            Self::KeyOfAnotherSuite => "a token key of another suite",
            Self::BadDefaultSuite => "the default suite",
            Self::TwoKeysForOneSuite => "two keys for one suite",
            Self::NoKeyForDefaultSuite => "no key for the default suite",
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankInfo {
    pub id: String,
    pub signing_key: String,
    pub sealing_key: String,
    /// One key per token suite the bank signs.
    pub token_keys: Vec<TokenKeyView>,
    /// The suite of a purse whose request names none.
    pub default_suite: String,
}

/// A token-signing key: its suite (`rsa2048-sha256` or `ed25519`) and its
/// SPKI DER in base64url.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenKeyView {
    pub suite: String,
    pub key: String,
}

fn key(text: &str) -> Result<PublicKey, BankInfoError> {
    PublicKey::from_base64url(text).map_err(|_| BankInfoError::BadKey)
}

impl From<&BankPublic> for BankInfo {
    fn from(p: &BankPublic) -> Self {
        Self {
            id: p.id.to_string(),
            signing_key: p.identity.signing.to_base64url(),
            sealing_key: p.identity.sealing.to_base64url(),
            token_keys: p
                .token_keys
                .iter()
                .map(|(suite, key)| TokenKeyView {
                    suite: suite.name().into(),
                    key: key.to_base64url(),
                })
                .collect(),
            default_suite: p.default_suite.name().into(),
        }
    }
}

impl BankInfo {
    /// The bank's name and keys, read as strictly as the core reads
    /// anything from outside: every key is parsed, each token key is of the
    /// suite it is listed under, one key per suite, and the default suite
    /// has a key.
    pub fn to_public(&self) -> Result<BankPublic, BankInfoError> {
        let mut token_keys = Vec::with_capacity(self.token_keys.len());
        for k in &self.token_keys {
            let public = key(&k.key)?;
            let suite: Suite = k.suite.parse().map_err(|_| BankInfoError::BadSuite)?;
            if Suite::of_key(&public) != suite {
                return Err(BankInfoError::KeyOfAnotherSuite);
            }
            token_keys.push(public);
        }
        let default_suite: Suite = self
            .default_suite
            .parse()
            .map_err(|_| BankInfoError::BadDefaultSuite)?;
        let token_keys =
            TokenKeys::new(token_keys).map_err(|_| BankInfoError::TwoKeysForOneSuite)?;
        if token_keys.get(default_suite).is_none() {
            return Err(BankInfoError::NoKeyForDefaultSuite);
        }
        Ok(BankPublic {
            id: BankId::new(&self.id).map_err(|_| BankInfoError::BadId)?,
            identity: PublicIdentity {
                signing: key(&self.signing_key)?,
                sealing: key(&self.sealing_key)?,
            },
            token_keys,
            default_suite,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use halfpenny::testing;

    fn public() -> BankPublic {
        BankPublic {
            id: BankId::new("bank.example").unwrap(),
            identity: testing::bank_identity().public(),
            token_keys: TokenKeys::new([
                testing::bank_token_public_for(Suite::Ed25519),
                testing::bank_token_public_for(Suite::Rsa2048Sha256),
            ])
            .unwrap(),
            default_suite: Suite::Ed25519,
        }
    }

    #[test]
    fn the_bank_info_is_its_id_keys_and_default_suite_in_this_order() {
        let p = public();
        let rsa = testing::bank_token_public_for(Suite::Rsa2048Sha256).to_base64url();
        let ed = testing::bank_token_public_for(Suite::Ed25519).to_base64url();
        let expected = format!(
            concat!(
                r#"{{"id":"bank.example","signing_key":"{}","sealing_key":"{}","#,
                r#""token_keys":[{{"suite":"rsa2048-sha256","key":"{}"}},"#,
                r#"{{"suite":"ed25519","key":"{}"}}],"default_suite":"ed25519"}}"#
            ),
            p.identity.signing.to_base64url(),
            p.identity.sealing.to_base64url(),
            rsa,
            ed
        );
        let info = BankInfo::from(&p);
        assert_eq!(serde_json::to_string(&info).unwrap(), expected);
        let read: BankInfo = serde_json::from_str(&expected).unwrap();
        assert_eq!(read.to_public().unwrap(), p);
    }

    #[test]
    fn a_bank_info_that_does_not_hold_together_is_refused_by_name() {
        let good = BankInfo::from(&public());
        let with = |change: &dyn Fn(&mut BankInfo)| {
            let mut info = good.clone();
            change(&mut info);
            info.to_public()
        };
        assert_eq!(with(&|i| i.id = String::new()), Err(BankInfoError::BadId));
        assert_eq!(
            with(&|i| i.signing_key = "!".into()),
            Err(BankInfoError::BadKey)
        );
        assert_eq!(
            with(&|i| i.token_keys[0].suite = "dsa".into()),
            Err(BankInfoError::BadSuite)
        );
        assert_eq!(
            with(&|i| i.token_keys[0].suite = "ed25519".into()),
            Err(BankInfoError::KeyOfAnotherSuite)
        );
        assert_eq!(
            with(&|i| i.default_suite = "dsa".into()),
            Err(BankInfoError::BadDefaultSuite)
        );
        assert_eq!(
            with(&|i| i.token_keys[0] = i.token_keys[1].clone()),
            Err(BankInfoError::TwoKeysForOneSuite)
        );
        assert_eq!(
            with(&|i| {
                i.token_keys.remove(1);
            }),
            Err(BankInfoError::NoKeyForDefaultSuite)
        );
        assert_eq!(BankInfoError::BadKey.what(), "a public key");
        assert_eq!(BankInfoError::BadKey.to_string(), "a public key");
    }
}
