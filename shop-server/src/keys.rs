//! The seller's secrets on disk: his RSA-2048 signing and sealing keys
//! (PKCS#8 DER) and the key access tokens are derived with, each in a file
//! created with mode 0600 in a folder of mode 0700 on first start. Their
//! contents never reach a log or an error message.

use std::path::{Path, PathBuf};

use halfpenny::crypto::PrivateIdentity;
use halfpenny_aws_lc::AwsLcKey;
use halfpenny_server_kit::keys as files;
pub use halfpenny_server_kit::keys::KeyError;
use zeroize::Zeroizing;

/// What the seller keeps secret.
#[derive(Debug)]
pub struct SellerKeys {
    pub identity: PrivateIdentity,
    /// Derives each payment's access token (see `service::access_token`).
    pub access: AccessKey,
}

/// 32 random bytes; `Debug` never shows them.
pub struct AccessKey(pub Zeroizing<[u8; 32]>);

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKey(32 bytes)")
    }
}

const SIGNING: &str = "signing.pk8";
const SEALING: &str = "sealing.pk8";
const ACCESS: &str = "access.key";

/// Creates any key missing from `dir` (mode 0600, the folder 0700).
/// Returns the files created.
pub fn ensure(dir: &Path) -> Result<Vec<PathBuf>, KeyError> {
    files::ensure(dir, &[SIGNING, SEALING, ACCESS], |name| {
        if name == ACCESS {
            let secret =
                halfpenny_server_kit::rng::fresh_secret().map_err(|_| KeyError::Generate)?;
            Ok(Zeroizing::new(secret.to_vec()))
        } else {
            Ok(AwsLcKey::generate().map_err(|_| KeyError::Generate)?.1)
        }
    })
}

fn rsa(dir: &Path, name: &str) -> Result<AwsLcKey, KeyError> {
    let (path, der) = files::read(dir, name)?;
    AwsLcKey::from_pkcs8_der(&der).map_err(|_| KeyError::Invalid(path))
}

/// Loads the keys, creating missing ones first.
pub fn load_or_create(dir: &Path) -> Result<SellerKeys, KeyError> {
    ensure(dir)?;
    let (path, bytes) = files::read(dir, ACCESS)?;
    let secret: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::Invalid(path))?;
    Ok(SellerKeys {
        identity: PrivateIdentity {
            signing: Box::new(rsa(dir, SIGNING)?),
            sealing: Box::new(rsa(dir, SEALING)?),
        },
        access: AccessKey(Zeroizing::new(secret)),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn keys_are_created_once_readable_by_the_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let created = ensure(&dir).unwrap();
        assert_eq!(created.len(), 3);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for f in &created {
            assert_eq!(mode(f), 0o600, "{}", f.display());
        }
        let first = load_or_create(&dir).unwrap();
        assert!(ensure(&dir).unwrap().is_empty(), "existing keys are kept");
        let again = load_or_create(&dir).unwrap();
        assert_eq!(first.identity.id(), again.identity.id());
        assert_eq!(*first.access.0, *again.access.0);
        // Debug names keys by id and never prints secrets.
        let shown = format!("{first:?}");
        let hex: String = first.access.0.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!shown.contains(&hex[..16]), "{shown}");
        let der = std::fs::read(dir.join(SIGNING)).unwrap();
        let tail: String = der[der.len() - 24..]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(!shown.contains(&tail), "{shown}");
    }

    #[test]
    fn a_damaged_key_file_is_refused_without_printing_it() {
        for file in [SIGNING, ACCESS] {
            let tmp = tempfile::tempdir().unwrap();
            std::fs::write(tmp.path().join(file), b"secret-looking bytes").unwrap();
            let err = load_or_create(tmp.path()).unwrap_err();
            assert!(matches!(err, KeyError::Invalid(_)), "{err}");
            assert!(!err.to_string().contains("secret-looking"), "{err}");
        }
    }
}
