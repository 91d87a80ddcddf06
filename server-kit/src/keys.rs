//! Secret files on disk: a folder of mode 0700 holding files of mode 0600,
//! each created once (never replaced) and read into memory that is wiped
//! when dropped. Their contents never reach a log or an error message; what
//! the files hold is each server's business.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// A key file that could not be read, written, made or understood. Its
/// contents never appear in the message.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file, or its folder, could not be read or written.
    #[error("cannot read or write the key file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the key file {} is not the key its name says", .0.display())]
    Invalid(PathBuf),
    #[error("key generation failed")]
    Generate,
}

impl KeyError {
    fn at(path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_owned();
        move |source| Self::Io { path, source }
    }
}

/// Creates `dir` (mode 0700) if missing, then each of `names` missing from
/// it (mode 0600) with the bytes `generate` makes for that name. Returns the
/// files created.
pub fn ensure(
    dir: &Path,
    names: &[&str],
    mut generate: impl FnMut(&str) -> Result<Zeroizing<Vec<u8>>, KeyError>,
) -> Result<Vec<PathBuf>, KeyError> {
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(KeyError::at(dir))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(KeyError::at(dir))?;
    }
    let mut created = Vec::new();
    for name in names {
        let path = dir.join(name);
        if path.exists() {
            continue;
        }
        let bytes = generate(name)?;
        write_new(&path, &bytes)?;
        created.push(path);
    }
    Ok(created)
}

/// Writes a file that must not exist yet, mode 0600, synced to disk.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(KeyError::at(path))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(KeyError::at(path))
}

/// Reads `dir/name`: its path (to name it in an error) and its bytes.
pub fn read(dir: &Path, name: &str) -> Result<(PathBuf, Zeroizing<Vec<u8>>), KeyError> {
    let path = dir.join(name);
    let bytes = Zeroizing::new(std::fs::read(&path).map_err(KeyError::at(&path))?);
    Ok((path, bytes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_are_created_once_readable_by_the_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let make = |name: &str| Ok::<_, KeyError>(Zeroizing::new(name.as_bytes().to_vec()));
        let created = ensure(&dir, &["a", "b"], make).unwrap();
        assert_eq!(created, [dir.join("a"), dir.join("b")]);
        assert_eq!(mode(&dir), 0o700);
        for f in &created {
            assert_eq!(mode(f), 0o600, "{}", f.display());
        }
        std::fs::write(dir.join("a"), b"kept").unwrap();
        let more = ensure(&dir, &["a", "b", "c"], make).unwrap();
        assert_eq!(more, [dir.join("c")], "existing files are kept");
        assert_eq!(read(&dir, "a").unwrap().1.as_slice(), b"kept");
        let err = read(&dir, "missing").unwrap_err();
        assert!(matches!(&err, KeyError::Io { path, .. } if *path == dir.join("missing")));
        assert!(
            err.to_string()
                .starts_with("cannot read or write the key file ")
        );
        assert_eq!(
            KeyError::Invalid(dir.join("a")).to_string(),
            format!(
                "the key file {} is not the key its name says",
                dir.join("a").display()
            )
        );
    }
}
