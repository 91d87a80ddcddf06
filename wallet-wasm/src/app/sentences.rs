//! The page's errors, and the one place they become the sentences she
//! reads: the modules below the page return typed errors, and only
//! [`said`] words them.

use halfpenny_store::backup::BackupError;
use halfpenny_wallet::KeeperError;
use halfpenny_wallet::flows::FlowError;
use halfpenny_web::{BrowserError, CallError};

use crate::courier::AskError;
use crate::in_person::TillError;
use crate::pay::PayError;
use crate::sentence;
use crate::shop_link::LinkError;
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
    /// A step of paying a shop.
    #[error(transparent)]
    Pay(#[from] PayError),
    /// The bank, as `halfpenny-web` got its answer (registering her
    /// again after a restore).
    #[error(transparent)]
    Bank(#[from] CallError),
    /// The browser (a file to read or save, its randomness).
    #[error(transparent)]
    Browser(#[from] BrowserError),
}

/// The sentence the page shows for `e`.
pub fn said(e: &AppError) -> String {
    match e {
        AppError::Wallet(e) => wallet(e),
        AppError::Keeper(e) => sentence(e),
        AppError::Backup(e) => sentence(e),
        AppError::NoWalletInBackup => "The backup held no wallet.".to_owned(),
        AppError::Pay(e) => pay(e),
        AppError::Bank(e) => bank(e),
        AppError::Browser(e) => browser(e),
    }
}

fn pay(e: &PayError) -> String {
    match e {
        PayError::Unreadable => "The payment request could not be read.".to_owned(),
        PayError::Total(e) => sentence(e),
        PayError::NotWholeCoins { coin, .. } => {
            format!("Choose a total that is a whole number of {coin} coins.")
        }
        PayError::TooManyCoins { .. } => {
            "A purse holds at most 10,000 coins; choose larger coins.".to_owned()
        }
        PayError::Allowance(e) => format!("The allowance could not be read: {}", sentence(e)),
        PayError::Store(e) => sentence(e),
        PayError::Keeper(e) => sentence(e),
        PayError::Recover(e) | PayError::Pay(e) => paying(e),
        PayError::BuyPurse(FlowError::Refused { message, .. }) => {
            format!("The shop could not get a purse: {message}")
        }
        PayError::BuyPurse(FlowError::NoAnswer(_)) => "No answer came for your purse. Your \
            order is saved: open this shop's page again, or your wallet, and it is asked for \
            again (the bank never charges twice)."
            .to_owned(),
        PayError::BuyPurse(e) => sentence(e),
        PayError::Browser(e) => browser(e),
    }
}

/// A payment's (or its recovery's) error: the shop's refusal is told as
/// it came.
fn paying(e: &FlowError) -> String {
    match e {
        FlowError::Refused { message, .. } => {
            format!("The seller refused the payment and kept nothing: {message}")
        }
        other => sentence(other),
    }
}

/// Why a courier brought no answer. `halfpenny-wallet`'s flows carry it
/// as text (`LinkError::NoAnswer`), so `courier` asks for it here.
pub fn asked(e: &AskError) -> String {
    match e {
        AskError::Page(LinkError::NoRequestYet) => "No shop has asked for a payment.",
        AskError::Page(LinkError::NotEncoded(_)) => "The message could not be prepared.",
        AskError::Page(LinkError::Unreachable) => "The shop's page cannot be reached.",
        AskError::Page(LinkError::Gone) => "The shop's page went away.",
        AskError::Till(TillError::NothingToShow(_)) => "There is nothing to show the till.",
        AskError::Till(TillError::StoppedWaiting) => "The page stopped waiting for the till.",
    }
    .to_owned()
}

/// Why the bank gave no answer to use: its refusal is told as it came.
fn bank(e: &CallError) -> String {
    match e {
        CallError::Unreachable => "The bank cannot be reached right now.".to_owned(),
        CallError::Refused { message, .. } => message.clone(),
        CallError::Unreadable => "The bank's answer could not be read.".to_owned(),
    }
}

/// What the browser would not do.
fn browser(e: &BrowserError) -> String {
    match e {
        BrowserError::NoRandomness => "The browser gave no randomness.",
        BrowserError::NotSaved => "The browser could not save the file.",
        BrowserError::NoDocument => "The page has no document.",
        BrowserError::NoLink => "The page could not make a link.",
        // The only file she chooses is a backup.
        BrowserError::NoFileChosen => "Choose a backup file first.",
        BrowserError::FileUnreadable => "The file could not be read.",
    }
    .to_owned()
}

fn wallet(e: &WalletError) -> String {
    match e {
        WalletError::NoStorage(e) => format!("This browser's storage is not available: {e}."),
        WalletError::Store(e) => sentence(e),
        WalletError::Keeper(e) => sentence(e),
        WalletError::Flow(e) => sentence(e),
        WalletError::Bank(e) => bank(e),
        WalletError::Browser(e) => browser(e),
    }
}

#[cfg(test)]
mod tests {
    use halfpenny::{Amount, AmountError, Currency};
    use halfpenny_pay_protocol::Kind;
    use halfpenny_store::StoreError;
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
    fn the_banks_answers_are_worded_as_before() {
        assert_eq!(
            said(&WalletError::Bank(CallError::Unreachable).into()),
            "The bank cannot be reached right now."
        );
        assert_eq!(
            said(&AppError::Bank(CallError::Unreadable)),
            "The bank's answer could not be read."
        );
        // The bank's own message, as it sent it.
        let refused = CallError::Refused {
            status: 409,
            code: "conflict".to_owned(),
            message: "That account exists with other keys.".to_owned(),
        };
        assert_eq!(
            said(&refused.clone().into()),
            "That account exists with other keys."
        );
        assert_eq!(
            said(&WalletError::Bank(refused).into()),
            "That account exists with other keys."
        );
    }

    #[wasm_bindgen_test]
    fn the_browsers_refusals_are_worded_as_before() {
        let cases = [
            (
                BrowserError::NoRandomness,
                "The browser gave no randomness.",
            ),
            (
                BrowserError::NotSaved,
                "The browser could not save the file.",
            ),
            (BrowserError::NoDocument, "The page has no document."),
            (BrowserError::NoLink, "The page could not make a link."),
            (BrowserError::NoFileChosen, "Choose a backup file first."),
            (BrowserError::FileUnreadable, "The file could not be read."),
        ];
        for (e, sentence) in cases {
            assert_eq!(said(&e.into()), sentence);
            assert_eq!(said(&PayError::Browser(e).into()), sentence);
            assert_eq!(said(&WalletError::Browser(e).into()), sentence);
        }
    }

    fn refused(code: &str, message: &str) -> FlowError {
        FlowError::Refused {
            code: code.to_owned(),
            message: message.to_owned(),
        }
    }

    #[wasm_bindgen_test]
    fn what_she_types_is_worded_as_the_page_tests_expect() {
        assert_eq!(
            said(&PayError::Unreadable.into()),
            "The payment request could not be read."
        );
        assert_eq!(
            said(&PayError::Total(AmountError::InvalidDecimal(2)).into()),
            "Write an amount like 1.50, with at most 2 digits after the point."
        );
        let not_whole = PayError::NotWholeCoins {
            total: Amount::new(7, Currency::USD),
            coin: Amount::new(5, Currency::USD),
        };
        assert_eq!(
            said(&not_whole.into()),
            "Choose a total that is a whole number of USD 0.05 coins."
        );
        assert_eq!(
            said(&PayError::TooManyCoins { count: 10_001 }.into()),
            "A purse holds at most 10,000 coins; choose larger coins."
        );
        // The exact sentence `wallet-allowance.spec.ts` asserts.
        assert_eq!(
            said(&PayError::Allowance(AmountError::InvalidDecimal(2)).into()),
            "The allowance could not be read: Write an amount like 1.50, with at most 2 digits \
             after the point."
        );
    }

    #[wasm_bindgen_test]
    fn the_pay_steps_are_worded_by_step() {
        assert_eq!(
            said(&PayError::Store(StoreError::NotFound).into()),
            "There is no such purse in this wallet."
        );
        assert_eq!(
            said(&PayError::Keeper(KeeperError::NoIdentity).into()),
            "This wallet has no identity yet."
        );
        assert_eq!(
            said(&PayError::Pay(refused("double_spend", "already spent")).into()),
            "The seller refused the payment and kept nothing: already spent"
        );
        assert_eq!(
            said(&PayError::Recover(refused("refused", "not today")).into()),
            "The seller refused the payment and kept nothing: not today"
        );
        assert_eq!(
            said(&PayError::Pay(FlowError::Keeper(KeeperError::UnknownPurse)).into()),
            "This wallet has no such purse."
        );
        assert_eq!(
            said(&PayError::Pay(FlowError::BadAnswer("her receipt".to_owned())).into()),
            "The answer could not be read: her receipt."
        );
        assert_eq!(
            said(&PayError::BuyPurse(refused("bank_down", "try later")).into()),
            "The shop could not get a purse: try later"
        );
        assert_eq!(
            said(&PayError::BuyPurse(FlowError::NoAnswer("lost".to_owned())).into()),
            "No answer came for your purse. Your order is saved: open this shop's page again, \
             or your wallet, and it is asked for again (the bank never charges twice)."
        );
        assert_eq!(
            said(&PayError::BuyPurse(FlowError::BadAnswer("her purse".to_owned())).into()),
            "The answer could not be read: her purse."
        );
    }

    #[wasm_bindgen_test]
    fn why_no_answer_came_is_worded_per_courier() {
        let cases = [
            (
                AskError::Page(LinkError::NoRequestYet),
                "No shop has asked for a payment.",
            ),
            (
                AskError::Page(LinkError::NotEncoded(Kind::Payment)),
                "The message could not be prepared.",
            ),
            (
                AskError::Page(LinkError::Unreachable),
                "The shop's page cannot be reached.",
            ),
            (
                AskError::Page(LinkError::Gone),
                "The shop's page went away.",
            ),
            (
                AskError::Till(TillError::NothingToShow(Kind::Status)),
                "There is nothing to show the till.",
            ),
            (
                AskError::Till(TillError::StoppedWaiting),
                "The page stopped waiting for the till.",
            ),
        ];
        for (e, sentence) in cases {
            assert_eq!(asked(&e), sentence);
        }
    }
}
