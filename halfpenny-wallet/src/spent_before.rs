//! A restored backup never loops: halves the seller refuses as spent
//! already are marked spent for good, with the refusal as the reason, and
//! are never offered again.

use halfpenny::wallet::{HalfState, WalletError};
use halfpenny::{Amount, Nonce, PurseId, SessionSerial, Timestamp};
use halfpenny_store::{EventKind, WalletStore};

use crate::{Keeper, KeeperError};

impl<S: WalletStore> Keeper<S> {
    /// The seller refused `payment` because the halves `spent` in it were
    /// spent already (a copy of this wallet paid with them: an older backup
    /// restored, or another device). In one store transaction those halves
    /// become spent and the payment's other halves are hers again. Her
    /// history records both, the refusal as the reason. Returns the value
    /// marked spent. Sessions that are not pending in this payment are
    /// ignored (a seller cannot make her give up halves he was not sent);
    /// if none is, nothing changes and `NoSuchPayment` is returned.
    pub async fn spent_before(
        &self,
        purse: PurseId,
        payment: Nonce,
        spent: &[SessionSerial],
        now: Timestamp,
    ) -> Result<Amount, KeeperError> {
        let (gone, freed) = self
            .try_update(purse, |p| {
                let (before_spent, before_free) = (p.spent(), p.available());
                let mut named = false;
                for (session, half) in &mut p.halves {
                    if half.state != HalfState::Pending(payment) {
                        continue;
                    }
                    half.state = if spent.contains(session) {
                        named = true;
                        HalfState::Spent(payment)
                    } else {
                        HalfState::Available
                    };
                }
                let no_such = || KeeperError::Wallet(WalletError::NoSuchPayment(payment));
                if !named {
                    return Err(no_such());
                }
                // Both only grow: these subtractions cannot fail.
                let gone = p.spent().checked_sub(before_spent).map_err(|_| no_such())?;
                let freed = p
                    .available()
                    .checked_sub(before_free)
                    .map_err(|_| no_such())?;
                Ok((gone, freed))
            })
            .await?;
        self.record(now, purse, gone, EventKind::SpentBefore { payment })
            .await?;
        if !freed.is_zero() {
            self.record(now, purse, freed, EventKind::Released { payment })
                .await?;
        }
        Ok(gone)
    }
}
