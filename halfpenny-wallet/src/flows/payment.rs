//! Paying (patent Fig. 7, the buyer initiating): halves marked pending and
//! noted before they leave, settled on the seller's receipt, released when
//! he took nothing. Halves he refuses as spent already (an older backup
//! restored) are marked spent and the payment is tried once more with
//! others, so a restored backup never loops.

use halfpenny::messages::{PaymentRequest, Receipt};
use halfpenny::wallet::PreparedPayment;
use halfpenny::{Amount, KeyId, Nonce, Timestamp};
use halfpenny_store::WalletStore;

use super::{FlowError, PaymentAnswer, SellerLink, StatusAnswer};
use crate::Keeper;

/// How a payment ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayOutcome {
    /// The seller's receipt, saved: her halves are spent.
    Paid {
        receipt: Receipt,
        /// What the halves were worth.
        paying: Amount,
        /// What a first try found spent already (zero almost always).
        spent_before: Amount,
    },
    /// No answer yet: the halves stay set aside until the seller says.
    Unknown,
}

/// Chooses halves for the request (marked pending and noted before they
/// leave), sends them, and settles or releases them on the answer.
pub async fn pay<S: WalletStore, L: SellerLink>(
    keeper: &Keeper<S>,
    link: &mut L,
    request: &PaymentRequest,
    now: Timestamp,
) -> Result<PayOutcome, FlowError> {
    let prepared = keeper.pay(request, now).await?;
    send(keeper, link, request, prepared, now).await
}

/// Pays without asking her when her allowance for this seller covers it;
/// `None` (nothing taken) when she must approve. A payment refused or never
/// made gives the allowance back what it took.
pub async fn pay_within_allowance<S: WalletStore, L: SellerLink>(
    keeper: &Keeper<S>,
    link: &mut L,
    request: &PaymentRequest,
    now: Timestamp,
) -> Result<Option<PayOutcome>, FlowError> {
    let Some(prepared) = keeper.pay_within_allowance(request, now).await? else {
        return Ok(None);
    };
    let first_send = !prepared.retry;
    let taken = prepared.paying;
    let outcome = send(keeper, link, request, prepared, now).await;
    if first_send && matches!(outcome, Err(FlowError::Refused { .. })) {
        keeper.refund_allowance(request.seller, taken).await?;
    }
    outcome.map(Some)
}

async fn send<S: WalletStore, L: SellerLink>(
    keeper: &Keeper<S>,
    link: &mut L,
    request: &PaymentRequest,
    mut prepared: PreparedPayment,
    now: Timestamp,
) -> Result<PayOutcome, FlowError> {
    let mut spent_before = Amount::zero(request.price.currency());
    // A second try only after halves were found spent already.
    for tries_left in [true, false] {
        keeper
            .note_sent(&prepared, &request.item, link.via(), now)
            .await?;
        let (purse, payment) = (prepared.payment.purse, prepared.payment.payment);
        match link.pay(&prepared.payment).await {
            PaymentAnswer::Receipt(receipt) => {
                settle(keeper, &receipt, payment, now).await?;
                return Ok(PayOutcome::Paid {
                    receipt,
                    paying: prepared.paying,
                    spent_before,
                });
            }
            PaymentAnswer::Unknown => return Ok(PayOutcome::Unknown),
            PaymentAnswer::Refused {
                code,
                message,
                spent,
            } => {
                let gone = if spent.is_empty() {
                    None
                } else {
                    keeper.spent_before(purse, payment, &spent, now).await.ok()
                };
                let Some(gone) = gone else {
                    keeper.release(purse, payment, now).await?;
                    return Err(FlowError::Refused { code, message });
                };
                spent_before = spent_before
                    .checked_add(gone)
                    .map_err(|_| FlowError::BadAnswer("a refusal's value".into()))?;
                if !tries_left {
                    return Err(FlowError::Refused { code, message });
                }
                prepared = keeper.pay(request, now).await?;
            }
        }
    }
    Ok(PayOutcome::Unknown)
}

/// Checks the receipt is for this payment and marks its halves spent.
async fn settle<S: WalletStore>(
    keeper: &Keeper<S>,
    receipt: &Receipt,
    payment: Nonce,
    now: Timestamp,
) -> Result<(), FlowError> {
    if receipt.payment != payment {
        return Err(FlowError::BadAnswer(
            "the seller's receipt is for another payment".into(),
        ));
    }
    Ok(keeper.settle(receipt, now).await?)
}

/// Asks the seller about every payment to him that a lost answer left
/// pending: settled if he took it, released if he never did, else kept.
/// Returns the items of those he took.
pub async fn recover_payments<S: WalletStore, L: SellerLink>(
    keeper: &Keeper<S>,
    link: &mut L,
    seller: KeyId,
    now: Timestamp,
) -> Result<Vec<String>, FlowError> {
    let mut taken = Vec::new();
    for purse in keeper.summaries().await? {
        if purse.seller != seller {
            continue;
        }
        for payment in purse.pending_payments {
            match link.status(payment).await {
                StatusAnswer::Taken(receipt) => {
                    settle(keeper, &receipt, payment, now).await?;
                    taken.push(receipt.item);
                }
                StatusAnswer::NotTaken => keeper.release(purse.purse, payment, now).await?,
                StatusAnswer::Unknown => {}
            }
        }
    }
    Ok(taken)
}
