//! The JSON bodies of the shop's HTTP API (see shop-widget/PROTOCOL.md).
//! Protocol messages travel inside them in their text form (`hpr1.…`,
//! `hpq1.…`, `hps1.…`, `hpp1.…`, `hpc1.…`).

use serde::{Deserialize, Serialize};

pub use halfpenny_server_kit::error_view::{ErrorDetail, ErrorView};
pub use halfpenny_server_kit::views::AmountView;

#[derive(Deserialize, Debug, Clone)]
pub struct OfferBody {
    pub item: String,
}

/// A payment request for one item, at the server's price.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct OfferReply {
    /// The payment request (`hpr1.…`) for the wallet.
    pub request: String,
    pub item: String,
    pub title: String,
    pub price_minor: u64,
    pub currency: String,
    /// The price for people, e.g. `USD 0.05`.
    pub price_text: String,
    /// An assertion such as `age>=18`, or null.
    pub requires: Option<String>,
    /// The seller's account (his key id, 64 hex digits).
    pub seller: String,
    /// The bank's id.
    pub bank: String,
    /// Where the buyer's wallet page is.
    pub wallet_url: String,
}

#[derive(Deserialize, Debug, Clone)]
pub struct PurseBody {
    /// The wallet's forwarded purse request (`hpq1.…`).
    pub request: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PurseReply {
    /// The buyer's purse, sealed for her (`hps1.…`).
    pub purse: String,
}

#[derive(Deserialize, Debug, Clone)]
pub struct PaymentBody {
    /// The buyer's halves (`hpp1.…`).
    pub payment: String,
}

/// What a 409 `double_spend` carries beside `error`: every half of the
/// payment that was already spent, by session number, in order (never
/// empty). The wallet marks exactly these spent and pays again without them.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SpentHalves {
    pub spent: Vec<u32>,
}

/// The whole body of a 409 `double_spend`:
/// `{"error": {"code": "double_spend", "message"}, "spent": [3, 7]}`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DoubleSpendView {
    pub error: ErrorDetail,
    #[serde(flatten)]
    pub halves: SpentHalves,
}

/// The answer to a taken payment; the same payment always gets the same one.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PaymentReply {
    /// The receipt (`hpc1.…`) for the wallet.
    pub receipt: String,
    /// Opens the item: `Authorization: Halfpenny <access>`.
    pub access: String,
    pub item: String,
}

/// A paid item's content.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ArticleView {
    pub item: String,
    pub title: String,
    pub body: String,
}

/// What the bank posts to the seller's address: a sealed letter for him.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct NoticeBody {
    pub kind: String,
    pub letter: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct NoticeReply {
    /// What the shop did: `returned`, `return_pending`, `recorded`.
    pub handled: String,
}

/// One token's outcome at the bank.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct LineView {
    pub purse: String,
    pub session: u32,
    /// `credited`, or the bank's refusal code.
    pub outcome: String,
    pub amount_minor: u64,
}

/// What one call of the redemption did.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct RedeemReply {
    /// Letters the bank answered in this call.
    pub letters: u64,
    pub tokens: u64,
    pub credited: Vec<AmountView>,
    pub lines: Vec<LineView>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PurseView {
    pub purse: String,
    pub currency: String,
    /// `open`, `returning` (asked back for a refund) or `returned`.
    pub state: String,
    pub expires_at: u64,
    pub unspent_minor: u64,
    pub halves_left: u64,
    pub spent: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TakingsView {
    pub currency: String,
    pub minor: u64,
    pub tokens: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct RedemptionView {
    pub id: i64,
    pub tokens: u64,
    pub created_at: u64,
    /// Null while the bank has not answered (the letter is sent again).
    pub answered_at: Option<u64>,
    pub refused: Option<String>,
    pub credited: Vec<AmountView>,
    pub lines: Vec<LineView>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ReturnView {
    pub case: String,
    pub purse: String,
    /// `sent`, `answered` or `refused`.
    pub state: String,
    pub created_at: u64,
    pub seller_credited: Option<AmountView>,
    pub buyer_refunded: Option<AmountView>,
    pub code: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct RefundResultView {
    pub case: String,
    pub purse: String,
    pub settled_by: String,
    pub seller_credited: AmountView,
    pub buyer_refunded: AmountView,
    pub received_at: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct RefusalView {
    /// The payment's nonce (hex), when the payment could be read at all.
    pub payment: Option<String>,
    pub code: String,
    pub message: String,
    pub at: u64,
}

/// The operator's view of the shop. It names no buyer: the seller never
/// learns who paid.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SummaryView {
    pub seller: String,
    pub bank: String,
    pub purses: Vec<PurseView>,
    /// Money taken and not yet handed to the bank.
    pub takings: Vec<TakingsView>,
    /// What the bank credited, from redemptions and returns.
    pub redeemed: Vec<AmountView>,
    pub redemptions: Vec<RedemptionView>,
    pub returns: Vec<ReturnView>,
    pub refund_results: Vec<RefundResultView>,
    pub refused: Vec<RefusalView>,
}
