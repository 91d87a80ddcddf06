//! What the wallet shows as her history: purses received, payments, refunds,
//! and where each payment's halves went, for one that gets no answer.

use halfpenny::messages::MAX_ITEM_NAME;
use halfpenny::wire::{Decode, Encode, Reader, WireError, Writer};
use halfpenny::{Amount, Currency, Date, Nonce, PurseId, Timestamp};

/// One line of her history.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Event {
    pub at: Timestamp,
    pub purse: PurseId,
    pub amount: Amount,
    pub kind: EventKind,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum EventKind {
    /// A purse arrived from the bank, worth `amount`.
    PurseReceived,
    /// The seller's receipt for a payment of `amount` for `item`.
    Paid { payment: Nonce, item: String },
    /// A payment the seller never took: its halves are hers again.
    Released { payment: Nonce },
    /// Her halves worth `amount` for `item` went to the seller by `via`;
    /// his answer is not in yet. Noted before they leave, so that a payment
    /// whose answer is lost can be shown to her with what to do about it.
    Sent {
        payment: Nonce,
        item: String,
        via: Via,
    },
    /// Her unspent halves went to the bank to be refunded.
    RefundRequested,
    /// The bank refunded `amount`.
    Refunded,
    /// The seller refused a payment because halves worth `amount` in it
    /// were spent already (by a copy of this wallet: an older backup
    /// restored, or another device). They are spent for good and never
    /// offered again; this refusal is the reason.
    SpentBefore { payment: Nonce },
}

/// How a payment's halves reached the seller.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Via {
    /// A shop's web page (its pay button): the wallet can ask the shop
    /// later what became of the payment.
    ShopPage,
    /// A till in person, by codes she carried: it cannot be asked again.
    TillInPerson,
}

impl Via {
    fn tag(self) -> u8 {
        match self {
            Self::ShopPage => 0,
            Self::TillInPerson => 1,
        }
    }

    fn from_tag(tag: u8) -> Option<Self> {
        match tag {
            0 => Some(Self::ShopPage),
            1 => Some(Self::TillInPerson),
            _ => None,
        }
    }
}

/// What she paid on one day (UTC), in one currency.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DaySpend {
    pub day: Date,
    pub paid: Amount,
}

/// Her payments in `currency` on each of the `days` days up to and
/// including `now`'s, oldest first; days without payments are zero.
/// Refunds, released payments and payments merely sent are not spending.
pub fn spending_by_day(
    events: &[Event],
    currency: Currency,
    now: Timestamp,
    days: u32,
) -> Vec<DaySpend> {
    const DAY: u64 = 86_400;
    let today = now.0 / DAY;
    let first = today.saturating_sub(u64::from(days.saturating_sub(1)));
    let mut out: Vec<DaySpend> = (first..=today)
        .map(|d| DaySpend {
            day: Timestamp(d * DAY).date(),
            paid: Amount::zero(currency),
        })
        .collect();
    for e in events {
        let day = e.at.0 / DAY;
        if !matches!(e.kind, EventKind::Paid { .. })
            || e.amount.currency() != currency
            || !(first..=today).contains(&day)
        {
            continue;
        }
        let index = usize::try_from(day - first).unwrap_or(usize::MAX);
        if let Some(slot) = out.get_mut(index) {
            slot.paid = Amount::new(slot.paid.minor().saturating_add(e.amount.minor()), currency);
        }
    }
    out
}

impl Encode for Event {
    fn encode(&self, w: &mut Writer) {
        self.at.encode(w);
        self.purse.encode(w);
        self.amount.encode(w);
        match &self.kind {
            EventKind::PurseReceived => w.u8(0),
            EventKind::Paid { payment, item } => {
                w.u8(1);
                payment.encode(w);
                w.str8(item);
            }
            EventKind::Released { payment } => {
                w.u8(2);
                payment.encode(w);
            }
            EventKind::RefundRequested => w.u8(3),
            EventKind::Refunded => w.u8(4),
            EventKind::Sent { payment, item, via } => {
                w.u8(5);
                payment.encode(w);
                w.str8(item);
                w.u8(via.tag());
            }
            EventKind::SpentBefore { payment } => {
                w.u8(6);
                payment.encode(w);
            }
        }
    }
}

impl Decode for Event {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let at = Timestamp::decode(r)?;
        let purse = PurseId::decode(r)?;
        let amount = Amount::decode(r)?;
        let kind = match r.u8()? {
            0 => EventKind::PurseReceived,
            1 => EventKind::Paid {
                payment: Nonce::decode(r)?,
                item: r.str8("item", MAX_ITEM_NAME)?.to_owned(),
            },
            2 => EventKind::Released {
                payment: Nonce::decode(r)?,
            },
            3 => EventKind::RefundRequested,
            4 => EventKind::Refunded,
            5 => EventKind::Sent {
                payment: Nonce::decode(r)?,
                item: r.str8("item", MAX_ITEM_NAME)?.to_owned(),
                via: {
                    let tag = r.u8()?;
                    Via::from_tag(tag).ok_or(WireError::UnknownTag {
                        field: "payment route",
                        tag,
                    })?
                },
            },
            6 => EventKind::SpentBefore {
                payment: Nonce::decode(r)?,
            },
            tag => {
                return Err(WireError::UnknownTag {
                    field: "history event",
                    tag,
                });
            }
        };
        Ok(Event {
            at,
            purse,
            amount,
            kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paid(at: u64, minor: u64, currency: Currency) -> Event {
        Event {
            at: Timestamp(at),
            purse: PurseId([1; 16]),
            amount: Amount::new(minor, currency),
            kind: EventKind::Paid {
                payment: Nonce([2; 16]),
                item: "article".to_owned(),
            },
        }
    }

    #[test]
    fn spending_is_summed_per_day_and_only_for_payments() {
        let day = 86_400;
        let now = Timestamp(20_000 * day + 3_600);
        let mut refund = paid(now.0, 500, Currency::USD);
        refund.kind = EventKind::Refunded;
        let mut sent = paid(now.0, 900, Currency::USD);
        sent.kind = EventKind::Sent {
            payment: Nonce([3; 16]),
            item: "article".to_owned(),
            via: Via::TillInPerson,
        };
        let events = [
            paid(now.0 - 10, 2, Currency::USD),
            paid(now.0 - 20, 3, Currency::USD),
            paid(now.0 - 2 * day, 7, Currency::USD),
            paid(now.0 - 9 * day, 100, Currency::USD), // before the window
            paid(now.0, 40, Currency::EUR),            // another currency
            refund,
            sent,
        ];
        let chart = spending_by_day(&events, Currency::USD, now, 7);
        let minors: Vec<u64> = chart.iter().map(|d| d.paid.minor()).collect();
        assert_eq!(minors, [0, 0, 0, 0, 7, 0, 5]);
        assert_eq!(chart.last().map(|d| d.day), Some(now.date()));
        assert_eq!(
            chart.first().map(|d| d.day),
            Some(now.minus(6 * day).date())
        );
    }

    #[test]
    fn a_sent_payment_reads_back_with_its_route() {
        for via in [Via::ShopPage, Via::TillInPerson] {
            let mut e = paid(1_000, 7, Currency::USD);
            e.kind = EventKind::Sent {
                payment: Nonce([9; 16]),
                item: "article-9".to_owned(),
                via,
            };
            assert_eq!(Event::from_bytes(&e.to_bytes()), Ok(e));
        }
        let mut e = paid(1_000, 7, Currency::USD);
        e.kind = EventKind::Sent {
            payment: Nonce([9; 16]),
            item: "a".to_owned(),
            via: Via::ShopPage,
        };
        let mut bytes = e.to_bytes();
        if let Some(last) = bytes.last_mut() {
            *last = 7;
        }
        assert!(matches!(
            Event::from_bytes(&bytes),
            Err(WireError::UnknownTag { tag: 7, .. })
        ));
    }
}
