//! Letters that move money, saved before they leave: a refund request is
//! saved, exactly as sealed, in the same transaction that marks its halves
//! refunding, and resent byte for byte until the bank answers; a purse
//! order is saved before it leaves for the seller, and resent byte for byte
//! until her purse is in her store.

use halfpenny::messages::MAX_TOKENS_PER_PURSE;
use halfpenny::wire::{
    Decode, Encode, MAX_MESSAGE_BYTES, Reader, WireError, Writer, get_option, put_option,
};
use halfpenny::{Amount, CaseId, KeyId, Nonce, PurseId, SessionSerial, Timestamp};

const SAVED_REFUND_VERSION: u8 = 1;
const SAVED_ORDER_VERSION: u8 = 1;

/// A refund request she sent (or is about to send) to her bank.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SavedRefund {
    /// The letter's nonce: the bank answers a resend of it with its first
    /// answer, so sending it twice refunds once.
    pub nonce: Nonce,
    pub purse: PurseId,
    /// The halves it hands back.
    pub sessions: Vec<SessionSerial>,
    /// The sealed letter's exact bytes.
    pub letter: Vec<u8>,
    pub created_at: Timestamp,
    /// The case the bank opened for it: once known, the letter need not be
    /// sent again; it is dropped when the result is in.
    pub case: Option<CaseId>,
}

impl Encode for SavedRefund {
    fn encode(&self, w: &mut Writer) {
        w.u8(SAVED_REFUND_VERSION);
        self.nonce.encode(w);
        self.purse.encode(w);
        w.list(&self.sessions);
        w.bytes32(&self.letter);
        self.created_at.encode(w);
        put_option(w, &self.case);
    }
}

impl Decode for SavedRefund {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u8()? {
            SAVED_REFUND_VERSION => {}
            v => return Err(WireError::UnknownVersion(v)),
        }
        Ok(SavedRefund {
            nonce: Nonce::decode(r)?,
            purse: PurseId::decode(r)?,
            sessions: r.list("refund sessions", MAX_TOKENS_PER_PURSE)?,
            letter: r.bytes32("refund letter", MAX_MESSAGE_BYTES)?.to_vec(),
            created_at: Timestamp::decode(r)?,
            case: get_option(r, "refund case")?,
        })
    }
}

/// A purse she ordered (the bank debits her when it mints), saved before
/// the order leaves and kept until her purse is in her store.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SavedOrder {
    /// Her purse request letter's nonce: the bank answers a resend of it
    /// with its first answer, so ordering twice mints once.
    pub nonce: Nonce,
    /// The seller the purse is for.
    pub seller: KeyId,
    /// What the purse's money is worth: what the bank debits her.
    pub value: Amount,
    /// The forwarded request's exact bytes (`ForwardedPurseRequest`).
    pub request: Vec<u8>,
    pub created_at: Timestamp,
}

impl Encode for SavedOrder {
    fn encode(&self, w: &mut Writer) {
        w.u8(SAVED_ORDER_VERSION);
        self.nonce.encode(w);
        self.seller.encode(w);
        self.value.encode(w);
        w.bytes32(&self.request);
        self.created_at.encode(w);
    }
}

impl Decode for SavedOrder {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u8()? {
            SAVED_ORDER_VERSION => {}
            v => return Err(WireError::UnknownVersion(v)),
        }
        Ok(SavedOrder {
            nonce: Nonce::decode(r)?,
            seller: KeyId::decode(r)?,
            value: Amount::decode(r)?,
            request: r.bytes32("purse order", MAX_MESSAGE_BYTES)?.to_vec(),
            created_at: Timestamp::decode(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_saved_refund_round_trips() {
        for case in [None, Some(CaseId([4; 16]))] {
            let saved = SavedRefund {
                nonce: Nonce([1; 16]),
                purse: PurseId([2; 16]),
                sessions: vec![SessionSerial(0), SessionSerial(5)],
                letter: vec![7; 600],
                created_at: Timestamp(1_795_478_400),
                case,
            };
            assert_eq!(SavedRefund::from_bytes(&saved.to_bytes()), Ok(saved));
        }
    }

    #[test]
    fn a_saved_order_round_trips() {
        let saved = SavedOrder {
            nonce: Nonce([1; 16]),
            seller: KeyId([3; 32]),
            value: Amount::new(15, halfpenny::Currency::USD),
            request: vec![9; 700],
            created_at: Timestamp(1_795_478_400),
        };
        assert_eq!(SavedOrder::from_bytes(&saved.to_bytes()), Ok(saved));
    }
}
