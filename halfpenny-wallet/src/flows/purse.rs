//! Buying a purse (patent Figs. 2 and 6, the buyer's side). The order is saved
//! before it leaves; until its purse is in her store it is pending, and is
//! sent again, the very same bytes: through the seller (the bank answers a
//! known order with its first answer), or straight to the bank with a
//! recovery request only she can sign, when the seller is gone or down.

use halfpenny::letter::Freshness;
use halfpenny::messages::PurseRequest;
use halfpenny::wallet::BuyerPurse;
use halfpenny::{KeyId, Timestamp};
use halfpenny_store::WalletStore;
use rand_core::CryptoRng;

use super::{BankLink, FlowError, LinkError, SellerLink};
use crate::{Keeper, KeeperError, OrderToSend};

/// Orders a purse through the seller and keeps her halves. If no answer
/// comes, the order stays saved and pending: [`recover_orders`] finishes it.
pub async fn buy_purse<S: WalletStore, L: SellerLink, R: CryptoRng + ?Sized>(
    keeper: &Keeper<S>,
    link: &mut L,
    body: &PurseRequest,
    now: Timestamp,
    rng: &mut R,
) -> Result<BuyerPurse, FlowError> {
    let order = keeper.order_purse(body, now, rng).await?;
    through_seller(keeper, link, &order, now).await
}

/// The refusals with which the bank turns down a purse order without
/// minting anything. Any other answer (an expired or reused letter, the
/// bank out of reach) leaves the order to be asked about again.
const NOTHING_MINTED: &[&str] = &[
    "insufficient_funds",
    "unknown_account",
    "wrong_role",
    "seller_mismatch",
    "empty_request",
    "too_many_tokens",
    "unsupported_suite",
    "bad_denomination",
    "assertion_not_proven",
    "wrong_bank",
];

async fn through_seller<S: WalletStore, L: SellerLink>(
    keeper: &Keeper<S>,
    link: &mut L,
    order: &OrderToSend,
    now: Timestamp,
) -> Result<BuyerPurse, FlowError> {
    match link.order_purse(&order.request).await {
        Ok(sealed) => keeper
            .receive_ordered_purse(order.nonce, &sealed, now)
            .await
            .map_err(unreadable),
        Err(LinkError::Refused { code, message }) => {
            if NOTHING_MINTED.contains(&code.as_str()) {
                keeper.drop_order(order.nonce).await?;
            }
            Err(FlowError::Refused { code, message })
        }
        Err(e) => Err(e.into()),
    }
}

/// A purse answer she could not take (forged, too old through the seller,
/// not the purse ordered) is a bad answer: the order stays and is asked
/// about again. Only her store failing is her wallet's own error.
fn unreadable(e: KeeperError) -> FlowError {
    match e {
        KeeperError::Store(_) => e.into(),
        other => FlowError::BadAnswer(other.to_string()),
    }
}

/// What [`recover_orders`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrdersChecked {
    /// Purses that came in.
    pub received: Vec<BuyerPurse>,
    /// Orders the bank can no longer mint, that it never minted: dropped,
    /// nothing was debited.
    pub dropped: usize,
    /// Orders still waiting (no answer from anyone yet).
    pub waiting: usize,
}

/// Whether the bank's "never minted" settles the order: the bank can no
/// longer take it (past the letter's age limit and the clock skew it
/// allows). The bank keeps its answer to a purse order as long as any
/// purse can be spent or refunded (180 days), so until then its silence is
/// true; after that nothing she could recover would be worth anything.
fn never_minted(order: &OrderToSend, now: Timestamp) -> bool {
    let f = Freshness::default();
    let age = now.0.saturating_sub(order.created_at.0);
    age > f.max_age_secs.saturating_add(f.max_skew_secs)
}

/// Finishes every saved order whose purse has not come: sent again through
/// `seller` (when given, and the order is for him: `(his key id, link)`),
/// else asked of the bank (when given). An order the bank says it never
/// minted, once the bank could no longer take it, is dropped: nothing was
/// debited. The pay window passes only the seller (paying contacts no one
/// else); the wallet page passes only the bank.
pub async fn recover_orders<S, L, B, R>(
    keeper: &Keeper<S>,
    mut seller: Option<(KeyId, &mut L)>,
    mut bank: Option<&mut B>,
    now: Timestamp,
    rng: &mut R,
) -> Result<OrdersChecked, FlowError>
where
    S: WalletStore,
    L: SellerLink,
    B: BankLink,
    R: CryptoRng + ?Sized,
{
    let mut out = OrdersChecked::default();
    for order in keeper.orders_to_send().await? {
        if let Some((id, link)) = seller.as_mut()
            && *id == order.seller
        {
            match through_seller(keeper, *link, &order, now).await {
                Ok(purse) => {
                    out.received.push(purse);
                    continue;
                }
                Err(FlowError::Refused { code, .. }) if NOTHING_MINTED.contains(&code.as_str()) => {
                    out.dropped += 1;
                    continue;
                }
                Err(FlowError::Keeper(e)) => return Err(e.into()),
                Err(_) => {}
            }
        }
        let Some(bank) = bank.as_deref_mut() else {
            out.waiting += 1;
            continue;
        };
        let ask = keeper.purse_recovery_request(order.nonce, now, rng)?;
        match bank.recover_purse(&ask).await {
            Ok(Some(sealed)) => match keeper
                .receive_recovered_purse(order.nonce, &sealed, now)
                .await
                .map_err(unreadable)
            {
                Ok(purse) => out.received.push(purse),
                Err(FlowError::Keeper(e)) => return Err(e.into()),
                Err(_) => out.waiting += 1,
            },
            Ok(None) if never_minted(&order, now) => {
                keeper.drop_order(order.nonce).await?;
                out.dropped += 1;
            }
            Ok(None) | Err(_) => out.waiting += 1,
        }
    }
    Ok(out)
}
