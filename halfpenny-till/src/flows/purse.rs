//! Buying a purse through the till (patent Figs. 2, 5 and 6, the seller's
//! side): her sealed request goes to the bank unread; his half of the
//! answer is kept, hers handed back still sealed for her. The request is
//! saved before it leaves and sent again, the very same bytes, until the
//! bank answers (it answers a request it knows with its first answer), as
//! the shop does.

use halfpenny::Timestamp;
use halfpenny::messages::ForwardedPurseRequest;
use halfpenny_till_store::TillStore;

use super::{BankLink, FlowError, LinkError};
use crate::{DeskError, Forwarded, TillDesk};

/// Reads her purse request (`hpq1.…`), checks it is for his bank, saves
/// it, forwards it and keeps his purse. If no answer comes, the request
/// stays saved: [`resend_orders`] sends it again (and her wallet can also
/// recover her purse from the bank itself).
pub async fn forward_purse<S: TillStore, B: BankLink>(
    desk: &TillDesk<S>,
    bank: &mut B,
    text: &str,
    now: Timestamp,
) -> Result<Forwarded, FlowError> {
    let request = desk.purse_request(text)?;
    desk.store()
        .save_order(&request)
        .await
        .map_err(DeskError::from)?;
    send(desk, bank, &request, now).await
}

/// Sends a saved request; forgets it once the bank answered.
async fn send<S: TillStore, B: BankLink>(
    desk: &TillDesk<S>,
    bank: &mut B,
    request: &ForwardedPurseRequest,
    now: Timestamp,
) -> Result<Forwarded, FlowError> {
    match bank.mint(request).await {
        Ok(response) => {
            let forwarded = desk.receive(&response, now).await?;
            desk.store()
                .drop_order(request)
                .await
                .map_err(DeskError::from)?;
            Ok(forwarded)
        }
        // These very bytes again would get the first answer had the bank
        // minted anything: a refusal means it minted nothing.
        Err(LinkError::Refused { code, message }) => {
            desk.store()
                .drop_order(request)
                .await
                .map_err(DeskError::from)?;
            Err(FlowError::Refused { code, message })
        }
        Err(e) => Err(e.into()),
    }
}

/// What [`resend_orders`] did.
#[derive(Debug, Clone, Default)]
pub struct OrdersResent {
    /// Requests the bank answered: his purses are kept; hers, still sealed
    /// for her, to hand on if she is still there (her wallet can also
    /// recover them from the bank).
    pub forwarded: Vec<Forwarded>,
    /// Requests the bank refused (it minted nothing): forgotten.
    pub refused: usize,
    /// Requests still waiting for an answer.
    pub waiting: usize,
}

/// Sends every saved purse request again, byte for byte. Only his store
/// failing stops it.
pub async fn resend_orders<S: TillStore, B: BankLink>(
    desk: &TillDesk<S>,
    bank: &mut B,
    now: Timestamp,
) -> Result<OrdersResent, FlowError> {
    let mut out = OrdersResent::default();
    for request in desk.store().orders().await.map_err(DeskError::from)? {
        match send(desk, bank, &request, now).await {
            Ok(forwarded) => out.forwarded.push(forwarded),
            Err(FlowError::Refused { .. }) => out.refused += 1,
            Err(FlowError::Desk(DeskError::Store(e))) => return Err(DeskError::Store(e).into()),
            Err(_) => out.waiting += 1,
        }
    }
    Ok(out)
}
