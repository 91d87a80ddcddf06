use halfpenny::crypto::CryptoError;
use halfpenny::wallet::WalletError;
use halfpenny_store::StoreError;

/// What can stop the wallet. Each leaves the saved state as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeeperError {
    #[error("this wallet already has an identity")]
    AlreadyCreated,
    #[error("this wallet has no identity yet")]
    NoIdentity,
    #[error("no purse in this wallet can pay this seller: {0}")]
    CannotPay(WalletError),
    #[error("this wallet holds no purse for this seller")]
    NoPurseForSeller,
    #[error("this wallet has no such purse")]
    UnknownPurse,
    #[error("the saved keys could not be read")]
    BadSavedKeys,
    #[error("a purse order is worth more than a wallet can count")]
    OrderTooLarge,
    #[error("the purse that came back is not the one ordered")]
    NotTheOrderedPurse,
    #[error(transparent)]
    Wallet(#[from] WalletError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl KeeperError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlreadyCreated => "identity_exists",
            Self::NoIdentity => "no_identity",
            Self::CannotPay(e) => e.code(),
            Self::NoPurseForSeller => "no_purse_for_seller",
            Self::UnknownPurse => "unknown_purse",
            Self::BadSavedKeys => "bad_saved_keys",
            Self::OrderTooLarge => "order_too_large",
            Self::NotTheOrderedPurse => "not_the_ordered_purse",
            Self::Wallet(e) => e.code(),
            Self::Store(e) => e.code(),
            Self::Crypto(e) => e.code(),
        }
    }
}
