//! Purse requests whose answer was lost. The shop saves every request it
//! forwards before sending it (`App::forward_purse`); the errands (at start
//! and on every tick) send each one the bank has not answered again, byte
//! for byte. The bank answers a request it has seen with its first answer,
//! so a purse it minted while the shop was down or its answer was lost
//! reaches the seller, once: storing his purse is idempotent.
//!
//! An order is sent again for as long as a till can still take the purse
//! letter the bank answers with (`PURSE_FRESHNESS`, 7 days; the bank keeps
//! a purse request's first answer far longer, 180 days), then dropped with
//! a warning that names the order (the first bytes of the SHA-256 of its
//! text), nothing inside it. A purse the seller never got comes back to
//! the buyer by her refund and the deadline rule.

use std::sync::Arc;

use halfpenny::till::PURSE_FRESHNESS;

use super::App;
use crate::error::ApiError;

/// How long an unanswered order is sent again: as long as the till can
/// read the purse letter that answers it.
pub const ORDER_KEPT_SECS: u64 = PURSE_FRESHNESS.max_age_secs;

/// The most orders one errand sends (the rest wait for the next).
const ORDERS_PER_CALL: i64 = 100;

impl App {
    /// Sends every saved purse request the bank has not answered again;
    /// how many answers were stored. Stops at the first call that does not
    /// reach the bank (it is down: the next errand tries again).
    pub async fn resend_purse_orders(self: &Arc<Self>) -> Result<usize, ApiError> {
        let _one_at_a_time = self.errands.lock().await;
        let keep_since = self.now().minus(ORDER_KEPT_SECS);
        let mut stored = 0;
        for order in self.store.unanswered_purse_orders(ORDERS_PER_CALL).await? {
            let name = order.name();
            if order.created_at < keep_since {
                tracing::warn!(order = %name, "a purse request the bank never answered is older than the bank keeps answers: dropped");
                self.store.drop_purse_order(&order.id).await?;
                continue;
            }
            match self.send_purse_order(&order).await? {
                Ok(_) => {
                    tracing::info!(order = %name, "a purse request sent again was answered");
                    stored += 1;
                }
                Err(e) if e.is_final() => {
                    let code = e.bank_code().unwrap_or("refused");
                    tracing::warn!(order = %name, %code, "the bank refused a purse request sent again: dropped");
                }
                Err(e) => return Err(e.into()),
            }
        }
        if let Err(e) = self.store.prune_purse_orders(keep_since).await {
            tracing::warn!(error = %e, "answered purse requests not pruned");
        }
        Ok(stored)
    }
}
