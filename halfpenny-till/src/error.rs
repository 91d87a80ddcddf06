use halfpenny::crypto::CryptoError;
use halfpenny::messages::MAX_ITEM_NAME;
use halfpenny::till::TillError;
use halfpenny::wire::WireError;
use halfpenny::{AmountError, BankId};
use halfpenny_till_store::StoreError;

/// What can go wrong at the till. Each leaves the saved state as it was,
/// and reads as a sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeskError {
    #[error("this till is already set up")]
    AlreadyCreated,
    #[error("the saved keys could not be read")]
    BadSavedKeys,
    #[error("this purse request is for another bank ({0})")]
    WrongBank(BankId),
    #[error("name the item (at most {MAX_ITEM_NAME} bytes)")]
    BadItem,
    #[error("the price must be above zero")]
    ZeroPrice,
    #[error("the payment does not answer a request this till made")]
    UnknownRequest,
    #[error("another till tab keeps taking these halves; try again")]
    Busy,
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error(transparent)]
    Text(#[from] WireError),
    #[error(transparent)]
    Till(#[from] TillError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DeskError {
    /// A stable code, as recorded with a refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlreadyCreated => "already_created",
            Self::BadSavedKeys => "bad_saved_keys",
            Self::WrongBank(_) => "wrong_bank",
            Self::BadItem => "bad_item",
            Self::ZeroPrice => "zero_price",
            Self::UnknownRequest => "unknown_request",
            Self::Busy => "busy",
            Self::Amount(e) => e.code(),
            Self::Text(e) => e.code(),
            Self::Till(e) => e.code(),
            Self::Crypto(e) => e.code(),
            Self::Store(e) => e.code(),
        }
    }
}
