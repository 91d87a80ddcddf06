//! The bank's private keys on disk: PKCS#8 DER files created with mode 0600
//! on first start. Their contents never reach a log or an error message.

use std::path::{Path, PathBuf};

use halfpenny::crypto::ed25519::Ed25519Key;
use halfpenny::crypto::{PrivateIdentity, SigningKey};
use halfpenny_aws_lc::{AwsLcKey, OnEveryCore};
use halfpenny_server_kit::keys as files;
pub use halfpenny_server_kit::keys::KeyError;
use zeroize::Zeroizing;

/// The keys a bank holds: one token key per suite, and its identity.
#[derive(Debug)]
pub struct BankKeys {
    pub tokens: Vec<Box<dyn SigningKey>>,
    pub identity: PrivateIdentity,
}

/// RSA-2048 keys: tokens of the RSA suite, letters, sealing.
const RSA_FILES: [&str; 3] = ["token.pk8", "signing.pk8", "sealing.pk8"];
/// The Ed25519 token key.
const ED25519_FILE: &str = "token-ed25519.pk8";

/// Creates any key missing from `dir` (mode 0600). Returns the files created.
pub fn ensure(dir: &Path) -> Result<Vec<PathBuf>, KeyError> {
    let names: Vec<&str> = RSA_FILES.into_iter().chain([ED25519_FILE]).collect();
    files::ensure(dir, &names, |name| {
        if name == ED25519_FILE {
            generate_ed25519()
        } else {
            Ok(AwsLcKey::generate().map_err(|_| KeyError::Generate)?.1)
        }
    })
}

fn generate_ed25519() -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let mut rng = halfpenny_server_kit::rng::fresh_rng().map_err(|_| KeyError::Generate)?;
    let key = Ed25519Key::generate(&mut rng).map_err(|_| KeyError::Generate)?;
    Ok(key.to_pkcs8_der())
}

fn load_one(dir: &Path, name: &str) -> Result<AwsLcKey, KeyError> {
    let (path, der) = files::read(dir, name)?;
    AwsLcKey::from_pkcs8_der(&der).map_err(|_| KeyError::Invalid(path))
}

fn load_ed25519(dir: &Path) -> Result<Ed25519Key, KeyError> {
    let (path, der) = files::read(dir, ED25519_FILE)?;
    Ed25519Key::from_pkcs8_der(&der).map_err(|_| KeyError::Invalid(path))
}

/// Loads the keys, creating missing ones first.
pub fn load_or_create(dir: &Path) -> Result<BankKeys, KeyError> {
    ensure(dir)?;
    Ok(BankKeys {
        tokens: vec![
            Box::new(load_one(dir, "token.pk8")?),
            Box::new(OnEveryCore(load_ed25519(dir)?)),
        ],
        identity: PrivateIdentity {
            signing: Box::new(load_one(dir, "signing.pk8")?),
            sealing: Box::new(load_one(dir, "sealing.pk8")?),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn keys_are_created_once_readable_by_the_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let created = ensure(&dir).unwrap();
        assert_eq!(created.len(), 4);
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        for f in &created {
            assert_eq!(
                std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
                0o600,
                "{}",
                f.display()
            );
        }
        let first = load_or_create(&dir).unwrap();
        assert!(ensure(&dir).unwrap().is_empty(), "existing keys are kept");
        let again = load_or_create(&dir).unwrap();
        assert_eq!(first.identity.id(), again.identity.id());
        // Debug output names keys by id and never prints key material.
        let shown = format!("{first:?}");
        for file in ["token.pk8", "token-ed25519.pk8"] {
            let der = std::fs::read(dir.join(file)).unwrap();
            let secret = &der[der.len() - 32..];
            let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, secret);
            let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
            assert!(
                !shown.contains(&b64[..20]) && !shown.contains(&hex[..20]),
                "{shown}"
            );
        }
    }

    #[test]
    fn a_damaged_key_file_is_refused_without_printing_it() {
        for file in ["token.pk8", "token-ed25519.pk8"] {
            let tmp = tempfile::tempdir().unwrap();
            std::fs::write(tmp.path().join(file), b"secret-looking bytes").unwrap();
            ensure(tmp.path()).unwrap();
            let err = load_or_create(tmp.path()).unwrap_err();
            assert!(matches!(err, KeyError::Invalid(_)));
            assert!(!err.to_string().contains("secret-looking"), "{err}");
        }
    }
}
