//! Redeeming the takings (patent Fig. 9): every joined money token goes to
//! the bank in one signed letter; the tokens are marked handed in only
//! once the bank answered, so a lost answer leaves them to go again.

use halfpenny::{Amount, Timestamp};
use halfpenny_till_store::TillStore;
use rand_core::CryptoRng;

use super::{BankLink, FlowError};
use crate::TillDesk;

/// What a redemption did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeemed {
    /// What the bank credited, per currency.
    pub credited: Vec<Amount>,
    /// How many payments' tokens were handed in.
    pub payments: usize,
}

/// Hands every joined money token to the bank. `Ok(None)` when there is
/// nothing to redeem (nothing was sent).
pub async fn redeem<S: TillStore, B: BankLink, R: CryptoRng + ?Sized>(
    desk: &TillDesk<S>,
    bank: &mut B,
    now: Timestamp,
    rng: &mut R,
) -> Result<Option<Redeemed>, FlowError> {
    let Some(redemption) = desk.redemption(now, rng).await? else {
        return Ok(None);
    };
    let credited = bank.redeem(&redemption.letter).await?;
    let payments = desk.redeemed(&redemption.payments).await?;
    Ok(Some(Redeemed { credited, payments }))
}
