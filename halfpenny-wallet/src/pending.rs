//! What is still open in her wallet: purse orders whose purse has not come,
//! payments whose answer never came, and refunds the bank has not answered
//! yet. Read from her purses and her
//! history; what she can do about each is the keeper's `settle`,
//! `settle_without_receipt`, `release`, and `finish_refund` when the bank
//! answers.

use std::collections::BTreeMap;

use halfpenny::wallet::BuyerPurse;
use halfpenny::{Amount, KeyId, Nonce, PurseId, Timestamp};
use halfpenny_store::{Event, EventKind, Via, WalletStore};

use crate::{Keeper, KeeperError};

/// Everything waiting for an answer, oldest first.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Pending {
    pub orders: Vec<PendingOrder>,
    pub payments: Vec<PendingPayment>,
    pub refunds: Vec<PendingRefund>,
}

/// A purse she ordered (the bank may have debited her) that is not in her
/// store yet: the flows send it again, through the seller or straight to
/// the bank, until it is.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PendingOrder {
    pub nonce: Nonce,
    pub seller: KeyId,
    pub amount: Amount,
    pub ordered_at: Timestamp,
}

/// A payment whose halves were sent and neither settled nor released.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PendingPayment {
    pub purse: PurseId,
    pub seller: KeyId,
    pub payment: Nonce,
    /// What its halves are worth.
    pub amount: Amount,
    /// When, how and for what it was sent, if that was noted.
    pub sent: Option<SentNote>,
}

/// What her history noted when a payment's halves left.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SentNote {
    pub at: Timestamp,
    pub item: String,
    pub via: Via,
}

/// A purse's halves handed to the bank for a refund, not yet answered.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PendingRefund {
    pub purse: PurseId,
    pub seller: KeyId,
    pub amount: Amount,
    /// When she asked, if her history has it.
    pub asked_at: Option<Timestamp>,
}

impl<S: WalletStore> Keeper<S> {
    /// Every payment left pending and every refund waiting for the bank.
    pub async fn pending(&self) -> Result<Pending, KeeperError> {
        let purses = self.store().purses().await?;
        let events = self.store().events().await?;
        let mut out = pending_in(&purses, &events);
        out.orders = self
            .orders_to_send()
            .await?
            .into_iter()
            .map(|o| PendingOrder {
                nonce: o.nonce,
                seller: o.seller,
                amount: o.value,
                ordered_at: o.created_at,
            })
            .collect();
        Ok(out)
    }
}

fn pending_in(purses: &[BuyerPurse], events: &[Event]) -> Pending {
    let mut notes: BTreeMap<Nonce, SentNote> = BTreeMap::new();
    let mut asked: BTreeMap<PurseId, Timestamp> = BTreeMap::new();
    for e in events {
        match &e.kind {
            EventKind::Sent { payment, item, via } => {
                notes.entry(*payment).or_insert_with(|| SentNote {
                    at: e.at,
                    item: item.clone(),
                    via: *via,
                });
            }
            // The latest request is the one still waiting.
            EventKind::RefundRequested => {
                asked.insert(e.purse, e.at);
            }
            _ => {}
        }
    }
    let mut out = Pending::default();
    for p in purses {
        for payment in p.pending_payments().into_keys() {
            out.payments.push(PendingPayment {
                purse: p.id,
                seller: p.seller,
                payment,
                amount: p.pending_in(payment),
                sent: notes.remove(&payment),
            });
        }
        let refunding = p.refunding();
        if !refunding.is_zero() {
            out.refunds.push(PendingRefund {
                purse: p.id,
                seller: p.seller,
                amount: refunding,
                asked_at: asked.get(&p.id).copied(),
            });
        }
    }
    // Unnoted payments (a page closed between choosing the halves and
    // noting them) first: they are the oldest kind of trouble.
    out.payments.sort_by_key(|p| p.sent.as_ref().map(|s| s.at));
    out.refunds.sort_by_key(|r| r.asked_at);
    out
}
