//! What the wallet shows as her history: purses received, payments, refunds.

use halfpenny::messages::MAX_ITEM_NAME;
use halfpenny::wire::{Decode, Encode, Reader, WireError, Writer};
use halfpenny::{Amount, Nonce, PurseId, Timestamp};

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
    /// Her unspent halves went to the bank to be refunded.
    RefundRequested,
    /// The bank refunded `amount`.
    Refunded,
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
