//! The page's errors, and the one place they become the sentences she
//! reads: the modules below the page return typed errors, and only
//! [`said`] words them.

use halfpenny_store::backup::BackupError;
use halfpenny_wallet::KeeperError;

use crate::sentence;
use crate::wallet::WalletError;

/// Why something she asked for did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Wallet(#[from] WalletError),
    /// Her decision about a pending payment could not be carried out.
    #[error(transparent)]
    Keeper(#[from] KeeperError),
    /// A backup could not be made or opened.
    #[error(transparent)]
    Backup(#[from] BackupError),
    /// A backup opened, but held no wallet.
    #[error("the backup held no wallet")]
    NoWalletInBackup,
    /// Already a sentence: the pay steps (`pay.rs`) and `halfpenny-web`
    /// (the browser, the bank) still word their own errors.
    #[error("{0}")]
    Said(String),
}

impl From<String> for AppError {
    fn from(text: String) -> Self {
        Self::Said(text)
    }
}

/// The sentence the page shows for `e`.
pub fn said(e: &AppError) -> String {
    match e {
        AppError::Wallet(e) => wallet(e),
        AppError::Keeper(e) => sentence(e),
        AppError::Backup(e) => sentence(e),
        AppError::NoWalletInBackup => "The backup held no wallet.".to_owned(),
        AppError::Said(text) => text.clone(),
    }
}

fn wallet(e: &WalletError) -> String {
    match e {
        WalletError::NoStorage(e) => format!("This browser's storage is not available: {e}."),
        WalletError::Store(e) => sentence(e),
        WalletError::Keeper(e) => sentence(e),
        WalletError::Flow(e) => sentence(e),
        WalletError::Web(text) => text.clone(),
    }
}
