//! Buying a purse through the till (seed Figs. 2, 5 and 6, the seller's
//! side): her sealed request goes to the bank unread; his half of the
//! answer is kept, hers handed back still sealed for her.

use halfpenny::Timestamp;
use halfpenny_till_store::TillStore;

use super::{BankLink, FlowError};
use crate::{Forwarded, TillDesk};

/// Reads her purse request (`hpq1.…`), checks it is for his bank, forwards
/// it and keeps his purse. If no answer comes, nothing was kept: the bank
/// answers the very same request again with its first answer, and her
/// wallet can also recover her purse from the bank itself.
pub async fn forward_purse<S: TillStore, B: BankLink>(
    desk: &TillDesk<S>,
    bank: &mut B,
    text: &str,
    now: Timestamp,
) -> Result<Forwarded, FlowError> {
    let request = desk.purse_request(text)?;
    let response = bank.mint(&request).await?;
    Ok(desk.receive(&response, now).await?)
}
