//! The bank's private keys on disk: PKCS#8 DER files created with mode 0600
//! on first start. Their contents never reach a log or an error message.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use halfpenny::crypto::PrivateIdentity;
use halfpenny_aws_lc::AwsLcKey;

/// The three keys a bank holds.
#[derive(Debug)]
pub struct BankKeys {
    pub token: AwsLcKey,
    pub identity: PrivateIdentity,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write the key file {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("the key file {0} is not an RSA-2048 private key")]
    Invalid(PathBuf),
    #[error("key generation failed")]
    Generate,
}

const FILES: [&str; 3] = ["token.pk8", "signing.pk8", "sealing.pk8"];

/// Creates any key missing from `dir` (mode 0600). Returns the files created.
pub fn ensure(dir: &Path) -> Result<Vec<PathBuf>, KeyError> {
    std::fs::create_dir_all(dir).map_err(|e| KeyError::Io(dir.to_owned(), e))?;
    let mut created = Vec::new();
    for name in FILES {
        let path = dir.join(name);
        if path.exists() {
            continue;
        }
        let (_, der) = AwsLcKey::generate().map_err(|_| KeyError::Generate)?;
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| KeyError::Io(path.clone(), e))?;
        f.write_all(&der)
            .and_then(|_| f.sync_all())
            .map_err(|e| KeyError::Io(path.clone(), e))?;
        created.push(path);
    }
    Ok(created)
}

fn load_one(dir: &Path, name: &str) -> Result<AwsLcKey, KeyError> {
    let path = dir.join(name);
    let der =
        zeroize::Zeroizing::new(std::fs::read(&path).map_err(|e| KeyError::Io(path.clone(), e))?);
    AwsLcKey::from_pkcs8_der(&der).map_err(|_| KeyError::Invalid(path))
}

/// Loads the keys, creating missing ones first.
pub fn load_or_create(dir: &Path) -> Result<BankKeys, KeyError> {
    ensure(dir)?;
    Ok(BankKeys {
        token: load_one(dir, "token.pk8")?,
        identity: PrivateIdentity {
            signing: Box::new(load_one(dir, "signing.pk8")?),
            sealing: Box::new(load_one(dir, "sealing.pk8")?),
        },
    })
}
