//! The seller's secrets on disk: his RSA-2048 signing and sealing keys
//! (PKCS#8 DER) and the key access tokens are derived with, each in a file
//! created with mode 0600 in a folder of mode 0700 on first start. Their
//! contents never reach a log or an error message.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use halfpenny::crypto::PrivateIdentity;
use halfpenny_aws_lc::AwsLcKey;
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

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write the key file {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("the key file {0} is not the key its name says")]
    Invalid(PathBuf),
    #[error("key generation failed")]
    Generate,
}

const SIGNING: &str = "signing.pk8";
const SEALING: &str = "sealing.pk8";
const ACCESS: &str = "access.key";

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| KeyError::Io(path.to_owned(), e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| KeyError::Io(path.to_owned(), e))
}

/// Creates any key missing from `dir` (mode 0600, the folder 0700).
/// Returns the files created.
pub fn ensure(dir: &Path) -> Result<Vec<PathBuf>, KeyError> {
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(|e| KeyError::Io(dir.to_owned(), e))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| KeyError::Io(dir.to_owned(), e))?;
    }
    let mut created = Vec::new();
    for name in [SIGNING, SEALING, ACCESS] {
        let path = dir.join(name);
        if path.exists() {
            continue;
        }
        if name == ACCESS {
            let mut secret = Zeroizing::new([0u8; 32]);
            getrandom::fill(secret.as_mut_slice()).map_err(|_| KeyError::Generate)?;
            write_new(&path, secret.as_slice())?;
        } else {
            let (_, der) = AwsLcKey::generate().map_err(|_| KeyError::Generate)?;
            write_new(&path, &der)?;
        }
        created.push(path);
    }
    Ok(created)
}

fn read(dir: &Path, name: &str) -> Result<(PathBuf, Zeroizing<Vec<u8>>), KeyError> {
    let path = dir.join(name);
    let bytes = Zeroizing::new(std::fs::read(&path).map_err(|e| KeyError::Io(path.clone(), e))?);
    Ok((path, bytes))
}

fn rsa(dir: &Path, name: &str) -> Result<AwsLcKey, KeyError> {
    let (path, der) = read(dir, name)?;
    AwsLcKey::from_pkcs8_der(&der).map_err(|_| KeyError::Invalid(path))
}

/// Loads the keys, creating missing ones first.
pub fn load_or_create(dir: &Path) -> Result<SellerKeys, KeyError> {
    ensure(dir)?;
    let (path, bytes) = read(dir, ACCESS)?;
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
