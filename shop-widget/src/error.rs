//! Everything that can end a payment badly: a stable code for the page's
//! scripts (`failed` event, `detail.code`) and a sentence for people
//! (`detail.message`, also shown in the button's status line).

/// Why a payment did not happen, or why it is not known whether it did.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayError {
    #[error(
        "This button's price must be a whole number of the currency's smallest unit, like 2 for USD 0.02."
    )]
    BadPrice,
    #[error("This button's currency must be three capital letters, like USD.")]
    BadCurrency,
    #[error("This button does not say which item it sells.")]
    BadItem,
    #[error("This button's shop address must be on this site.")]
    BadShop,
    #[error("Another payment is open in the wallet window; finish or close it first.")]
    Busy,
    #[error("The wallet window could not be opened; allow pop-ups for this site and try again.")]
    PopupBlocked,
    #[error("The wallet window was closed before the payment was finished; nothing was paid.")]
    PopupClosed,
    #[error("The shop cannot be reached right now; nothing was paid.")]
    ShopUnreachable,
    #[error("The shop's answer could not be read; nothing was paid.")]
    ShopUnreadable,
    /// The shop's own error, as it said it (the offer or the purse).
    #[error("{message}")]
    Shop { code: String, message: String },
    #[error("The shop asks {asked}, not the {shown} this button shows; nothing was paid.")]
    PriceMismatch { shown: String, asked: String },
    #[error("The shop offered another item than this button sells; nothing was paid.")]
    ItemMismatch,
    #[error("The shop named a wallet address that cannot be used; nothing was paid.")]
    BadWalletUrl,
    /// The wallet's `cancel`, with its sentence.
    #[error("{0}")]
    Cancelled(String),
    /// The till refused the payment and kept nothing.
    #[error("The shop refused the payment: {message}")]
    Refused { code: String, message: String },
    #[error(
        "The shop did not answer, so it is not known whether the payment went through; the wallet keeps those coins pending until it can find out."
    )]
    Unknown,
    #[error("The wallet sent a message this button cannot read.")]
    BadMessage,
    /// The till took the payment, but its answer does not open this item
    /// (unreadable, or for another item). The wallet was told to settle.
    #[error(
        "The shop took the payment, but its answer cannot be used to open this item; ask the shop for help."
    )]
    ReceiptUnusable,
}

impl PayError {
    /// A stable code for scripts: ours, or the shop's when it gave one.
    pub fn code(&self) -> &str {
        match self {
            Self::BadPrice => "bad_price",
            Self::BadCurrency => "bad_currency",
            Self::BadItem => "bad_item",
            Self::BadShop => "bad_shop",
            Self::Busy => "busy",
            Self::PopupBlocked => "popup_blocked",
            Self::PopupClosed => "popup_closed",
            Self::ShopUnreachable => "shop_unreachable",
            Self::ShopUnreadable => "shop_unreadable",
            Self::Shop { code, .. } | Self::Refused { code, .. } => code,
            Self::PriceMismatch { .. } => "price_mismatch",
            Self::ItemMismatch => "item_mismatch",
            Self::BadWalletUrl => "bad_wallet_url",
            Self::Cancelled(_) => "cancelled",
            Self::Unknown => "payment_unknown",
            Self::BadMessage => "bad_message",
            Self::ReceiptUnusable => "receipt_unusable",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_sentences_are_sentences() {
        let e = PayError::PriceMismatch {
            shown: "USD 0.02".into(),
            asked: "USD 0.03".into(),
        };
        assert_eq!(e.code(), "price_mismatch");
        assert_eq!(
            e.to_string(),
            "The shop asks USD 0.03, not the USD 0.02 this button shows; nothing was paid."
        );
        let refused = PayError::Refused {
            code: "double_spend".into(),
            message: "These coins were spent already.".into(),
        };
        assert_eq!(refused.code(), "double_spend");
        assert!(refused.to_string().ends_with("spent already."));
        assert_eq!(PayError::Unknown.code(), "payment_unknown");
        for e in [
            PayError::BadPrice,
            PayError::PopupBlocked,
            PayError::PopupClosed,
            PayError::Unknown,
            PayError::BadMessage,
        ] {
            let s = e.to_string();
            assert!(s.ends_with('.'), "{s}");
            assert!(s.starts_with(|c: char| c.is_ascii_uppercase()), "{s}");
        }
    }
}
