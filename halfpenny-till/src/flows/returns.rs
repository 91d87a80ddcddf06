//! Answering the bank's return requests (patent step 1084): when a buyer
//! asks for a refund, the bank asks the seller for everything he holds of
//! her purse. The till reads its inbox, answers each request for a purse
//! it still holds, and forgets the purse once the bank took it back.

use halfpenny::Timestamp;
use halfpenny_till_store::TillStore;
use rand_core::CryptoRng;

use super::{BankLink, FlowError, RETURN_REQUEST};
use crate::TillDesk;

/// What [`answer_returns`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnsAnswered {
    /// Purses handed back and forgotten.
    pub answered: usize,
    /// Return requests left for the next time: not readable by this till,
    /// or the bank did not take the answer.
    pub left: usize,
}

/// Reads every letter in his inbox and answers each return request for a
/// purse the till still holds (best effort: one that fails is tried again
/// next time; a purse already handed back is not handed back again). Only
/// the inbox out of reach, or his store failing, stops it.
pub async fn answer_returns<S: TillStore, B: BankLink, R: CryptoRng + ?Sized>(
    desk: &TillDesk<S>,
    bank: &mut B,
    now: Timestamp,
    rng: &mut R,
) -> Result<ReturnsAnswered, FlowError> {
    let ask = desk.inbox_request(now, rng)?;
    let letters = bank.inbox(&ask).await?;
    let mut out = ReturnsAnswered::default();
    for l in letters.iter().filter(|l| l.kind == RETURN_REQUEST) {
        let answer = match desk.answer_return(&l.letter, now, rng).await {
            Ok(Some(answer)) => answer,
            // Handed back already.
            Ok(None) => continue,
            Err(crate::DeskError::Store(e)) => return Err(crate::DeskError::Store(e).into()),
            Err(_) => {
                out.left += 1;
                continue;
            }
        };
        if bank.take_return(&answer.letter).await.is_ok() {
            desk.returned(&answer).await?;
            out.answered += 1;
        } else {
            out.left += 1;
        }
    }
    Ok(out)
}
