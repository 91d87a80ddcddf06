//! The encrypted backup file: a wallet's identity, purses and history under a
//! passphrase, to restore in another browser.
//!
//! Layout, version 2 (integers big-endian):
//! ```text
//! "HPBK" | u8 version=2 | u32 memory KiB | u32 passes | 16-byte salt | 12-byte nonce
//!   | ChaCha20-Poly1305 ciphertext, the header above as associated data
//! plaintext: SavedIdentity | u32 count, purses | u32 count, events
//!   | u32 count, saved refund letters | u32 count, saved purse orders
//! ```
//! Version 1 files (without the last two lists) are still read: a backup
//! carries her pending operations since version 2, so a refund or a purse
//! order in flight when it was made is resent from the restored wallet.
//! The key is Argon2id(passphrase, salt) with the memory and passes written in
//! the header (19 MiB and 2 passes when made here). A file asking for more
//! than [`MAX_MEMORY_KIB`] or [`MAX_PASSES`] is refused before any work.
//!
//! A backup is a copy of the money, not more money: restored in two places,
//! each half still joins only once at the seller's till, so the second
//! payment with it is refused.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce as AeadNonce};
use halfpenny::wallet::BuyerPurse;
use halfpenny::wire::{Decode, Encode, Reader, Writer};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::{Event, SavedIdentity, SavedOrder, SavedRefund, StoreError, WalletStore};

const MAGIC: &[u8; 4] = b"HPBK";
const VERSION: u8 = 2;
/// Files without saved letters and orders.
const VERSION_1: u8 = 1;
const HEADER_BYTES: usize = 4 + 1 + 4 + 4 + 16 + 12;
/// Argon2id memory for new backups (OWASP's 19 MiB, 2 passes).
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
/// The most memory and passes a file may ask for.
pub const MAX_MEMORY_KIB: u32 = 256 * 1024;
pub const MAX_PASSES: u32 = 10;
/// The shortest passphrase accepted for a new backup.
pub const MIN_PASSPHRASE_CHARS: usize = 10;
/// The largest backup file read.
pub const MAX_BACKUP_BYTES: usize = 64 * 1024 * 1024;
const MAX_PURSES: usize = 10_000;
const MAX_EVENTS: usize = 1_000_000;
const MAX_LETTERS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    #[error("a backup passphrase needs at least {MIN_PASSPHRASE_CHARS} characters")]
    WeakPassphrase,
    #[error("this wallet has no identity to back up yet")]
    NothingToBackUp,
    #[error("this file is not a Halfpenny wallet backup")]
    NotABackup,
    #[error("this backup was made by a newer wallet (version {0})")]
    UnknownVersion(u8),
    #[error("this backup asks for more work to open than a wallet allows")]
    TooCostly,
    #[error("the passphrase is wrong, or the file is damaged")]
    WrongPassphrase,
    #[error("the backup opened but its contents are damaged")]
    Damaged,
    #[error("the backup could not be made")]
    Failed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BackupError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WeakPassphrase => "weak_passphrase",
            Self::NothingToBackUp => "nothing_to_back_up",
            Self::NotABackup => "not_a_backup",
            Self::UnknownVersion(_) => "unknown_backup_version",
            Self::TooCostly => "backup_too_costly",
            Self::WrongPassphrase => "wrong_passphrase",
            Self::Damaged => "damaged_backup",
            Self::Failed => "backup_failed",
            Self::Store(e) => e.code(),
        }
    }
}

/// Everything a backup holds.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Backup {
    pub identity: SavedIdentity,
    pub purses: Vec<BuyerPurse>,
    pub events: Vec<Event>,
    /// Refund letters the bank had not answered with a result.
    pub refunds: Vec<SavedRefund>,
    /// Purse orders whose purse had not come.
    pub orders: Vec<SavedOrder>,
}

fn derive_key(
    passphrase: &str,
    salt: &[u8; 16],
    memory_kib: u32,
    passes: u32,
) -> Result<Zeroizing<[u8; 32]>, BackupError> {
    let params =
        Params::new(memory_kib, passes, 1, Some(32)).map_err(|_| BackupError::TooCostly)?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut_slice())
        .map_err(|_| BackupError::Failed)?;
    Ok(key)
}

fn header(version: u8, memory_kib: u32, passes: u32, salt: &[u8; 16], nonce: &[u8; 12]) -> Vec<u8> {
    let mut w = Writer::new();
    w.array(MAGIC);
    w.u8(version);
    w.u32(memory_kib);
    w.u32(passes);
    w.array(salt);
    w.array(nonce);
    w.into_bytes()
}

/// Encrypts a backup under the passphrase.
pub fn seal<R: CryptoRng + ?Sized>(
    backup: &Backup,
    passphrase: &str,
    rng: &mut R,
) -> Result<Vec<u8>, BackupError> {
    seal_as(VERSION, backup, passphrase, rng)
}

fn seal_as<R: CryptoRng + ?Sized>(
    version: u8,
    backup: &Backup,
    passphrase: &str,
    rng: &mut R,
) -> Result<Vec<u8>, BackupError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(BackupError::WeakPassphrase);
    }
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 12];
    rng.fill_bytes(&mut salt);
    rng.fill_bytes(&mut nonce);
    let key = derive_key(passphrase, &salt, MEMORY_KIB, PASSES)?;
    let head = header(version, MEMORY_KIB, PASSES, &salt, &nonce);
    let mut w = Writer::new();
    backup.identity.encode(&mut w);
    w.list(&backup.purses);
    w.list(&backup.events);
    if version != VERSION_1 {
        w.list(&backup.refunds);
        w.list(&backup.orders);
    }
    let plain = Zeroizing::new(w.into_bytes());
    let sealed = ChaCha20Poly1305::new(&Key::from(*key))
        .encrypt(
            &AeadNonce::from(nonce),
            Payload {
                msg: &plain,
                aad: &head,
            },
        )
        .map_err(|_| BackupError::Failed)?;
    let mut file = head;
    file.extend_from_slice(&sealed);
    Ok(file)
}

/// Decrypts and reads a backup file.
pub fn open(file: &[u8], passphrase: &str) -> Result<Backup, BackupError> {
    if file.len() > MAX_BACKUP_BYTES || file.len() < HEADER_BYTES {
        return Err(BackupError::NotABackup);
    }
    let (head, sealed) = file.split_at(HEADER_BYTES);
    let mut r = Reader::new(head);
    if &r.array::<4>().map_err(|_| BackupError::NotABackup)? != MAGIC {
        return Err(BackupError::NotABackup);
    }
    let version = r.u8().map_err(|_| BackupError::NotABackup)?;
    if version != VERSION && version != VERSION_1 {
        return Err(BackupError::UnknownVersion(version));
    }
    let memory_kib = r.u32().map_err(|_| BackupError::NotABackup)?;
    let passes = r.u32().map_err(|_| BackupError::NotABackup)?;
    if memory_kib > MAX_MEMORY_KIB || passes > MAX_PASSES {
        return Err(BackupError::TooCostly);
    }
    let salt = r.array::<16>().map_err(|_| BackupError::NotABackup)?;
    let nonce = r.array::<12>().map_err(|_| BackupError::NotABackup)?;
    let key = derive_key(passphrase, &salt, memory_kib, passes)?;
    let plain = Zeroizing::new(
        ChaCha20Poly1305::new(&Key::from(*key))
            .decrypt(
                &AeadNonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: head,
                },
            )
            .map_err(|_| BackupError::WrongPassphrase)?,
    );
    let mut r = Reader::new(&plain);
    let backup = Backup {
        identity: SavedIdentity::decode(&mut r).map_err(|_| BackupError::Damaged)?,
        purses: r
            .list("purses", MAX_PURSES)
            .map_err(|_| BackupError::Damaged)?,
        events: r
            .list("events", MAX_EVENTS)
            .map_err(|_| BackupError::Damaged)?,
        refunds: Vec::new(),
        orders: Vec::new(),
    };
    let backup = if version == VERSION_1 {
        backup
    } else {
        Backup {
            refunds: r
                .list("refund letters", MAX_LETTERS)
                .map_err(|_| BackupError::Damaged)?,
            orders: r
                .list("purse orders", MAX_LETTERS)
                .map_err(|_| BackupError::Damaged)?,
            ..backup
        }
    };
    r.finish().map_err(|_| BackupError::Damaged)?;
    Ok(backup)
}

/// Makes a backup file of everything in the store.
pub async fn export<S: WalletStore, R: CryptoRng + ?Sized>(
    store: &S,
    passphrase: &str,
    rng: &mut R,
) -> Result<Vec<u8>, BackupError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(BackupError::WeakPassphrase);
    }
    let backup = Backup {
        identity: store
            .identity()
            .await?
            .ok_or(BackupError::NothingToBackUp)?,
        purses: store.purses().await?,
        events: store.events().await?,
        refunds: store.refund_letters().await?,
        orders: store.orders().await?,
    };
    seal(&backup, passphrase, rng)
}

/// Restores a backup file into the store, replacing what it held, in one
/// transaction. Nothing changes if the file cannot be opened.
pub async fn import<S: WalletStore>(
    store: &S,
    file: &[u8],
    passphrase: &str,
) -> Result<Backup, BackupError> {
    let backup = open(file, passphrase)?;
    store.replace(&backup).await?;
    Ok(backup)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;
    use crate::conformance::{identity, purse};

    struct Counter(u64);

    impl rand_core::TryRng for Counter {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(self.try_next_u64()? as u32)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            Ok(self.0)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            for b in dst {
                *b = (self.try_next_u64()? >> 56) as u8;
            }
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Counter {}

    const PASS: &str = "correct horse battery";

    fn filled() -> MemoryStore {
        let store = MemoryStore::new();
        pollster::block_on(async {
            store.create_identity(&identity(1)).await.unwrap();
            store.add_purse(&purse(4, 3)).await.unwrap();
            store.add_purse(&purse(2, 1)).await.unwrap();
        });
        store
    }

    #[test]
    fn a_backup_restores_into_a_fresh_wallet() {
        let from = filled();
        let file = pollster::block_on(export(&from, PASS, &mut Counter(1))).unwrap();
        let to = MemoryStore::new();
        pollster::block_on(to.create_identity(&identity(9))).unwrap();
        let restored = pollster::block_on(import(&to, &file, PASS)).unwrap();
        assert_eq!(restored.purses.len(), 2);
        pollster::block_on(async {
            assert_eq!(to.identity().await, from.identity().await);
            assert_eq!(to.purses().await, from.purses().await);
            assert_eq!(to.events().await, from.events().await);
        });
    }

    #[test]
    fn a_backup_carries_refund_letters_and_purse_orders() {
        let from = filled();
        let letter = SavedRefund {
            nonce: halfpenny::Nonce([5; 16]),
            purse: halfpenny::PurseId([4; 16]),
            sessions: vec![halfpenny::SessionSerial(1)],
            letter: vec![8; 300],
            created_at: halfpenny::Timestamp(1_795_478_400),
            case: None,
        };
        let order = SavedOrder {
            nonce: halfpenny::Nonce([6; 16]),
            seller: halfpenny::KeyId([9; 32]),
            value: halfpenny::Amount::new(15, halfpenny::Currency::USD),
            request: vec![7; 500],
            created_at: halfpenny::Timestamp(1_795_478_401),
        };
        pollster::block_on(async {
            from.start_refund(halfpenny::PurseId([4; 16]), |_| Some(letter.clone()))
                .await
                .unwrap();
            from.save_order(&order).await.unwrap();
        });
        let file = pollster::block_on(export(&from, PASS, &mut Counter(4))).unwrap();
        assert_eq!(file[4], VERSION);
        let to = MemoryStore::new();
        pollster::block_on(import(&to, &file, PASS)).unwrap();
        pollster::block_on(async {
            assert_eq!(to.refund_letters().await, Ok(vec![letter]));
            assert_eq!(to.orders().await, Ok(vec![order]));
        });
    }

    #[test]
    fn a_version_1_backup_is_still_read() {
        let from = filled();
        let backup = pollster::block_on(async {
            Backup {
                identity: from.identity().await.unwrap().unwrap(),
                purses: from.purses().await.unwrap(),
                events: from.events().await.unwrap(),
                refunds: Vec::new(),
                orders: Vec::new(),
            }
        });
        let file = seal_as(VERSION_1, &backup, PASS, &mut Counter(5)).unwrap();
        assert_eq!(file[4], 1);
        assert_eq!(open(&file, PASS), Ok(backup));
    }

    #[test]
    fn wrong_passphrases_damage_and_strangers_are_refused_and_change_nothing() {
        let file = pollster::block_on(export(&filled(), PASS, &mut Counter(2))).unwrap();
        let to = MemoryStore::new();
        let import_err =
            |bytes: &[u8], pass: &str| pollster::block_on(import(&to, bytes, pass)).unwrap_err();
        assert_eq!(
            import_err(&file, "wrong horse battery"),
            BackupError::WrongPassphrase
        );
        let mut flipped = file.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(import_err(&flipped, PASS), BackupError::WrongPassphrase);
        // The header is bound to the ciphertext: cheaper parameters do not open it.
        let mut cheaper = file.clone();
        cheaper[8] ^= 1;
        assert_eq!(import_err(&cheaper, PASS), BackupError::WrongPassphrase);
        let mut costly = file.clone();
        costly[5..9].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(import_err(&costly, PASS), BackupError::TooCostly);
        let mut newer = file.clone();
        newer[4] = 3;
        assert_eq!(import_err(&newer, PASS), BackupError::UnknownVersion(3));
        assert_eq!(
            import_err(b"PK\x03\x04 a zip file", PASS),
            BackupError::NotABackup
        );
        assert_eq!(import_err(&file[..20], PASS), BackupError::NotABackup);
        assert_eq!(
            pollster::block_on(to.identity()),
            Ok(None),
            "nothing was restored"
        );
    }

    #[test]
    fn short_passphrases_and_empty_wallets_are_refused() {
        assert_eq!(
            pollster::block_on(export(&filled(), "short", &mut Counter(3))),
            Err(BackupError::WeakPassphrase)
        );
        assert_eq!(
            pollster::block_on(export(&MemoryStore::new(), PASS, &mut Counter(3))),
            Err(BackupError::NothingToBackUp)
        );
    }

    #[test]
    fn the_file_never_holds_the_keys_in_clear() {
        let file = pollster::block_on(export(&filled(), PASS, &mut Counter(4))).unwrap();
        let key = identity(1).signing_pkcs8.to_vec();
        assert!(!file.windows(32).any(|w| key.windows(32).any(|k| k == w)));
    }
}
