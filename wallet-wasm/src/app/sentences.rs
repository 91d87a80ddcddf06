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

#[cfg(test)]
mod tests {
    use halfpenny_store::StoreError;
    use halfpenny_wallet::flows::FlowError;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn backups_are_worded_as_the_page_tests_expect() {
        assert_eq!(
            said(&BackupError::WrongPassphrase.into()),
            "The passphrase is wrong, or the file is damaged."
        );
        assert_eq!(
            said(&BackupError::WeakPassphrase.into()),
            "A backup passphrase needs at least 10 characters."
        );
        assert_eq!(
            said(&AppError::NoWalletInBackup),
            "The backup held no wallet."
        );
    }

    #[wasm_bindgen_test]
    fn wallet_errors_become_sentences() {
        let no_storage = WalletError::NoStorage(StoreError::Backend("blocked".to_owned()));
        assert_eq!(
            said(&no_storage.into()),
            "This browser's storage is not available: the browser's storage failed: blocked."
        );
        assert_eq!(
            said(&WalletError::Store(StoreError::NotFound).into()),
            "There is no such purse in this wallet."
        );
        assert_eq!(
            said(&WalletError::Keeper(KeeperError::UnknownPurse).into()),
            "This wallet has no such purse."
        );
        let refused = FlowError::Refused {
            code: "refund_refused".to_owned(),
            message: "nothing to refund".to_owned(),
        };
        assert_eq!(
            said(&WalletError::Flow(refused).into()),
            "Refused (refund_refused): nothing to refund."
        );
        assert_eq!(
            said(&KeeperError::NoIdentity.into()),
            "This wallet has no identity yet."
        );
    }

    #[wasm_bindgen_test]
    fn sentences_from_below_are_shown_as_they_are() {
        let web = WalletError::Web("The bank cannot be reached".to_owned());
        assert_eq!(said(&web.into()), "The bank cannot be reached");
        assert_eq!(
            said(&"The payment request could not be read.".to_owned().into()),
            "The payment request could not be read."
        );
    }
}
