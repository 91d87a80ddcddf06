//! Letters that move money, saved before they leave: a refund request is
//! saved, exactly as sealed, in the same transaction that marks its halves
//! refunding, and resent byte for byte until the bank answers.

use halfpenny::messages::MAX_TOKENS_PER_PURSE;
use halfpenny::wire::{
    Decode, Encode, MAX_MESSAGE_BYTES, Reader, WireError, Writer, get_option, put_option,
};
use halfpenny::{CaseId, Nonce, PurseId, SessionSerial, Timestamp};

const SAVED_REFUND_VERSION: u8 = 1;

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
}
