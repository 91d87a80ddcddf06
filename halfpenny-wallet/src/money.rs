//! Where every cent of hers is: per currency, each of her halves (and each
//! purse order not yet in) is in exactly one named state, and the states add
//! up to what she bought.

use std::collections::BTreeMap;

use halfpenny::wallet::{BuyerPurse, HalfState};
use halfpenny::{Amount, Currency, Timestamp};
use halfpenny_store::{SavedOrder, WalletStore};

use crate::{Keeper, KeeperError};

/// Her money in one currency, by state, in minor units.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Money {
    pub currency: Currency,
    /// Hers to pay with now.
    pub spendable: u64,
    /// Sent to a seller whose answer is not in, or ordered as a purse that
    /// has not come: each is listed by `Keeper::pending` with what to do.
    pub pending: u64,
    /// Taken by a seller (or found spent by an earlier copy of this wallet,
    /// or by the bank when it judged a refund).
    pub spent: u64,
    /// Handed to the bank for a refund; its result is not in.
    pub refunding: u64,
    /// Paid back into her account at the bank.
    pub refunded: u64,
    /// In a purse past its expiry: no seller takes it; a refund returns it.
    pub expired: u64,
}

impl Money {
    fn new(currency: Currency) -> Self {
        Self {
            currency,
            spendable: 0,
            pending: 0,
            spent: 0,
            refunding: 0,
            refunded: 0,
            expired: 0,
        }
    }

    /// The names of the states, in the order of [`by_state`](Self::by_state).
    pub const STATES: [&'static str; 6] = [
        "spendable",
        "pending",
        "spent",
        "refunding",
        "refunded",
        "expired",
    ];

    /// Minor units in each state, in the order of [`STATES`](Self::STATES).
    pub fn by_state(&self) -> [u64; 6] {
        [
            self.spendable,
            self.pending,
            self.spent,
            self.refunding,
            self.refunded,
            self.expired,
        ]
    }

    /// Every state added up: what she bought and has not had dropped.
    pub fn total(&self) -> u64 {
        self.by_state()
            .iter()
            .fold(0u64, |a, v| a.saturating_add(*v))
    }

    pub fn amount(&self, minor: u64) -> Amount {
        Amount::new(minor, self.currency)
    }
}

/// Her money by currency at `now`, from her purses and her saved orders.
pub fn money_in(purses: &[BuyerPurse], orders: &[SavedOrder], now: Timestamp) -> Vec<Money> {
    let mut by: BTreeMap<Currency, Money> = BTreeMap::new();
    for p in purses {
        let m = by
            .entry(p.currency)
            .or_insert_with(|| Money::new(p.currency));
        let expired = now > p.expires_at;
        for h in p.halves.values() {
            let Some(value) = h.kind.value() else {
                continue; // an authorization: no money
            };
            let slot = match h.state {
                HalfState::Available if expired => &mut m.expired,
                HalfState::Available => &mut m.spendable,
                HalfState::Pending(_) => &mut m.pending,
                HalfState::Spent(_) | HalfState::Refused(_) => &mut m.spent,
                HalfState::Refunding => &mut m.refunding,
                HalfState::Refunded => &mut m.refunded,
            };
            *slot = slot.saturating_add(value.minor());
        }
    }
    for o in orders {
        let c = o.value.currency();
        let m = by.entry(c).or_insert_with(|| Money::new(c));
        m.pending = m.pending.saturating_add(o.value.minor());
    }
    by.into_values().collect()
}

impl<S: WalletStore> Keeper<S> {
    /// Her money by currency, every cent in one state.
    pub async fn money(&self, now: Timestamp) -> Result<Vec<Money>, KeeperError> {
        let purses = self.store.purses().await?;
        let orders = self.store.orders().await?;
        Ok(money_in(&purses, &orders, now))
    }
}
