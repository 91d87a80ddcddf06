//! Purse orders: the bank debits her when it mints, so an order is saved
//! before it leaves her device and kept until its purse is in her store.
//! Sent again (the very same bytes), it gets the bank's first answer: one
//! purse, never two.

use halfpenny::crypto::seal::SealedBox;
use halfpenny::letter::LetterKind;
use halfpenny::messages::{ForwardedPurseRequest, PurseRecoveryRequest, PurseRequest};
use halfpenny::wallet::BuyerPurse;
use halfpenny::wire::{Decode, Encode};
use halfpenny::{Amount, KeyId, Nonce, Timestamp};
use halfpenny_store::{EventKind, SavedOrder, StoreError, WalletStore};
use rand_core::CryptoRng;

use crate::{Keeper, KeeperError};

/// A purse order to send (again): the request exactly as saved when she
/// ordered.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OrderToSend {
    /// Her purse request letter's nonce.
    pub nonce: Nonce,
    pub seller: KeyId,
    /// What the bank debits her for it.
    pub value: Amount,
    pub request: ForwardedPurseRequest,
    pub created_at: Timestamp,
}

impl OrderToSend {
    fn read(saved: SavedOrder) -> Result<Self, KeeperError> {
        let request = ForwardedPurseRequest::from_bytes(&saved.request)
            .map_err(|_| KeeperError::Store(StoreError::Corrupt("purse order")))?;
        Ok(Self {
            nonce: saved.nonce,
            seller: saved.seller,
            value: saved.value,
            request,
            created_at: saved.created_at,
        })
    }
}

/// What the money of a purse request is worth.
fn value_of(body: &PurseRequest) -> Result<Amount, KeeperError> {
    body.money
        .iter()
        .try_fold(0u64, |sum, d| {
            d.value_minor
                .checked_mul(u64::from(d.count))
                .and_then(|v| sum.checked_add(v))
        })
        .map(|minor| Amount::new(minor, body.currency))
        .ok_or(KeeperError::OrderTooLarge)
}

impl<S: WalletStore> Keeper<S> {
    /// A purse request sealed for the bank, for the seller to forward,
    /// saved as an order before it is returned: send it only after this
    /// returns. Until its purse is in, [`orders_to_send`] gives it back,
    /// unchanged, to send again.
    ///
    /// [`orders_to_send`]: Self::orders_to_send
    pub async fn order_purse<R: CryptoRng + ?Sized>(
        &self,
        body: &PurseRequest,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<OrderToSend, KeeperError> {
        let value = value_of(body)?;
        let (request, nonce) = self.wallet.request_purse(self.keys(), body, now, rng)?;
        let saved = SavedOrder {
            nonce,
            seller: body.seller,
            value,
            request: request.to_bytes(),
            created_at: now,
        };
        self.store.save_order(&saved).await?;
        Ok(OrderToSend {
            nonce,
            seller: body.seller,
            value,
            request,
            created_at: now,
        })
    }

    /// Her orders whose purse has not come, oldest first.
    pub async fn orders_to_send(&self) -> Result<Vec<OrderToSend>, KeeperError> {
        let mut out = self
            .store
            .orders()
            .await?
            .into_iter()
            .map(OrderToSend::read)
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|o| (o.created_at, o.nonce));
        Ok(out)
    }

    /// Opens the purse that answers the order `nonce` and saves it, dropping
    /// the order, in one store transaction. The same purse twice is saved
    /// once. A purse that is not the one ordered (another seller, another
    /// value, or an older purse of hers passed off as new) is refused and
    /// the order keeps waiting.
    pub async fn receive_ordered_purse(
        &self,
        nonce: Nonce,
        sealed: &SealedBox,
        now: Timestamp,
    ) -> Result<BuyerPurse, KeeperError> {
        let purse = self.wallet.receive_purse(self.keys(), sealed, now)?;
        self.complete_order(nonce, purse, now).await
    }

    /// [`receive_ordered_purse`] for the bank's answer to her recovery
    /// request ([`purse_recovery_request`]): opened at any age, since the
    /// purse may have been minted weeks before she asked.
    ///
    /// [`receive_ordered_purse`]: Self::receive_ordered_purse
    /// [`purse_recovery_request`]: Self::purse_recovery_request
    pub async fn receive_recovered_purse(
        &self,
        nonce: Nonce,
        sealed: &SealedBox,
        now: Timestamp,
    ) -> Result<BuyerPurse, KeeperError> {
        let purse = self
            .wallet
            .receive_recovered_purse(self.keys(), sealed, now)?;
        self.complete_order(nonce, purse, now).await
    }

    async fn complete_order(
        &self,
        nonce: Nonce,
        purse: BuyerPurse,
        now: Timestamp,
    ) -> Result<BuyerPurse, KeeperError> {
        let Some(order) = self
            .store
            .orders()
            .await?
            .into_iter()
            .find(|o| o.nonce == nonce)
        else {
            // Done already (another tab, or this answer came twice): only
            // a purse she holds is harmless here.
            return match self.store.purse(purse.id).await? {
                Some(_) => Ok(purse),
                None => Err(KeeperError::NotTheOrderedPurse),
            };
        };
        if purse.seller != order.seller || purse.available() != order.value {
            return Err(KeeperError::NotTheOrderedPurse);
        }
        if !self.store.complete_order(nonce, &purse).await? {
            return Err(KeeperError::NotTheOrderedPurse);
        }
        self.record(now, purse.id, purse.available(), EventKind::PurseReceived)
            .await?;
        Ok(purse)
    }

    /// A signed request, sealed for the bank, for the purse it minted for
    /// the order `nonce`: only she can make it, and the bank gives the
    /// purse (sealed for her) to no one else.
    pub fn purse_recovery_request<R: CryptoRng + ?Sized>(
        &self,
        nonce: Nonce,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, KeeperError> {
        self.to_bank(
            LetterKind::PurseRecovery,
            &PurseRecoveryRequest { request: nonce },
            now,
            rng,
        )
    }

    /// Drops an order the bank never minted (it refused it, or can no
    /// longer take it): nothing was debited. False if there was none.
    pub async fn drop_order(&self, nonce: Nonce) -> Result<bool, KeeperError> {
        Ok(self.store.drop_order(nonce).await?)
    }
}

#[cfg(test)]
mod tests {
    use halfpenny::messages::Denomination;
    use halfpenny::{Currency, KeyId};

    use super::*;

    #[test]
    fn an_order_is_worth_its_coins_and_never_overflows() {
        let mut body = PurseRequest {
            seller: KeyId([1; 32]),
            currency: Currency::USD,
            money: Denomination::list(&[(1, 5), (5, 2)]),
            authorizations: vec![],
            suite: None,
        };
        assert_eq!(value_of(&body), Ok(Amount::new(15, Currency::USD)));
        body.money = Denomination::list(&[(u64::MAX, 2)]);
        assert_eq!(value_of(&body), Err(KeeperError::OrderTooLarge));
        body.money = Denomination::list(&[(u64::MAX, 1), (1, 1)]);
        assert_eq!(value_of(&body), Err(KeeperError::OrderTooLarge));
    }
}
